"""A grid's total is bounded in time on PostgreSQL (backoffice/counting.py): a count that takes
longer than GRID_COUNT_TIMEOUT_MS is cancelled and the planner's estimate shown, labelled; the
same query is not counted again for a minute; the time limit never outlives the count."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.db.models.sql.query import Query
from django.test.utils import CaptureQueriesContext

from backoffice.counting import count_rows, forget_planner_answers, planner_estimate
from orders.models import Order
from tests.factories import OrderFactory, StoreFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture
def forty_orders():
    """Forty orders, ten of them held: the table is past the bound of 20 used below (so the
    planner is asked), the held ones under it (so they are counted)."""
    store = StoreFactory()
    for index in range(40):
        OrderFactory(store=store, state="holded" if index < 10 else "processing")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_order")
    forget_planner_answers()


def held():
    return Order.objects.filter(state="holded")


def statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


class TableLocked:
    """Another session holds the orders table (ACCESS EXCLUSIVE) until `release`: a count of
    it waits, and its wait counts toward the time limit."""

    def __init__(self) -> None:
        self.held, self.done = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self) -> None:
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute("LOCK TABLE orders_order IN ACCESS EXCLUSIVE MODE")
                self.held.set()
                self.done.wait(10)
                cursor.execute("ROLLBACK")
        finally:
            other.close()

    def __enter__(self) -> "TableLocked":
        self.thread.start()
        assert self.held.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join(10)


def test_a_count_longer_than_its_time_shows_the_estimate_and_is_not_retried(forty_orders, settings):
    settings.GRID_COUNT_TIMEOUT_MS = 50
    estimate = planner_estimate(held(), bound=20)  # asked before the lock (kept a minute)
    assert estimate is not None and estimate <= 20

    with TableLocked():
        total = count_rows(held(), bound=20)
    assert total.estimated and not total.exact and total.value == estimate
    assert total.explanation() == "Counting took too long; this is the database's estimate"
    assert statement_timeout() == "0"  # the limit ended with the count
    assert Order.objects.count() == 40  # and the connection is as good as before

    # The same query within the minute: the estimate at once, no count.
    with CaptureQueriesContext(connection) as queries:
        again = count_rows(held(), bound=20)
    assert again.estimated and again.value == estimate
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"]]
    forget_planner_answers()
    assert count_rows(held(), bound=20).value == 10  # exact again


def test_a_count_in_time_is_exact_and_leaves_no_limit_behind(forty_orders, settings):
    settings.GRID_COUNT_TIMEOUT_MS = 5_000
    with CaptureQueriesContext(connection) as queries:
        total = count_rows(held(), bound=20)
    assert total.exact and total.value == 10
    assert any("statement_timeout" in q["sql"] for q in queries.captured_queries)
    assert statement_timeout() == "0"


def test_within_a_transaction_the_count_has_no_time_limit(forty_orders, settings):
    settings.GRID_COUNT_TIMEOUT_MS = 1
    with transaction.atomic():
        total = count_rows(held(), bound=20)
        assert total.exact and total.value == 10
        assert statement_timeout() == "0"
        Order.objects.update(customer_name="Still usable")  # the transaction was not aborted


def test_a_querysets_statement_is_compiled_once_for_its_estimates(forty_orders, monkeypatch):
    """A list page asks the planner twice about one queryset (how to read the page, then its
    total): its statement is written once (0.5 ms of a filtered order list at a million)."""
    compiled = []
    original = Query.sql_with_params
    monkeypatch.setattr(Query, "sql_with_params", lambda q: compiled.append(1) or original(q))
    queryset = held()

    first, second = planner_estimate(queryset, bound=20), planner_estimate(queryset, bound=20)
    assert first == second and first is not None
    assert len(compiled) == 1
    planner_estimate(held(), bound=20)  # another queryset of the same query: written again
    assert len(compiled) == 2
