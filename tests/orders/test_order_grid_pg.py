"""The grids' totals beyond the bound on PostgreSQL: the planner's estimate, labelled."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.counting import count_rows, planner_estimate
from orders.models import Order
from tests.factories import OrderFactory, StoreFactory
from tests.payments.transaction_pages_helpers import authorized_payment

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def count_label(response) -> str:
    return re.search(r'data-testid="grid-count"[^>]*>([^<]+)<', response.text).group(1)


def analyze(*tables: str) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


def forty_orders_beyond_a_bound_of_ten(settings) -> None:
    store = StoreFactory()
    for _ in range(40):
        OrderFactory(store=store)
    analyze("orders_order")
    settings.GRID_COUNT_BOUND = 10


def test_beyond_the_bound_the_planners_estimate_is_shown_as_one(client, viewer, settings):
    forty_orders_beyond_a_bound_of_ten(settings)

    response = client.get("/orders/", {"per_page": 20})
    label = count_label(response)
    assert label.startswith("about ") and label.endswith(" orders (estimate)"), label
    assert 'title="Counted exactly up to 10' in response.text

    total = count_rows(Order.objects.all(), bound=10)
    assert total.estimated and not total.exact and total.value > 10
    assert total.explanation() == "Counted exactly up to 10; beyond that the database's estimate"
    # Under the bound: exact, whatever the estimate.
    assert count_rows(Order.objects.all(), bound=100).value == 40


def test_a_count_beyond_the_bound_is_shown_for_an_estimate_known_low(settings):
    store = StoreFactory()
    for _ in range(100):
        OrderFactory(store=store, state="processing", customer_name="Bob Roe")
    for _ in range(15):
        OrderFactory(store=store, state="holded", customer_name="Ann Lee")
    analyze("orders_order")
    matching = Order.objects.filter(state="holded", customer_name="Ann Lee")
    # The columns go together; the planner multiplies their shares and expects ~2 orders.
    assert planner_estimate(matching, bound=5) <= 5

    total = count_rows(matching, bound=5)

    # Counted past the bound: the guess is known low and not shown ("about 2" where 15 match).
    assert (total.exact, total.estimated, total.value) == (False, False, 6)
    assert total.label("orders") == "more than 5 orders"
    assert total.explanation() == "Counted exactly up to 5"


def test_transaction_grid_estimate(client, viewer, settings):
    store = StoreFactory()
    for _ in range(22):  # more than a page of 20
        authorized_payment(store=store)
    analyze("payments_transaction")
    settings.GRID_COUNT_BOUND = 5
    label = count_label(client.get("/transactions/", {"per_page": 20}))
    assert label.endswith("transactions (estimate)"), label


def test_the_planners_answers_are_kept_a_minute(client, viewer, settings):
    forty_orders_beyond_a_bound_of_ten(settings)

    def planner_queries() -> tuple[list[str], str]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/orders/", {"per_page": 20})
        asked = [q["sql"] for q in queries.captured_queries]
        return [sql for sql in asked if "EXPLAIN" in sql or "reltuples" in sql], count_label(
            response
        )

    first, label = planner_queries()
    assert len(first) == 2 and label.endswith("orders (estimate)")
    again, label_again = planner_queries()
    assert again == [] and label_again == label


def test_the_open_to_capture_filter_is_the_same_statement_from_one_view_to_the_next(
    client, viewer, settings
):
    # Its "now" is the database's: with the time as a parameter, each view was a new statement
    # to estimate, and a count that took too long was tried (and waited out) again each time.
    store = StoreFactory()
    for _ in range(40):
        authorized_payment(store=store)
    analyze("orders_order", "payments_payment")
    settings.GRID_COUNT_BOUND = 10

    def view() -> tuple[list[str], str]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/orders/", {"capture": "open", "per_page": 20})
        asked = [q["sql"] for q in queries.captured_queries if "orders_order" in q["sql"]]
        return asked, count_label(response)

    first, label = view()
    assert any("EXPLAIN" in sql for sql in first) and label.endswith("(estimate)"), label
    again, label_again = view()
    assert not any("EXPLAIN" in sql for sql in again) and label_again == label
    assert set(again) <= set(first)
