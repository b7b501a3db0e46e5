"""Reads whose statement is written once per model and shape, then reused: the hot reads of
every request (the session, the user, the second-factor device: `row_by_pk`), of the list
pages (`rows_where`: the stores, the payments behind the figures, the saved views) and of
the order page (its items, payments with their gateway accounts, ledger rows).

Building and compiling a queryset costs more than running its statement: ~0.4 ms of
`User.objects.get(pk=…)`'s 0.6 ms, ~0.9 ms of the order list's 1.2 ms payments read here.
Measured in bench/README.md (issue 21). Everything the ORM does with a row is still done:
the backend's and the fields' converters (SQLite's dates, JSON), and `Model.from_db`, so
`pre_init`/`post_init`, `_state` and deferred fields are as usual. Only for models whose
default manager does not filter rows, and for statements with no user-typed SQL: `where`
is a literal of the caller, the values are parameters.
"""

import re
from collections.abc import Callable, Sequence
from typing import Any, cast

from django.db import connections, router
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

    def instances(self, sql: str, params: Sequence[Any]) -> list[Any]:
        connection = connections[self.alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        found = []
        for row in rows:
            values = list(row)
            for index, converters, column in self.converters:
                for convert in converters:
                    values[index] = convert(values[index], column, connection)
            found.append(self.model.from_db(self.alias, self.attnames, values))
        return found


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
    return select.instances("".join(sql), values)
