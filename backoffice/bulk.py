"""Writing many rows at once (batch jobs' chunks): new rows, and changed fields.

Django's `bulk_update` says it with a `CASE WHEN id = … THEN …` per field and row, and
building those expressions costs about a millisecond of Python per row and field set here:
more than everything else a batch job does for an order. On PostgreSQL the same change is one
`UPDATE … FROM unnest(…)` with one array parameter per column (a parameter per value would make
the driver scan a query string thousands of placeholders long); other databases (SQLite in
development) keep Django's.

New rows go in with `COPY` on PostgreSQL (`bulk_insert`): `bulk_create` compiles a placeholder
and a preparation for every value, two to three times the cost of streaming the same rows,
which the driver formats in C.
"""

import time
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from django.db import connection
from django.db.models import Field, ForeignObjectRel, Model
from django.db.models.fields.related import RelatedField
from django.db.models.options import Options


def bulk_set(objs: Sequence[Model], fields: Sequence[str]) -> None:
    """Save `fields` of every object (all of one model) as they are in memory.

    Like `bulk_update`, it calls no `save()` and no `auto_now`: set `updated_at` yourself.
    """
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model._base_manager.bulk_update(objs, fields)
        return
    meta = model._meta
    columns = [_stored(meta.pk), *(_stored(meta.get_field(name)) for name in fields)]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    pk = quote(columns[0][1])
    names = ", ".join(quote(column) for _, column in columns)
    arrays = ", ".join(f"%s::{_base_type(field)}[]" for field, _ in columns)
    assignments = ", ".join(f"{quote(column)} = v.{quote(column)}" for _, column in columns[1:])
    params = [_column(field, objs) for field, _ in columns]
    connection.ensure_connection()
    # Server-side binding: the driver sends each array as one value instead of quoting every
    # element into the statement's text (what Django's client-side cursor would do).
    raw = psycopg.Cursor(connection.connection)
    # Wrapped as Django wraps its own: errors translated, queries counted and logged.
    log = connection.queries_logged
    # django-stubs types their argument as a `CursorWrapper`; Django's own `_prepare_cursor`
    # passes the driver's cursor, as here, and these are what wrap it.
    wrap = connection.make_debug_cursor if log else connection.make_cursor
    with wrap(raw) as cursor:  # type: ignore[arg-type]
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM unnest({arrays}) AS v ({names}) "
            f"WHERE {table}.{pk} = v.{pk}",
            params,
        )


def bulk_insert[M: Model](objs: Sequence[M]) -> list[M]:
    """Insert new instances (all of one model) at once; like `bulk_create`, they get their pk
    (in list order), `auto_now` values and saved state, and no `save()` or signal is called.

    PostgreSQL: the pks are drawn from the table's sequence in one query, then the rows are
    streamed with `COPY` (logged and counted as one query, as Django's own cursors would).
    """
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    if connection.vendor != "postgresql":
        return model._base_manager.bulk_create(objs)
    meta = model._meta
    fields = meta.concrete_fields
    for obj in objs:
        # Private Django API (what `bulk_create` calls), not in django-stubs.
        obj._prepare_related_fields_for_save(operation_name="bulk_insert")  # type: ignore[attr-defined]
    _draw_pks(meta, [obj for obj in objs if obj.pk is None])
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_stored(field)[1]) for field in fields)
    prepares = [_preparation(field) for field in fields]
    statement = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
    started = time.monotonic()
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(statement) as copy,
    ):
        for obj in objs:
            copy.write_row([prepare(obj) for prepare in prepares])
    if connection.queries_logged:
        took = time.monotonic() - started
        connection.queries_log.append(
            {"sql": f"{statement} -- {len(objs)} rows", "time": f"{took:.3f}"}
        )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


_sequences: dict[str, str] = {}  # {table: its pk's sequence}


def _draw_pks(meta: "Options[Any]", objs: Sequence[Model]) -> None:
    if not objs:
        return
    with connection.cursor() as cursor:
        if meta.db_table not in _sequences:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [meta.db_table, meta.pk.column])
            sequence = cursor.fetchone()[0]
            if sequence is None:
                raise ValueError(f"{meta.label}: no sequence draws its pks; set them first.")
            _sequences[meta.db_table] = sequence
        # Named once: looked up per row, the sequence costs more than drawing from it.
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
            [_sequences[meta.db_table], len(objs)],
        )
        drawn = sorted(row[0] for row in cursor.fetchall())
    for obj, pk in zip(objs, drawn, strict=True):
        obj.pk = pk


def _stored(field: "Field[Any, Any] | ForeignObjectRel") -> "tuple[Field[Any, Any], str]":
    """A field stored in a column of its table, and the column's name."""
    if isinstance(field, Field) and field.column is not None:
        return field, field.column
    raise ValueError(f"{field!r} has no column of its own to write.")


def _preparation(field: "Field[Any, Any]") -> Callable[[Model], Any]:
    """How one column's value is read off an instance, as `bulk_create` would send it."""
    attname = field.attname
    if type(field).pre_save is not Field.pre_save:  # auto_now and the like set the value
        if field.get_internal_type() in _PLAIN:
            return lambda obj: field.pre_save(obj, True)
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)
    plain = field.target_field if isinstance(field, RelatedField) else field
    if plain.get_internal_type() in _PLAIN:
        return lambda obj: getattr(obj, attname)
    return lambda obj: field.get_db_prep_save(getattr(obj, attname), connection)


# Fields whose Python value is already what the driver sends (the rest go through Django's
# `get_db_prep_save`: JSON, decimals, UUIDs…).
_PLAIN = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateTimeField",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


def _column(field: "Field[Any, Any]", objs: Sequence[Model]) -> list[Any]:
    values = [getattr(obj, field.attname) for obj in objs]
    if field.get_internal_type() in _PLAIN:
        return values
    return [field.get_db_prep_save(value, connection) for value in values]


def _base_type(field: "Field[Any, Any]") -> str:
    """The column's type without a length (an array of varchar(32) is an array of varchar)."""
    db_type = field.db_type(connection)
    if db_type is None:
        raise ValueError(f"{field!r} has no column type.")
    return db_type.split("(")[0]
