"""POST /api/v1/orders/ and GET one order: every status code of the contract (issue 17)."""

import pytest

from api.models import ApiToken
from backoffice.audit.events import API_REQUEST
from backoffice.audit.models import AuditEvent
from orders.models import Order
from payments.models import Transaction
from tests.api.helpers import ORDERS, eu_store, get, post_order, store_token
from tests.orders.import_helpers import order_data

pytestmark = pytest.mark.django_db

NUMBER = "100000110"


def audit_rows():
    return list(AuditEvent.objects.filter(type=API_REQUEST).order_by("id"))


def test_a_new_order_is_created_201_with_its_number_and_url(client):
    token = store_token()
    response = post_order(client, token, order_data())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == NUMBER
    assert body["url"] == f"http://testserver/api/v1/orders/{NUMBER}/"
    assert body["back_office_url"] == f"http://testserver/orders/{NUMBER}/"
    assert body["amounts"]["grand_total"] == {"amount": "122.00", "minor": 12200, "currency": "USD"}
    assert body["payment_status"] == "partially_authorized"
    order = Order.objects.get(number=NUMBER)
    assert order.store.code == "us" and order.grand_total == 12200
    assert Transaction.objects.filter(order=order).count() == 1
    [row] = audit_rows()
    assert (row.outcome, row.store_code, row.order_number) == ("success", "us", NUMBER)
    assert row.user_label == "api:storefront us" and row.details["status"] == 201


def test_the_same_order_again_is_200_and_changes_nothing(client):
    token = store_token()
    assert post_order(client, token, order_data()).status_code == 201
    order = Order.objects.get(number=NUMBER)
    before = (order.version, order.updated_at, Transaction.objects.count())
    response = post_order(client, token, order_data())
    assert response.status_code == 200, response.content
    assert response.json()["number"] == NUMBER
    order.refresh_from_db()
    assert (order.version, order.updated_at, Transaction.objects.count()) == before
    assert Order.objects.count() == 1


def test_the_same_number_with_other_content_is_409_naming_what_differs(client):
    token = store_token()
    assert post_order(client, token, order_data()).status_code == 201
    other = order_data(customer={"email": "bob@example.com", "name": "Ann Lee"})
    other["items"][0]["price"] = "55.00"
    other["payments"][0]["amount"] = "60.00"
    response = post_order(client, token, other)
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["number"] == NUMBER
    assert body["differences"] == ["customer.email", "items[0]", "payments[0]"]
    assert Order.objects.get(number=NUMBER).customer_email == "ann@example.com"
    assert audit_rows()[-1].outcome == "failed"


def test_an_invalid_order_is_400_with_errors_per_field_path_and_nothing_written(client):
    token = store_token()
    data = order_data()
    data["items"][0]["price"] = "1e2"
    data["items"].append({"sku": "X", "name": "Extra", "qty": 1, "price": "1.234"})
    data["customer"]["email"] = "not-an-email"
    data["colour"] = "red"
    response = post_order(client, token, data)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert set(errors) == {"", "items[0].price", "items[1].price", "customer.email"}
    assert errors[""] == ["unknown field 'colour'"]
    assert "Use 10.50" in errors["items[0].price"][0]
    assert errors["customer.email"] == ["'not-an-email' is not a valid email address"]
    assert not Order.objects.exists()
    assert audit_rows()[-1].details["errors"] == errors


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ("{not json", ""),
        ("[1, 2]", ""),
        ('{"number": "100"}', "currency"),
    ],
)
def test_malformed_bodies_are_400_never_500(client, body, path):
    token = store_token()
    response = post_order(client, token, body)
    assert response.status_code == 400, response.content
    assert path in response.json()["errors"]


def test_the_api_reads_amounts_as_the_import_does_jpy_has_no_decimals(client):
    token = store_token(code="jp", currency="JPY")
    data = order_data(store="jp", currency="JPY", payments=[], shipping=None)
    data["items"][0].update(price="5600.5", tax="0", discount="0")
    response = post_order(client, token, data)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["items[0].price"]
    data["items"][0]["price"] = "5600"
    response = post_order(client, token, data)
    assert response.status_code == 201, response.content
    assert response.json()["amounts"]["grand_total"] == {
        "amount": "11200",
        "minor": 11200,
        "currency": "JPY",
    }


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nonsense", "Basic dXM6cHc="])
def test_no_or_a_bad_token_is_401_and_audited(client, header):
    store_token()
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.post(ORDERS, order_data(), content_type="application/json", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "detail" in response.json()
    assert not Order.objects.exists()
    [row] = audit_rows()
    assert (row.outcome, row.user_label) == ("denied", "api:(no valid token)")


def test_a_token_that_looks_right_but_was_never_issued_is_401(client):
    token = store_token()
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert post_order(client, forged, order_data()).status_code == 401


def test_a_revoked_token_is_401(client):
    token = store_token()
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    response = post_order(client, token, order_data())
    assert response.status_code == 401
    assert audit_rows()[-1].message == "Revoked API token."
    assert get(client, token, f"{ORDERS}{NUMBER}/").status_code == 401


def test_a_token_of_store_us_posting_for_store_eu_is_403(client):
    token = store_token()
    eu_store()
    data = order_data(store="eu", currency="EUR")
    response = post_order(client, token, data)
    assert response.status_code == 403, response.content
    assert "store us" in response.json()["detail"]
    assert not Order.objects.exists()
    row = audit_rows()[-1]
    assert (row.outcome, row.store_code, row.order_number) == ("denied", "us", NUMBER)


def test_get_one_order_with_payment_status_amounts_and_payments(client):
    token = store_token()
    post_order(client, token, order_data())
    response = get(client, token, f"{ORDERS}{NUMBER}/")
    assert response.status_code == 200
    body = response.json()
    assert body["payment_status"] == "partially_authorized"
    assert body["amounts"]["total_due"]["amount"] == "122.00"
    assert body["amounts"]["total_paid"] == {"amount": "0.00", "minor": 0, "currency": "USD"}
    [payment] = body["payments"]
    assert payment["reference"] == "psp-auth-1"
    assert payment["authorized"] == {"amount": "61.00", "minor": 6100, "currency": "USD"}
    assert [i["sku"] for i in body["items"]] == ["SP1"]
    assert audit_rows()[-1].order_number == NUMBER


def test_get_an_order_of_another_store_is_404(client):
    us_token = store_token()
    post_order(client, us_token, order_data())
    eu_token = store_token(code="eu", currency="EUR")
    assert get(client, eu_token, f"{ORDERS}{NUMBER}/").status_code == 404
    assert get(client, us_token, f"{ORDERS}nope/").status_code == 404
