"""Expression indexes that only PostgreSQL has (trigram GIN, pattern-ops B-tree), created and
dropped by a migration's RunPython; on SQLite the operation does nothing. Not a migration
itself (its name starts with "_")."""

from django.db import migrations


def postgresql_indexes(
    table: str, indexes: dict[str, str], *, method: str = "btree", extension: str = ""
) -> migrations.RunPython:
    """`CREATE INDEX IF NOT EXISTS <name> ON <table> USING <method> <expression>` for each
    name and expression of `indexes` (after `CREATE EXTENSION IF NOT EXISTS <extension>`)."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        if extension:
            schema_editor.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")
        for name, expression in indexes.items():
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING {method} {expression}'
            )

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for name in indexes:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return migrations.RunPython(create, drop)


def postgresql_gin_pending_list_limit(
    indexes: tuple[str, ...], *, kilobytes: int
) -> migrations.RunPython:
    """`ALTER INDEX <name> SET (gin_pending_list_limit = <kilobytes>)` for each GIN index of
    `indexes`, then `gin_clean_pending_list` to merge what its list already holds; back:
    `RESET`."""

    def limit(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for name in indexes:
            schema_editor.execute(
                f'ALTER INDEX "{name}" SET (gin_pending_list_limit = {int(kilobytes)})'
            )
            schema_editor.execute("SELECT gin_clean_pending_list(%s::regclass)", [name])

    def reset(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for name in indexes:
            schema_editor.execute(f'ALTER INDEX "{name}" RESET (gin_pending_list_limit)')

    return migrations.RunPython(limit, reset)
