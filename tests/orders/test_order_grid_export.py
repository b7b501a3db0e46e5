"""Export CSV of the order grid: the filtered orders, the person's columns, streamed, and only
from stores where they hold Export."""

import csv
import io

import pytest
from django.http import StreamingHttpResponse
from guardian.shortcuts import assign_perm

from backoffice.audit.models import AuditEvent
from orders.exports import order_csv_lines
from orders.models import Order
from tests.factories import OrderFactory, StoreFactory
from tests.orders.view_helpers import staff_user

pytestmark = pytest.mark.django_db

EXPORT = "/orders/export.csv"


def rows_of(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def stores():
    us = StoreFactory(code="us", currency="USD")
    jp = StoreFactory(code="jp", currency="JPY")
    OrderFactory(
        number="100000001",
        store=us,
        subtotal=12345,
        shipping_amount=0,
        state="holded",
        customer_name="=HYPERLINK(evil)",
        customer_email="ann@example.com",
    )
    OrderFactory(number="100000002", store=us, subtotal=500, shipping_amount=0)
    OrderFactory(number="100000003", store=jp, currency="JPY", subtotal=5000, shipping_amount=0)
    return us, jp


def test_exports_the_filtered_grid_with_the_chosen_columns(client, stores):
    client.force_login(staff_user("view_orders", "export_data", username="fin"))
    response = client.get(EXPORT, {"state": "holded", "cols": ["customer", "grand_total"]})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="orders-')
    rows = rows_of(response)
    # The currency comes with the amounts; the order number always.
    assert rows[0] == ["Order", "Currency", "Customer", "Customer e-mail", "Grand Total"]
    assert rows[1:] == [["100000001", "USD", "'=HYPERLINK(evil)", "ann@example.com", "123.45"]]
    assert AuditEvent.objects.filter(type="export", message="Orders exported (CSV)").exists()


def test_default_columns_and_amounts_in_major_units(client, stores):
    client.force_login(staff_user("view_orders", "export_data", username="fin"))
    rows = rows_of(client.get(EXPORT, {"sort": "number"}))
    assert rows[0] == [
        "Order",
        "Currency",
        "Placed at (UTC)",
        "Store",
        "Customer",
        "Customer e-mail",
        "Grand Total",
        "Total Due",
        "State",
        "Payment status",
    ]
    by_number = {row[0]: row for row in rows[1:]}
    assert [r[0] for r in rows[1:]] == ["100000001", "100000002", "100000003"]
    assert by_number["100000003"][1] == "JPY" and by_number["100000003"][6] == "5000"
    assert by_number["100000002"][6] == "5.00" and by_number["100000002"][7] == "5.00"


def test_only_stores_where_the_user_may_export(client, stores):
    _us, jp = stores
    user = staff_user("view_orders", username="mixed")
    assign_perm("backoffice.export_data", user, jp)
    client.force_login(type(user).objects.get(pk=user.pk))
    numbers = [row[0] for row in rows_of(client.get(EXPORT))[1:]]
    assert numbers == ["100000003"]


def test_no_export_permission_is_a_403_and_no_button(client, viewer, stores):
    assert client.get(EXPORT).status_code == 403
    assert "Export CSV" not in client.get("/orders/?view=").text


def test_the_button_carries_the_grids_filters_and_columns(client, stores):
    client.force_login(staff_user("view_orders", "export_data", username="fin"))
    page = client.get("/orders/", {"state": "holded", "cols": "state", "page": "1"}).text
    assert 'href="/orders/export.csv?state=holded&amp;cols=state"' in page


def test_rows_are_read_in_batches_with_constant_queries(django_assert_max_num_queries, monkeypatch):
    store = StoreFactory()
    for _ in range(12):
        OrderFactory(store=store)
    orders = Order.objects.select_related("store").order_by("number")
    monkeypatch.setattr("orders.exports.BATCH", 5)  # three batches: one figures query each
    with django_assert_max_num_queries(4):
        lines = list(order_csv_lines(orders.iterator(chunk_size=5), columns=[]))
    assert len(lines) == 13
