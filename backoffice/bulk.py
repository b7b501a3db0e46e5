"""Writing many rows' changed fields in one statement (batch jobs' chunks).

Django's `bulk_update` says it with a `CASE WHEN id = … THEN …` per field and row, and
building those expressions costs about a millisecond of Python per row and field set here:
more than everything else a batch job does for an order. On PostgreSQL the same change is one
`UPDATE … FROM unnest(…)` with one array parameter per column (a parameter per value would make
the driver scan a query string thousands of placeholders long); other databases (SQLite in
development) keep Django's.
"""

from collections.abc import Sequence

import psycopg
from django.db import connection
from django.db.models import Model


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
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    pk = quote(meta.pk.column)
    names = ", ".join(quote(field.column) for field in columns)
    arrays = ", ".join(f"%s::{_base_type(field)}[]" for field in columns)
    assignments = ", ".join(
        f"{quote(field.column)} = v.{quote(field.column)}" for field in columns[1:]
    )
    params = [_column(field, objs) for field in columns]
    connection.ensure_connection()
    # Server-side binding: the driver sends each array as one value instead of quoting every
    # element into the statement's text (what Django's client-side cursor would do).
    raw = psycopg.Cursor(connection.connection)
    # Wrapped as Django wraps its own: errors translated, queries counted and logged.
    log = connection.queries_logged
    with connection.make_debug_cursor(raw) if log else connection.make_cursor(raw) as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM unnest({arrays}) AS v ({names}) "
            f"WHERE {table}.{pk} = v.{pk}",
            params,
        )


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


def _column(field, objs: Sequence[Model]) -> list:
    values = [getattr(obj, field.attname) for obj in objs]
    if field.get_internal_type() in _PLAIN:
        return values
    return [field.get_db_prep_save(value, connection) for value in values]


def _base_type(field) -> str:
    """The column's type without a length (an array of varchar(32) is an array of varchar)."""
    return field.db_type(connection).split("(")[0]
