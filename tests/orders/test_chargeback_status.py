"""A chargeback on any payment of an order shows at order level while it stands, and the order
list's payment-status filter finds it."""

import re

import pytest

from orders.models import Order
from payments.enums import PaymentStatus
from payments.services import chargeback_reverse, payment_chargeback, payment_refund
from tests.factories import OrderFactory, StoreFactory
from tests.payments.money_helpers import captured_payment, key, refreshed, sandbox_account, staff

pytestmark = pytest.mark.django_db


def listed(client, status: str) -> list[str]:
    response = client.get("/orders/", {"payment_status": status})
    return re.findall(r'class="link-strong" href="/orders/[^/]+/">#(\w+)</a>', response.text)


def status_of(order: Order) -> str:
    order.refresh_from_db(fields=["payment_status"])
    return order.payment_status


def test_a_chargeback_on_one_payment_is_not_hidden_behind_partially_refunded(client, viewer):
    store = StoreFactory(code="us", currency="USD")
    order = OrderFactory(store=store, subtotal=12200, shipping_amount=0)
    account = sandbox_account(store)
    first = captured_payment(6100, order=order, account=account)
    second = captured_payment(6100, order=order, account=account)
    other = OrderFactory(store=store, subtotal=5000, shipping_amount=0)
    captured_payment(5000, order=other, account=account)
    user = staff()
    payment_refund(payment=first, amount=1000, online=True, actor=user, idempotency_key=key())
    assert status_of(order) == PaymentStatus.PARTIALLY_REFUNDED

    chargeback = payment_chargeback(
        payment=refreshed(second), amount=3000, actor=user, idempotency_key=key()
    ).transaction

    assert status_of(order) == PaymentStatus.PARTIALLY_CHARGED_BACK
    assert listed(client, "partially_charged_back") == [order.number]
    assert listed(client, "partially_refunded") == []
    assert "Partially charged back" in client.get(f"/orders/{order.number}/").text

    rest = payment_chargeback(
        payment=refreshed(second), amount=3100, actor=user, idempotency_key=key()
    ).transaction
    payment_chargeback(payment=refreshed(first), amount=5100, actor=user, idempotency_key=key())

    assert status_of(order) == PaymentStatus.CHARGED_BACK  # all it kept is charged back
    assert listed(client, "charged_back") == [order.number]

    for row in (chargeback, rest):
        chargeback_reverse(chargeback=row, amount=row.amount, actor=user, idempotency_key=key())
    assert status_of(order) == PaymentStatus.PARTIALLY_CHARGED_BACK  # the first's still stands
    assert status_of(other) == PaymentStatus.CAPTURED
