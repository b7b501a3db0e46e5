"""A faster end for the suite's `transaction=True` tests on PostgreSQL.

Django ends such a test with `flush`: one `TRUNCATE` of every table, then `post_migrate` writes
the content types and permissions again. On PostgreSQL a `TRUNCATE` gives each table, its
indexes and its TOAST table new files, whether it held a row or not: about half a second a
test here, ~50 s of the PostgreSQL run for ~100 such tests. Here only the tables holding rows
are emptied, by `DELETE` (the foreign keys are deferred, so the order does not matter), and the
three append-only tables, whose triggers refuse a `DELETE`, by `TRUNCATE … CASCADE` as before.
The content types and permissions stay when the test left them as they were, which is what
`post_migrate` would have written again; otherwise the test ends with Django's own flush.
"""

from collections.abc import Callable
from typing import Any

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

# Written once by migrations, rewritten by post_migrate after a flush: kept when unchanged.
KEPT_TABLES = ("django_content_type", "auth_permission")


def tables_refusing_delete(connection: BaseDatabaseWrapper) -> set[str]:
    """Tables with a trigger of our own on DELETE (the append-only ledger, comments, audit)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger"
            " WHERE NOT tgisinternal AND tgtype & 8 = 8"  # TRIGGER_TYPE_DELETE
        )
        return {name.strip('"') for (name,) in cursor.fetchall()}


def row_counts_of_kept_tables(connection: BaseDatabaseWrapper) -> tuple[int, ...]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in KEPT_TABLES))
        return tuple(cursor.fetchone())


def tables_with_rows(connection: BaseDatabaseWrapper, tables: list[str]) -> list[str]:
    """Which of `tables` hold a row: one statement, one index or heap page read each."""
    qn = connection.ops.quote_name
    probe = " UNION ALL ".join(
        f"SELECT {i} WHERE EXISTS (SELECT 1 FROM {qn(t)})" for i, t in enumerate(tables)
    )
    with connection.cursor() as cursor:
        cursor.execute(probe)
        return [tables[i] for (i,) in cursor.fetchall()]


def emptied_tables(connection: BaseDatabaseWrapper) -> list[str]:
    """The tables `flush` empties and this keeps empty: every Django table but the kept ones."""
    names = connection.introspection.django_table_names(only_existing=True, include_views=False)
    return [t for t in names if t not in KEPT_TABLES]


def empty_tables(
    connection: BaseDatabaseWrapper, *, tables: list[str], refusing_delete: set[str]
) -> None:
    """`tables` (`emptied_tables`) left empty, as `flush` leaves them."""
    filled = tables_with_rows(connection, tables)
    qn = connection.ops.quote_name
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for table in filled:
            if table not in refusing_delete:
                cursor.execute(f"DELETE FROM {qn(table)}")
        if truncated := [t for t in filled if t in refusing_delete]:
            cursor.execute(f"TRUNCATE {', '.join(qn(t) for t in truncated)} CASCADE")


def faster_fixture_teardown(original: Callable[[Any], None]) -> Callable[[Any], None]:
    """`TransactionTestCase._fixture_teardown` emptying only what a test filled, on PostgreSQL
    and for the whole-database case (no `available_apps`, no serialized rollback). Call it
    once the test databases exist: what the kept tables hold then is what a test must leave."""
    # Per database, read once: the kept tables' row counts, the tables to empty, the
    # append-only ones among them.
    baseline = {
        alias: (row_counts_of_kept_tables(c), emptied_tables(c), tables_refusing_delete(c))
        for alias, c in ((a, connections[a]) for a in connections)
        if c.vendor == "postgresql"
    }

    def teardown(self: Any) -> None:
        aliases = self._databases_names(include_mirrors=False)
        plain = self.available_apps is None and not self.serialized_rollback
        if not plain or any(a not in baseline for a in aliases):
            return original(self)
        if any(row_counts_of_kept_tables(connections[a]) != baseline[a][0] for a in aliases):
            return original(self)  # content types or permissions changed: flush them too
        for alias in aliases:
            _counts, tables, refusing = baseline[alias]
            empty_tables(connections[alias], tables=tables, refusing_delete=refusing)
        return None

    return teardown
