"""On PostgreSQL, every sort of the order list and the state and payment-status filters are
read in order from an index, in both directions: no sort step, whatever the number of orders
(sorting by state with the id as tie-breaker sorted the 99% "processing" whole for a page of
20: 0.3-0.5 s at a million orders)."""

import re

import pytest

from orders.filters import DEFAULT_SORT, SORT_FIELDS, sort_order_by
from orders.models import Order
from tests.factories import OrderFactory
from tests.orders.query_plans import plan_without

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def plan(queryset) -> str:
    # Without sequential scans and sorts, only an index that gives the rows in order avoids a
    # (disabled) sort.
    return plan_without(queryset, "enable_seqscan", "enable_sort", "enable_incremental_sort")


@pytest.mark.parametrize("sort", [*SORT_FIELDS, *(f"-{key}" for key in SORT_FIELDS)])
def test_every_sort_reads_an_index_in_order(sort):
    OrderFactory()

    shown = plan(Order.objects.order_by(*sort_order_by(sort))[:21])
    assert "Index Scan" in shown and "Sort" not in shown, shown


@pytest.mark.parametrize(("field", "value"), [("state", "holded"), ("payment_status", "captured")])
def test_a_state_or_payment_status_filter_reads_newest_first_from_an_index(field, value):
    OrderFactory()

    newest_first = Order.objects.filter(**{field: value}).order_by(*sort_order_by(DEFAULT_SORT))
    shown = plan(newest_first[:21])
    assert "Index Scan Backward" in shown and "Sort" not in shown, shown


@pytest.mark.parametrize("sort", ["grand_total", "-grand_total"])
def test_the_total_sort_within_one_store_reads_that_stores_orders_only(sort):
    # The store filter, or a person who may see one store: the (currency, grand_total) index
    # walked the other stores' currencies first (1.0-1.5 s at a million orders).
    order = OrderFactory()

    one_store = Order.objects.filter(store_id__in=[order.store_id]).order_by(*sort_order_by(sort))
    shown = plan(one_store[:21])
    assert "Sort" not in shown and re.search(r"Index Cond: \(store_id = \d+\)", shown), shown
