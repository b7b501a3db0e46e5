"""Totals for list pages that stay cheap at millions of rows.

Exact up to a bound (`GRID_COUNT_BOUND`, default 10,000; for a text search, whose every match
is read and compared, `GRID_SEARCH_COUNT_BOUND`, default 1,000): `COUNT(*)` over the filtered
query cut at `bound + 1` rows. Beyond the bound, PostgreSQL's planner estimate of the same query
(`EXPLAIN (FORMAT JSON)`, not executed), labelled as an estimate; asked first, so a set the
planner expects beyond the bound is never counted (unless the table has no statistics yet).
Other databases say "more than 10,000". A page that shows every matching row, or the last
page, already knows its total: no query. On PostgreSQL a count is also bounded in time
(`GRID_COUNT_TIMEOUT_MS`, default 5): one that takes longer is cancelled and the planner's
estimate shown instead, labelled the same way, and that query is not counted again for a
minute (counting 10,000 orders open to capture took 20 ms at a million, through their
payments).
"""

import json
import time
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

import psycopg
from babel.numbers import format_compact_decimal, format_decimal
from django.conf import settings
from django.db import OperationalError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet

from backoffice.display import display_locale
from backoffice.locales import DEFAULT_LOCALE

DEFAULT_BOUND = 10_000
# Counting 5,000 orders matching a name took 45 ms at 100,000 orders (every match is read and
# its name and e-mail compared: a sequential scan), against ~1 ms for 10,000 of a filter.
DEFAULT_SEARCH_BOUND = 1_000
DEFAULT_TIMEOUT_MS = 5


def count_bound() -> int:
    """`GRID_COUNT_BOUND` (tests lower it to reach the estimate with a few rows)."""
    return int(getattr(settings, "GRID_COUNT_BOUND", DEFAULT_BOUND))


def count_timeout_ms() -> int:
    """`GRID_COUNT_TIMEOUT_MS`: how long a count may take before the estimate is shown."""
    return int(getattr(settings, "GRID_COUNT_TIMEOUT_MS", DEFAULT_TIMEOUT_MS))


def search_count_bound() -> int:
    """`GRID_SEARCH_COUNT_BOUND`: the bound for a list searched by text (names, e-mails)."""
    return int(getattr(settings, "GRID_SEARCH_COUNT_BOUND", DEFAULT_SEARCH_BOUND))


@dataclass(frozen=True)
class RowCount:
    """How many rows match: `value` is exact when `exact`; else at least `bound + 1`, or the
    planner's estimate when `estimated`."""

    value: int
    exact: bool = True
    estimated: bool = False
    bound: int = DEFAULT_BOUND

    def label(self, noun: str = "", singular: str = "") -> str:
        """ "1,234 orders", "1 order", "about 1.2 million orders (estimate)", "more than
        10,000 orders"."""
        locale = display_locale() or DEFAULT_LOCALE
        tail = f" {noun}" if noun else ""
        if self.exact:
            one = f" {singular}" if singular else tail
            return f"{format_decimal(self.value, locale=locale)}{one if self.value == 1 else tail}"
        if self.estimated:
            rough = format_compact_decimal(
                self.value, format_type="long", locale=locale, fraction_digits=1
            )
            return f"about {rough}{tail} (estimate)"
        return f"more than {format_decimal(self.bound, locale=locale)}{tail}"

    def figure(self) -> str:
        """The number alone, short enough for a tile: "1,234", "~1.2M", "10,000+"."""
        locale = display_locale() or DEFAULT_LOCALE
        if self.exact:
            return format_decimal(self.value, locale=locale)
        if self.estimated:
            rough = format_compact_decimal(self.value, locale=locale, fraction_digits=1)
            return f"~{rough}"
        return f"{format_decimal(self.bound, locale=locale)}+"

    def explanation(self) -> str:
        """Why the total is not exact (shown on hover), "" when it is."""
        if self.exact:
            return ""
        if self.estimated and self.value <= self.bound:  # the count gave up (`_count_in_time`)
            return "Counting took too long; this is the database's estimate"
        if not self.estimated:  # "more than": counted to the bound, and no estimate to show
            return f"Counted exactly up to {self.bound}"
        return f"Counted exactly up to {self.bound}; beyond that the database's estimate"

    def __str__(self) -> str:
        return self.label()


def planner_estimate(queryset: QuerySet, *, bound: int) -> int | None:
    """PostgreSQL's estimate of the rows `queryset` returns (the plan's top "Plan Rows"), or
    None: another database, or a table whose statistics can't be trusted yet (never analyzed,
    or smaller than the bound: counting it is cheap anyway)."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    if _table_rows(connection, queryset.model._meta.db_table) < bound:
        return None
    compiled = _compiled.get(queryset)
    if compiled is None:
        compiled = _compiled[queryset] = queryset.order_by().query.sql_with_params()
    sql, params = compiled
    key, now = (connection.alias, sql, repr(params)), time.monotonic()
    seen = _estimates_seen.get(key)
    if seen is not None and now - seen[0] < _TABLE_ROWS_TTL:
        return seen[1]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        (plan,) = cursor.fetchone()
    if isinstance(plan, str | bytes):
        plan = json.loads(plan)
    estimate = int(plan[0]["Plan"]["Plan Rows"])
    if len(_estimates_seen) >= _ESTIMATES_KEPT:
        # Forgotten all at once: one call, safe while other threads read and write the dict
        # (picking the oldest to drop could race with them).
        _estimates_seen.clear()
    _estimates_seen[key] = (now, estimate)
    return estimate


# What the planner said, kept a minute per process: a table's row count (`pg_class.reltuples`,
# -1 never analyzed; it only tells whether a table is big enough to estimate) and the estimate
# of each query asked (at most `_ESTIMATES_KEPT`). Both change only when the table's
# statistics do (ANALYZE, autovacuum), and asking on every list page cost two round trips.
_TABLE_ROWS_TTL = 60.0
_ESTIMATES_KEPT = 256
_table_rows_seen: dict[tuple[str, str], tuple[float, float]] = {}
# Each queryset's statement, kept while the queryset lives: a list page asks the planner about
# its matches twice (how to read the page, then its total), and compiling the filtered
# statement cost 0.5 ms each time.
_compiled: WeakKeyDictionary[QuerySet, tuple[str, tuple[Any, ...]]] = WeakKeyDictionary()
_estimates_seen: dict[tuple[str, str, str], tuple[float, int]] = {}


def _table_rows(connection: BaseDatabaseWrapper, table: str) -> float:
    key, now = (connection.alias, table), time.monotonic()
    seen = _table_rows_seen.get(key)
    if seen is not None and now - seen[0] < _TABLE_ROWS_TTL:
        return seen[1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
    rows = float(row[0]) if row is not None else -1.0
    _table_rows_seen[key] = (now, rows)
    return rows


def forget_planner_answers() -> None:
    """Ask the planner again next time (tests that ANALYZE a table they just filled)."""
    _table_rows_seen.clear()
    _estimates_seen.clear()
    _slow_counts_seen.clear()


# Counts cancelled for taking too long, kept a minute per process like the estimates: the next
# page of the same query shows the estimate at once instead of waiting out the time again.
_slow_counts_seen: dict[tuple[str, str, str, int], float] = {}


def _count_in_time(queryset: QuerySet, *, limit: int, timeout: int) -> int | None:
    """`COUNT(*)` of up to `limit` rows of `queryset`, or None when it takes longer than
    `timeout` ms (PostgreSQL). The time limit is `SET LOCAL` in the one message that
    also counts: PostgreSQL runs both in one implicit transaction, which ends with them. Inside
    a transaction (an atomic block) the count has no time limit: a cancelled statement would
    abort the caller's transaction."""
    limited = queryset.order_by()[:limit]
    connection = connections[queryset.db]
    if connection.vendor != "postgresql" or connection.in_atomic_block or timeout <= 0:
        return limited.count()
    sql, params = limited.values_list("pk").query.sql_with_params()
    key, now = (connection.alias, sql, repr(params), timeout), time.monotonic()
    seen = _slow_counts_seen.get(key)
    if seen is not None and now - seen < _TABLE_ROWS_TTL:
        return None
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SET LOCAL statement_timeout = {timeout}; SELECT COUNT(*) FROM ({sql}) counted",
                params,
            )
            cursor.nextset()  # past the SET's result
            (found,) = cursor.fetchone()
    except OperationalError as error:
        if not isinstance(error.__cause__, psycopg.errors.QueryCanceled):
            raise
        if len(_slow_counts_seen) >= _ESTIMATES_KEPT:
            _slow_counts_seen.clear()  # as `_estimates_seen`: a bound on memory
        _slow_counts_seen[key] = now
        return None
    return int(found)


def count_rows(
    queryset: QuerySet,
    *,
    bound: int | None = None,
    at_least: int = 0,
    timeout_ms: int | None = None,
) -> RowCount:
    """Exact up to `bound` (default `count_bound()`), estimated beyond (PostgreSQL), else
    "more than `bound`". On PostgreSQL the plan is asked first: a set it expects beyond the
    bound is not counted at all (counting 10,000 rows of a name search cost more than its
    page); `at_least`: the rows already known to exist (the page shown); `timeout_ms`: how
    long the count may take (default `count_timeout_ms()`, a grid's)."""
    bound = count_bound() if bound is None else bound
    timeout = count_timeout_ms() if timeout_ms is None else timeout_ms
    estimate = planner_estimate(queryset, bound=bound)
    if estimate is not None and estimate > bound:
        return RowCount(max(estimate, at_least), exact=False, estimated=True, bound=bound)
    if estimate is None:  # no statistics to fall back on: counted, however long it takes
        found = queryset.order_by()[: bound + 1].count()
    elif (counted := _count_in_time(queryset, limit=bound + 1, timeout=timeout)) is not None:
        found = counted
    else:  # longer than the time a total may take
        return RowCount(max(estimate, at_least), exact=False, estimated=True, bound=bound)
    if found <= bound:
        return RowCount(found, bound=bound)
    # More than the bound, where the planner expected fewer: its estimate is known low.
    return RowCount(bound + 1, exact=False, bound=bound)


def count_page_rows(
    queryset: QuerySet, *, shown: int, first_page: bool, complete: bool, bound: int | None = None
) -> RowCount:
    """The total for a list page: free when the first page shows every row (`complete`)."""
    if first_page and complete:
        return RowCount(shown, bound=count_bound() if bound is None else bound)
    return count_rows(queryset, bound=bound, at_least=shown + 1)
