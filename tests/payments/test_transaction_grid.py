"""The transaction grid: totals, page sizes, columns and the amount range."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payments.grid import TRANSACTION_GRID
from tests.factories import OrderFactory, PaymentFactory, StoreFactory
from tests.payments.transaction_pages_helpers import authorized_payment, make_txn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("grid_statistics_from_this_test")]
LIST = "/transactions/"


def count_label(response) -> str:
    return re.search(r'data-testid="grid-count"[^>]*>([^<]+)<', response.text).group(1)


def header_labels(response) -> list[str]:
    return re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', response.text)


def many(n: int, store=None) -> None:
    store = store or StoreFactory()
    payment = PaymentFactory(order=OrderFactory(store=store))
    for _ in range(n):
        make_txn(payment=payment, recompute=False)


def test_total_and_page_size(client, viewer, settings):
    many(45)
    response = client.get(LIST, {"per_page": 20})
    assert count_label(response) == "45 transactions"
    assert len(response.context["page"].rows) == 20
    assert '<option value="20" selected>' in response.text
    # The next page link keeps the page size.
    assert "per_page=20&amp;after=" in response.text
    settings.GRID_COUNT_BOUND = 30
    assert count_label(client.get(LIST, {"per_page": 20})) == "more than 30 transactions"


def test_unknown_page_size_is_the_default(client, viewer):
    many(3)
    assert '<option value="50" selected>' in client.get(LIST, {"per_page": "1000"}).text


def test_columns_chosen_and_the_store_column_only_with_several_stores(client, viewer):
    txn = authorized_payment(store=StoreFactory(code="us"))
    assert "Store" not in header_labels(client.get(LIST))
    response = client.get(LIST, {"cols": ["amount", "gateway_reference"]})
    assert header_labels(response) == ["UUID", "Amount", "Gateway reference"]
    assert txn.gateway_reference in response.text
    authorized_payment(store=StoreFactory(code="eu"))
    assert "Store" in header_labels(client.get(LIST))


@pytest.mark.parametrize(
    ("params", "amounts"),
    [
        ({"amount_min": "20"}, [2500, 6100]),
        ({"amount_min": "20", "amount_max": "30.00"}, [2500]),
        ({"amount_max": "10.00"}, [999]),
    ],
)
def test_amount_range(client, viewer, params, amounts):
    store = StoreFactory()
    for amount in (999, 2500, 6100):
        authorized_payment(amount=amount, store=store)
    rows = client.get(LIST, params).context["page"].rows
    assert sorted(t.amount for t in rows) == amounts


def test_bad_amount_is_an_error_next_to_its_field(client, viewer):
    authorized_payment()
    response = client.get(LIST, {"amount_min": "1e5"})
    assert response.status_code == 200
    assert re.search(
        r'has-error">\s*<label for="id_amount_min">.*?Scientific notation is not accepted',
        response.text,
        re.S,
    )


def test_query_count_stays_flat_with_the_total(client, viewer, django_assert_max_num_queries):
    store = StoreFactory()
    many(25, store)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST, {"per_page": 20})
    many(60, store)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST, {"per_page": 20})
    assert count_label(response) == "85 transactions"


def test_a_page_of_fifty_with_every_column_costs_the_queries_of_a_page_of_twenty(client, viewer):
    # Each row's store, order number and references come with the page, whatever it shows.
    stores = [StoreFactory(), StoreFactory()]  # two stores: the store column shows
    many(30, stores[0])
    many(30, stores[1])
    every_column = {"cols": [c.key for c in TRANSACTION_GRID.columns]}
    client.get(LIST, every_column)  # the total's estimate, kept a minute (backoffice.counting)
    with CaptureQueriesContext(connection) as twenty:
        client.get(LIST, {**every_column, "per_page": 20})

    with CaptureQueriesContext(connection) as fifty:
        response = client.get(LIST, {**every_column, "per_page": 50})

    assert len(response.context["page"].rows) == 50
    assert len(fifty.captured_queries) == len(twenty.captured_queries), "\n".join(
        q["sql"] for q in fifty.captured_queries
    )


def test_order_number_as_displayed(client, viewer):
    txn = authorized_payment(number="100000110")
    authorized_payment()
    assert list(client.get(LIST, {"q": "#100000110"}).context["page"].rows) == [txn]
