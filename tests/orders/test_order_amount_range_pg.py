"""On PostgreSQL, a Grand Total range with few matches is read from the amount index and
sorted, not found by walking the newest orders: the planner estimates a range from every
currency's amounts at once (¥ amounts are a hundred times €'s), expects many matches, and
walked most of a million orders for "over €780" (1 s; bench/README.md)."""

import re

import pytest

from orders.filters import SORT_FIELDS, amount_range_q, sort_order_by
from orders.models import Order
from tests.factories import OrderFactory
from tests.orders.query_plans import plan_without

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def plan(queryset) -> str:
    # As the planner sees a range it expects many matches for: a sort is dearer than walking
    # an index already in the page's order, when one is.
    return plan_without(queryset, "enable_seqscan", "enable_bitmapscan", "enable_sort")


@pytest.mark.parametrize("sort", [*SORT_FIELDS, *(f"-{key}" for key in SORT_FIELDS)])
def test_few_matches_are_read_by_the_amount_index_whatever_the_sort(sort):
    OrderFactory(currency="EUR", subtotal=78_000)
    over = Order.objects.filter(amount_range_q([("EUR", 70_000)], "gte"))

    walked = plan(over.order_by(*sort_order_by(sort))[:21])
    read_first = plan(over.order_by(*sort_order_by(sort, matches_read_first=True))[:21])

    assert by_amount(read_first) and "Sort" in read_first, read_first
    if not sort.endswith("grand_total"):  # an amount index is that sort's own
        assert not by_amount(walked), walked


def by_amount(plan: str) -> bool:
    """The rows are found by an amount index: (currency, grand_total, id), or the same within
    a store's (orders 0020), which a table of a few rows makes as cheap."""
    return re.search(r"Index Cond: \(.*grand_total >= ", plan) is not None
