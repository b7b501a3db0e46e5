"""Reads whose statement is written once per model and shape, then reused: the hot read of
every request (the session with its user and second-factor device: `row_by_pk_joined`), of
the list pages (`rows_where`: the stores, the payments behind the figures, the saved views)
and of the order page (its items, payments with their gateway accounts, ledger rows).

Building and compiling a queryset costs more than running its statement: ~0.4 ms of
`User.objects.get(pk=…)`'s 0.6 ms, ~0.9 ms of the order list's 1.2 ms payments read here.
Measured in bench/README.md (issue 21). Everything the ORM does with a row is still done:
the backend's and the fields' converters (SQLite's dates, JSON), and `Model.from_db`, so
`pre_init`/`post_init`, `_state` and deferred fields are as usual. Only for models whose
default manager does not filter rows, and for statements with no user-typed SQL: `where`
is a literal of the caller, the values are parameters.
"""

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from hashlib import blake2b
from typing import Any, cast
from weakref import WeakKeyDictionary

from django.conf import settings
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

Converter = Callable[[Any, Any, Any], Any]
_FIELD = re.compile(r"\{(\w+)\}")


class _Select:
    """`SELECT <columns> FROM <table>` of some fields of one model on one database, with the
    converters the ORM's compiler would apply to each column (SQLCompiler.get_converters)."""

    def __init__(self, model: type[Model], alias: str, fields: Sequence[str] | None) -> None:
        connection = connections[alias]
        quote = connection.ops.quote_name
        meta = model._meta
        # In the model's order of fields: `Model.from_db` reads the values in that order.
        wanted = {meta.get_field(name) for name in fields or ()}
        chosen = [f for f in meta.concrete_fields if fields is None or f in wanted]
        self.attnames = [field.attname for field in chosen]
        # Where each of `fields` is among the columns, for `values` (None: in that order).
        position = {name: i for i, f in enumerate(chosen) for name in (f.name, f.attname)}
        order = [position[name] for name in fields or ()]
        self.order = order if fields is not None and order != sorted(order) else None
        self.model, self.alias, self.quote = model, alias, quote
        self.wheres: dict[str, list[str]] = {}  # `rows_where`'s conditions, split at each %s
        self.sql = "SELECT {} FROM {}".format(
            ", ".join(quote(cast(str, field.column)) for field in chosen),
            quote(meta.db_table),
        )
        self.converters: list[tuple[int, list[Converter], Any]] = []
        for index, field in enumerate(chosen):
            column = field.get_col(meta.db_table)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                self.converters.append((index, found, column))

    def column(self, name: str) -> str:
        field = self.model._meta.get_field(name)
        return self.quote(cast(str, field.column))  # type: ignore[union-attr]

    def converted(self, sql: str, params: Sequence[Any]) -> list[Sequence[Any]]:
        """The rows of `sql`, the columns' values as the ORM converts them, in the model's
        order of fields."""
        connection = connections[self.alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not self.converters:
            return rows
        return [self.convert(row, connection) for row in rows]

    def convert(self, row: Sequence[Any], connection: Any) -> list[Any]:
        values = list(row)
        for index, converters, column in self.converters:
            for convert in converters:
                values[index] = convert(values[index], column, connection)
        return values

    def instances(self, sql: str, params: Sequence[Any]) -> list[Any]:
        from_db, alias, attnames = self.model.from_db, self.alias, self.attnames
        return [from_db(alias, attnames, values) for values in self.converted(sql, params)]

    def values(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """The rows of `sql`, each a tuple of the asked fields' values in the order asked."""
        rows, order = self.converted(sql, params), self.order
        if order is None:
            return [tuple(row) for row in rows]
        return [tuple([row[index] for index in order]) for row in rows]


_selects: dict[tuple[type[Model], str, tuple[str, ...] | None], _Select] = {}


def _select(model: type[Model], fields: Sequence[str] | None) -> _Select:
    alias = router.db_for_read(model)
    key = (model, alias, None if fields is None else tuple(fields))
    select = _selects.get(key)
    if select is None:
        select = _selects[key] = _Select(model, alias, fields)
    return select


def row_by_pk[M: Model](model: type[M], pk: Any) -> M | None:
    """The instance of `model` whose primary key is `pk`, None when there is none: one
    statement, as `model._default_manager.filter(pk=pk).first()` would send."""
    pk_field = model._meta.pk
    value = pk_field.get_db_prep_value(pk, connections[router.db_for_read(model)])
    found = rows_where(model, f"{{{pk_field.name}}} = %s", value)
    return found[0] if found else None


@dataclass(frozen=True)
class Joined:
    """A row `row_by_pk_joined` reads with its row: the row of `model` whose primary key is in
    the field `by` of the row read, when the field `when[0]` of that row holds `when[1]`."""

    model: type[Model]
    by: str
    when: tuple[str, str] | None = None


def row_by_pk_joined[M: Model](
    model: type[M], pk: Any, joined: tuple[Joined, ...]
) -> tuple[M | None, tuple[Model | None, ...]]:
    """`row_by_pk` with the rows its fields name, in one statement (one round trip instead of
    one per row): the row of `model` whose primary key is `pk` (None when there is none), and
    for each of `joined` its row (None when the field is empty, its condition does not hold,
    or the row is not there). All the models on one database.

    For the read of every request (the session's): on PostgreSQL the statement is prepared
    once per database session and executed by name (`prepared`), as planning the join took
    longer than running it."""
    alias = router.db_for_read(model)
    key = (model, joined, alias)
    join = _joins.get(key)
    if join is None:
        join = _joins[key] = _Join(_select(model, None), joined)
    connection = connections[alias]
    params = [*join.params, model._meta.pk.get_db_prep_value(pk, connection)]
    with connection.cursor() as cursor:
        cursor.execute(prepared(connection, join.sql, len(params)), params)
        row = cursor.fetchone()
    if row is None:
        return None, tuple(None for _ in joined)
    rows: list[Model | None] = []
    for select, (start, end), pk_index in join.parts:
        values = row[start:end]
        if values[pk_index] is None:  # LEFT JOIN's NULLs: no such row
            rows.append(None)
        else:
            converted = select.convert(values, connection)
            rows.append(select.model.from_db(alias, select.attnames, converted))
    return cast(M, rows[0]), tuple(rows[1:])


class _Join:
    """`SELECT <t0's columns>, <t1's columns>, … FROM a t0 LEFT JOIN b t1 ON t1.pk = t0.by
    [AND t0.when = %s] … WHERE t0.pk = %s` (aliased: two may be one table)."""

    def __init__(self, first: _Select, joined: tuple[Joined, ...]) -> None:
        quote = first.quote
        selects = [first, *(_select(j.model, None) for j in joined)]
        for select in selects[1:]:
            if select.alias != first.alias:
                raise ValueError(f"{select.model.__name__} is not on {first.alias!r}")
        columns = [
            f"t{index}.{quote(cast(str, field.column))}"
            for index, select in enumerate(selects)
            for field in select.model._meta.concrete_fields
        ]
        table = quote(first.model._meta.db_table)
        sql = [f"SELECT {', '.join(columns)} FROM {table} t0"]
        self.params: list[str] = []
        for index, (select, join) in enumerate(zip(selects[1:], joined, strict=True), start=1):
            pk_column = quote(cast(str, select.model._meta.pk.column))
            sql.append(
                f" LEFT JOIN {quote(select.model._meta.db_table)} t{index}"
                f" ON t{index}.{pk_column} = t0.{first.column(join.by)}"
            )
            if join.when is not None:
                sql.append(f" AND t0.{first.column(join.when[0])} = %s")
                self.params.append(join.when[1])
        sql.append(f" WHERE t0.{quote(cast(str, first.model._meta.pk.column))} = %s")
        self.sql = "".join(sql)
        # Where each row's columns are in the statement's row, and its primary key among them.
        self.parts: list[tuple[_Select, tuple[int, int], int]] = []
        start = 0
        for select in selects:
            end = start + len(select.attnames)
            pk_index = select.attnames.index(select.model._meta.pk.attname)
            self.parts.append((select, (start, end), pk_index))
            start = end


_joins: dict[tuple[type[Model], tuple[Joined, ...], str], _Join] = {}

# The statements prepared on each database session, by the driver's connection (one per
# session: a new one after Django reconnects).
_prepared_on: WeakKeyDictionary[Any, set[str]] = WeakKeyDictionary()
# Each statement's name, by its text: a digest of it, so that two threads naming one
# statement at once name it alike.
_names: dict[str, str] = {}
# How many statements `statements_prepared` may prepare: the server keeps each for the life
# of its session.
_MAX_PREPARED = 50


@contextmanager
def statements_prepared(using: str = "default") -> Iterator[None]:
    """Within: each SELECT the ORM sends with parameters is prepared once per database session
    and then run by name (`prepared`) — for reads whose planning takes longer than running
    them, by keys whose every value is planned alike (an order by its number, its comments by
    the order: no generic plan to fear). The order page's order with its counts and flags was
    planned in 0.42 ms and run in 0.07. The query logged is the `EXECUTE name(…)` sent."""
    connection = connections[using]
    if not _prepares(connection):
        yield
        return

    def by_name(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        known = sql in _names or len(_names) < _MAX_PREPARED
        if many or not params or not sql.startswith("SELECT ") or not known:
            return execute(sql, params, many, context)
        return execute(prepared(connection, sql, len(params)), params, many, context)

    with connection.execute_wrapper(by_name):
        yield


def _prepares(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor == "postgresql" and settings.DATABASE_PREPARED_READS


def prepared(connection: BaseDatabaseWrapper, sql: str, count: int) -> str:
    """`EXECUTE name(%s, …)` for `sql` (taking `count` parameters, each `%s`), prepared first
    on this database session if it is not yet; `sql` itself where statements are not prepared
    (SQLite, or settings.DATABASE_PREPARED_READS off: PgBouncer in transaction mode runs each
    transaction on any server session). The PREPARE is the session's setup, as Django's own
    (time zone, role): sent on the driver's connection, not among the queries."""
    if not _prepares(connection):
        return sql
    name = _names.get(sql)
    if name is None:
        name = _names[sql] = f"prebuilt_{blake2b(sql.encode(), digest_size=8).hexdigest()}"
    connection.ensure_connection()
    driver = connection.connection
    done = _prepared_on.setdefault(driver, set())
    if name not in done:
        numbered = sql % tuple(f"${index}" for index in range(1, count + 1))
        driver.execute(f"PREPARE {name} AS {numbered}")  # kept by a ROLLBACK too
        done.add(name)
    return f"EXECUTE {name}({', '.join(['%s'] * count)})"


def rows_where[M: Model](
    model: type[M], where: str, *params: Any, fields: Sequence[str] | None = None
) -> list[M]:
    """The rows of `model` matching `where`, as instances (only `fields` loaded when given,
    the others deferred as `.only()` would). `where` names fields as `{field}` and takes
    each parameter as `%s`; a parameter that is a list or tuple fills an `IN (%s)` with one
    placeholder per value (an empty one matches nothing, and sends nothing)."""
    if any(isinstance(p, list | tuple) and not p for p in params):
        return []
    select = _select(model, fields)
    return select.instances(*_statement(select, where, params))


def values_where(
    model: type[Model], where: str, *params: Any, fields: Sequence[str]
) -> list[tuple[Any, ...]]:
    """As `rows_where`, each row a tuple of `fields`' values in the order given (no instance:
    for reads of many rows that only compute with their values)."""
    if any(isinstance(p, list | tuple) and not p for p in params):
        return []
    select = _select(model, fields)
    return select.values(*_statement(select, where, params))


def _statement(select: _Select, where: str, params: Sequence[Any]) -> tuple[str, list[Any]]:
    parts = select.wheres.get(where)
    if parts is None:
        written = _FIELD.sub(lambda m: select.column(m.group(1)), where)
        parts = select.wheres[where] = written.split("%s")
    if len(parts) != len(params) + 1:
        raise ValueError(f"{where!r} takes {len(parts) - 1} parameters, not {len(params)}")
    sql: list[str] = [select.sql, " WHERE ", parts[0]]
    values: list[Any] = []
    for param, part in zip(params, parts[1:], strict=True):
        if isinstance(param, list | tuple):
            sql.append(", ".join(["%s"] * len(param)))
            values.extend(param)
        else:
            sql.append("%s")
            values.append(param)
        sql.append(part)
    return "".join(sql), values
