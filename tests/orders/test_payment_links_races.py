"""[PostgreSQL] Two payments through one link at once: one authorization."""

import pytest

from orders.models import OrderComment, PaymentLink
from orders.services.payment_link_pay import PayOutcome, payment_link_pay_card
from payments.enums import TransactionType
from payments.gateways.base import CardDetails
from payments.models import Transaction
from tests.concurrency import run_concurrently
from tests.orders.payment_link_helpers import make_link, owing_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def pay(link_id: int, number: str):
    def call() -> PayOutcome:
        link = PaymentLink.objects.select_related("order__store").get(pk=link_id)
        return payment_link_pay_card(link=link, card=CardDetails(number, 12, 2039, "123", "A"))

    return call


def test_two_tabs_paying_one_link_at_once_make_one_authorization():
    order = owing_order()
    link = make_link(order)

    results = run_concurrently([pay(link.pk, "4242424242424242"), pay(link.pk, "5555555555554444")])

    outcomes = [r for r in results if isinstance(r, PayOutcome)]
    # Each tab is told it is paid (or that it no longer can be): never two payments.
    assert outcomes, results
    assert all(o.status in {"paid", "processing"} for o in outcomes), results
    rows = Transaction.objects.filter(order=order, type=TransactionType.AUTHORIZATION)
    assert rows.filter(idempotency_key__startswith="payment-link:").count() == 1
    link.refresh_from_db()
    assert link.paid_at is not None
    assert OrderComment.objects.filter(body__contains="through the payment link").count() == 1
