"""A read PostgreSQL may give up on (backoffice/timed_reads.py): cancelled past its time and
answered None, the connection as good as before, the limit gone with the statement; inside a
transaction no limit (a cancelled statement would abort it)."""

import pytest
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext

from backoffice.counting import forget_planner_answers
from backoffice.timed_reads import rows_in_time
from orders.list_selectors import LISTED_FIELDS, _page_rows
from orders.models import Order
from tests.factories import OrderFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def slow_rows():
    """Each order's number after a fifth of a second of the database's time."""
    return Order.objects.annotate(slept=RawSQL("pg_sleep(0.2)", [])).values_list("number", "slept")


def statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


def test_a_read_longer_than_its_time_is_cancelled_and_the_connection_kept():
    order = OrderFactory()

    assert rows_in_time(slow_rows(), timeout_ms=20) is None
    assert statement_timeout() == "0"
    assert rows_in_time(Order.objects.values_list("number"), timeout_ms=20) == [(order.number,)]
    assert rows_in_time(slow_rows(), timeout_ms=2000) == [(order.number, "")]


def test_inside_a_transaction_a_read_takes_as_long_as_it_takes():
    order = OrderFactory()

    with transaction.atomic():
        assert rows_in_time(slow_rows(), timeout_ms=20) == [(order.number, "")]
        assert Order.objects.count() == 1  # the transaction goes on


def test_an_order_page_whose_walk_runs_out_of_time_reads_the_matches_first(settings):
    """orders.list_selectors: the page is the same rows in the same order either way. Each
    row read costs the database 5 ms here, so the walk (1 ms allowed) is cancelled."""
    settings.GRID_WALK_TIMEOUT_MS, settings.GRID_COUNT_BOUND = 1, 2
    for total in (300, 100, 200, 400, 500):
        OrderFactory(grand_total=total, shipping_amount=0, subtotal=total)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_order")
    forget_planner_answers()
    slow = Order.objects.extra(where=["pg_sleep(0.005) IS NOT NULL"])

    with CaptureQueriesContext(connection) as read:
        rows = _page_rows(slow, "-grand_total", 1, 4, read_first=False, walk_in_time=True)

    totals = [row[LISTED_FIELDS.index("grand_total")] for row in rows]
    assert totals == [400, 300, 200]
    assert "COALESCE" not in read.captured_queries[-2]["sql"]  # the walk, cancelled
    assert "COALESCE" in read.captured_queries[-1]["sql"]  # the matches read first
