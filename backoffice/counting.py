"""Totals for list pages that stay cheap at millions of rows.

Exact up to a bound (`GRID_COUNT_BOUND`, default 10,000): `COUNT(*)` over the filtered query
cut at `bound + 1` rows. Beyond the bound, PostgreSQL's planner estimate of the same query
(`EXPLAIN (FORMAT JSON)`, not executed), labelled as an estimate; asked first, so a set the
planner expects beyond the bound is never counted (unless the table has no statistics yet).
Other databases say "more than 10,000". A page that shows every matching row, or the last
page, already knows its total: no query.
"""

import json
from dataclasses import dataclass

from babel.numbers import format_compact_decimal, format_decimal
from django.conf import settings
from django.db import connections
from django.db.models import QuerySet

from backoffice.display import display_locale
from backoffice.locales import DEFAULT_LOCALE

DEFAULT_BOUND = 10_000


def count_bound() -> int:
    """`GRID_COUNT_BOUND` (tests lower it to reach the estimate with a few rows)."""
    return int(getattr(settings, "GRID_COUNT_BOUND", DEFAULT_BOUND))


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

    def __str__(self) -> str:
        return self.label()


def planner_estimate(queryset: QuerySet, *, bound: int) -> int | None:
    """PostgreSQL's estimate of the rows `queryset` returns (the plan's top "Plan Rows"), or
    None: another database, or a table whose statistics can't be trusted yet (never analyzed,
    or smaller than the bound: counting it is cheap anyway)."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
            [queryset.model._meta.db_table],
        )
        row = cursor.fetchone()
        if row is None or row[0] < bound:
            return None
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        (plan,) = cursor.fetchone()
    if isinstance(plan, str | bytes):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def count_rows(queryset: QuerySet, *, bound: int | None = None, at_least: int = 0) -> RowCount:
    """Exact up to `bound` (default `count_bound()`), estimated beyond (PostgreSQL), else
    "more than `bound`". On PostgreSQL the plan is asked first: a set it expects beyond the
    bound is not counted at all (counting 10,000 rows of a name search cost more than its
    page); `at_least`: the rows already known to exist (the page shown)."""
    bound = count_bound() if bound is None else bound
    estimate = planner_estimate(queryset, bound=bound)
    if estimate is not None and estimate > bound:
        return RowCount(max(estimate, at_least), exact=False, estimated=True, bound=bound)
    found = queryset.order_by()[: bound + 1].count()
    if found <= bound:
        return RowCount(found, bound=bound)
    if estimate is None:
        return RowCount(bound + 1, exact=False, bound=bound)
    return RowCount(max(estimate, bound + 1), exact=False, estimated=True, bound=bound)


def count_page_rows(
    queryset: QuerySet, *, shown: int, first_page: bool, complete: bool, bound: int | None = None
) -> RowCount:
    """The total for a list page: free when the first page shows every row (`complete`)."""
    if first_page and complete:
        return RowCount(shown, bound=count_bound() if bound is None else bound)
    return count_rows(queryset, bound=bound, at_least=shown + 1)
