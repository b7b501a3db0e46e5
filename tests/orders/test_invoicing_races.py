"""Two staff members (or a double click) invoicing one order at once (PostgreSQL row locks)."""

import pytest

from orders.enums import CaptureMode
from orders.models import Invoice, OrderItem
from orders.services.invoice_outcome import SpreadOutcome
from orders.services.invoicing import invoice_create
from orders.services.order_documents import StaleOrder
from payments.enums import TransactionType
from payments.models import Payment, Transaction
from tests.concurrency import run_concurrently
from tests.orders.invoice_helpers import finance, fresh, key, xpayments_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_staff_invoicing_the_same_items_at_once_create_one_invoice():
    user, other = finance("ann"), finance("bob")
    order, item, _auths = xpayments_order()
    version = fresh(order).version

    def submit(who):
        return lambda: invoice_create(
            order=fresh(order),
            user=who,
            quantities={item.pk: 2},
            capture_mode=CaptureMode.ONLINE,
            expected_version=version,
            idempotency_key=key(),
        )

    results = run_concurrently([submit(user), submit(other)])

    assert sorted(type(r).__name__ for r in results) == ["SpreadOutcome", "StaleOrder"]
    assert any(isinstance(r, StaleOrder) for r in results)
    assert Invoice.objects.count() == 1
    assert OrderItem.objects.get(pk=item.pk).qty_invoiced == 2
    assert sum(p.amount_captured for p in Payment.objects.filter(order=order)) == 12200


def test_a_double_click_on_submit_invoice_creates_one_invoice_and_captures_once():
    user = finance()
    order, item, _auths = xpayments_order()
    version, form_key = fresh(order).version, key()

    def submit():
        return invoice_create(
            order=fresh(order),
            user=user,
            quantities={item.pk: 1},
            capture_mode=CaptureMode.ONLINE,
            expected_version=version,
            idempotency_key=form_key,
        )

    results = run_concurrently([submit, submit])

    assert all(isinstance(r, SpreadOutcome) for r in results), results
    assert sorted(r.repeated for r in results) == [False, True]
    assert Invoice.objects.count() == 1
    assert Transaction.objects.filter(type=TransactionType.CAPTURE).count() == 2
