"""Reads that PostgreSQL may give up on: a statement bounded in time, so the caller can read
the same rows another way when the planner's first choice turns out slow.

The time limit is `SET LOCAL` in the message that also reads (as `backoffice.counting` bounds a
count): PostgreSQL runs both in one implicit transaction, which ends with them. Inside a
transaction (an atomic block) a read has no time limit: a cancelled statement would abort the
caller's transaction.
"""

from typing import Any

import psycopg
from django.conf import settings
from django.db import OperationalError, connections
from django.db.models import QuerySet

# The order list walks its sort's index in a few ms at a million orders when the matches come
# early in that order, and read most of the table (0.4-1.9 s) when they come late.
DEFAULT_WALK_TIMEOUT_MS = 40


def walk_timeout_ms() -> int:
    """`GRID_WALK_TIMEOUT_MS`: how long a grid's page may walk its sort's index before the
    matches are read first and sorted instead."""
    return int(getattr(settings, "GRID_WALK_TIMEOUT_MS", DEFAULT_WALK_TIMEOUT_MS))


def rows_in_time(queryset: QuerySet, *, timeout_ms: int) -> list[Any] | None:
    """The rows of `queryset` (one statement: sliced values, no prefetch), or None when
    PostgreSQL took longer than `timeout_ms` and cancelled it. Elsewhere, inside a transaction
    or with no limit (0), the rows however long they take."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql" or connection.in_atomic_block or timeout_ms <= 0:
        return list(queryset)

    def limited(execute, sql, params, many, context):
        limit = f"SET LOCAL statement_timeout = {int(timeout_ms)}; "
        result = execute(limit + sql, params, many, context)
        context["cursor"].nextset()  # past the SET's result, to the rows
        return result

    try:
        with connection.execute_wrapper(limited):
            return list(queryset)
    except OperationalError as error:
        if not isinstance(error.__cause__, psycopg.errors.QueryCanceled):
            raise
        return None
