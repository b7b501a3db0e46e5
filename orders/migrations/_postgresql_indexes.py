"""Expression indexes that only PostgreSQL has (trigram GIN, pattern-ops B-tree), created and
dropped by a migration's RunPython; on SQLite the operation does nothing. Not a migration
itself (its name starts with "_")."""

from collections.abc import Callable, Iterable

from django.db import migrations

Statements = Callable[[str], list[tuple[str, list[str] | None]]]


def _on_postgresql(names: Iterable[str], statements: Statements, *, first: str = "") -> Callable:
    """A RunPython function: `first` (when given), then each name's `statements`, on
    PostgreSQL only."""

    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        if first:
            schema_editor.execute(first)
        for name in names:
            for sql, params in statements(name):
                schema_editor.execute(sql, params)

    return run


def postgresql_indexes(
    table: str, indexes: dict[str, str], *, method: str = "btree", extension: str = ""
) -> migrations.RunPython:
    """`CREATE INDEX IF NOT EXISTS <name> ON <table> USING <method> <expression>` for each
    name and expression of `indexes` (after `CREATE EXTENSION IF NOT EXISTS <extension>`)."""

    def create(name: str) -> list[tuple[str, list[str] | None]]:
        return [
            (
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING {method} {indexes[name]}',
                None,
            )
        ]

    def drop(name: str) -> list[tuple[str, list[str] | None]]:
        return [(f'DROP INDEX IF EXISTS "{name}"', None)]

    first = f"CREATE EXTENSION IF NOT EXISTS {extension}" if extension else ""
    return migrations.RunPython(
        _on_postgresql(indexes, create, first=first), _on_postgresql(indexes, drop)
    )


def postgresql_gin_pending_list_limit(
    indexes: tuple[str, ...], *, kilobytes: int
) -> migrations.RunPython:
    """`ALTER INDEX <name> SET (gin_pending_list_limit = <kilobytes>)` for each GIN index of
    `indexes`, then `gin_clean_pending_list` to merge what its list already holds; back:
    `RESET`."""

    def limit(name: str) -> list[tuple[str, list[str] | None]]:
        return [
            (f'ALTER INDEX "{name}" SET (gin_pending_list_limit = {int(kilobytes)})', None),
            ("SELECT gin_clean_pending_list(%s::regclass)", [name]),
        ]

    def reset(name: str) -> list[tuple[str, list[str] | None]]:
        return [(f'ALTER INDEX "{name}" RESET (gin_pending_list_limit)', None)]

    return migrations.RunPython(_on_postgresql(indexes, limit), _on_postgresql(indexes, reset))
