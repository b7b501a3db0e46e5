"""CSV export of the filtered transaction list."""

import csv
import io

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from payments.enums import TransactionType
from tests.factories import StoreFactory
from tests.orders.view_helpers import staff_user
from tests.payments.transaction_pages_helpers import authorized_payment, make_txn

pytestmark = pytest.mark.django_db
EXPORT = reverse("payments:transaction_export")


def read_csv(response) -> list[dict[str, str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_export_needs_the_export_permission(client):
    authorized_payment()
    client.force_login(staff_user("view_orders"))
    response = client.get(EXPORT)
    assert response.status_code == 403


def test_list_offers_export_only_to_those_who_may(client):
    authorized_payment()
    client.force_login(staff_user("view_orders"))
    assert "Export CSV" not in client.get(reverse("payments:transaction_list")).content.decode()
    client.force_login(staff_user("view_orders", "export_data"))
    assert "Export CSV" in client.get(reverse("payments:transaction_list")).content.decode()


def test_export_streams_the_filtered_rows_with_major_unit_amounts(client):
    client.force_login(staff_user("view_orders", "export_data"))
    pa = authorized_payment(amount=6100)
    capture = make_txn(
        parent=pa, type=TransactionType.CAPTURE, amount=2550, merchant_reference="CAP-1"
    )
    yen = authorized_payment(amount=500, store=StoreFactory(code="jp", currency="JPY"))

    response = client.get(EXPORT, {"type": "CP"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="transactions-')
    rows = read_csv(response)
    assert [r["UUID"] for r in rows] == [str(capture.uuid)]
    row = rows[0]
    assert row["Amount"] == "25.50"
    assert row["Currency"] == "USD"
    assert row["Type"] == "Capture"
    assert row["Cash flow"] == "in"
    assert row["Transaction ID"] == "CAP-1"
    assert row["Parent UUID"] == str(pa.uuid)
    assert row["Order"] == pa.order.number

    everything = read_csv(client.get(EXPORT))
    assert {r["UUID"] for r in everything} == {str(pa.uuid), str(capture.uuid), str(yen.uuid)}
    assert next(r for r in everything if r["UUID"] == str(yen.uuid))["Amount"] == "500"


def test_export_is_limited_to_stores_with_the_export_permission(client):
    us, eu = StoreFactory(code="us"), StoreFactory(code="eu", currency="EUR")
    authorized_payment(store=us)
    euro = authorized_payment(store=eu)
    user = staff_user("view_orders")
    from guardian.shortcuts import assign_perm

    assign_perm("backoffice.export_data", user, eu)
    client.force_login(type(user).objects.get(pk=user.pk))

    assert [r["UUID"] for r in read_csv(client.get(EXPORT))] == [str(euro.uuid)]


def test_typed_fields_cannot_become_spreadsheet_formulas(client):
    client.force_login(staff_user("view_orders", "export_data"))
    pa = authorized_payment()
    make_txn(parent=pa, type="CP", amount=100, merchant_reference="=HYPERLINK(1)")
    rows = read_csv(client.get(EXPORT, {"type": "CP"}))
    assert rows[0]["Transaction ID"] == "'=HYPERLINK(1)"
