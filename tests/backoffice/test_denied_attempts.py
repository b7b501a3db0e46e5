"""Issue 15: a refused POST (403, 404 across stores, 409, 422) is logged with user, IP, path
and reason in one structured line."""

import logging

import pytest
from django.urls import reverse

from tests.backoffice.roles_helpers import role_user
from tests.factories import StoreFactory
from tests.orders.view_helpers import staff_user
from tests.payments.money_helpers import authorized_payment, key, staff

pytestmark = pytest.mark.django_db


def denied(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "backoffice.denied"]


def test_a_post_without_the_permission_is_logged_with_who_where_and_why(client, caplog):
    payment = authorized_payment(6100)
    pa = payment.transactions.get()
    viewer = staff_user("view_orders", username="viewer")
    client.force_login(viewer)

    with caplog.at_level(logging.WARNING, logger="backoffice.denied"):
        response = client.post(
            reverse("payments:transaction_capture", args=[pa.uuid]),
            {"amount": "1.00", "idempotency_key": key()},
            REMOTE_ADDR="203.0.113.7",
        )

    assert response.status_code == 403
    [record] = denied(caplog)
    assert (record.status, record.method, record.user, record.ip) == (
        403,
        "POST",
        "viewer",
        "203.0.113.7",
    )
    assert record.path == f"/transactions/{pa.uuid}/capture/"
    assert record.reason  # the permission that is missing, or the status phrase


def test_another_stores_order_is_a_logged_404(client, caplog):
    payment = authorized_payment(6100)
    other = role_user("finance", store=StoreFactory(code="eu", currency="EUR"), username="fin_eu")
    client.force_login(other)

    with caplog.at_level(logging.WARNING, logger="backoffice.denied"):
        response = client.post(
            reverse("orders:void", args=[payment.order.number]), {"version": "1"}
        )

    assert response.status_code == 404
    [record] = denied(caplog)
    assert (record.status, record.user) == (404, other.username)


def test_an_operation_no_longer_available_is_logged_with_its_reason(client, caplog):
    payment = authorized_payment(6100)
    order = payment.order
    order.refresh_from_db()
    client.force_login(staff("finance"))
    url = reverse("orders:void", args=[order.number])
    data = {"version": str(order.version), "idempotency_key": key()}
    assert client.post(url, data).status_code in {200, 302}
    order.refresh_from_db()

    with caplog.at_level(logging.WARNING, logger="backoffice.denied"):
        response = client.post(url, {"version": str(order.version), "idempotency_key": key()})

    assert response.status_code == 409
    [record] = denied(caplog)
    assert record.reason == "Void is not available: there is no open authorization to void."


def test_a_strangers_read_is_not_recorded_but_a_signed_in_probe_is(client, caplog):
    with caplog.at_level(logging.WARNING, logger="backoffice.denied"):
        client.get("/orders/999999999/")
    assert denied(caplog) == []

    client.force_login(staff_user("view_orders", username="viewer"))
    with caplog.at_level(logging.WARNING, logger="backoffice.denied"):
        client.get("/orders/999999999/")
    [record] = denied(caplog)
    assert (record.status, record.method, record.user) == (404, "GET", "viewer")
