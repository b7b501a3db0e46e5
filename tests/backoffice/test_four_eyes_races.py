"""Four-eyes under concurrency (PostgreSQL row locks): two managers deciding one request at
the same moment; twenty small refunds at once against the cumulative threshold."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from orders.approvals.services import (
    ApprovalOutcome,
    ApprovalRefused,
    approval_approve,
    approval_reject,
)
from orders.enums import CaptureMode
from orders.models import ApprovalRequest, ApprovalState, Order
from orders.services.approval_requests import transaction_refund_request
from orders.services.invoicing import invoice_capture, invoice_create
from orders.services.order_documents import StaleOrder
from payments.models import Payment, Transaction
from tests.backoffice.roles_helpers import (
    T,
    capture_of,
    captured,
    eu_store,
    key,
    refund_on_transaction_page,
    role_user,
)
from tests.concurrency import run_concurrently
from tests.factories import OrderFactory, OrderItemFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def awaiting_refund(amount: int = 60000) -> ApprovalRequest:
    capture = capture_of(captured(100000, store=eu_store(threshold=50000)))
    return transaction_refund_request(
        transaction=capture,
        user=role_user("finance"),
        online=True,
        amount=amount,
        idempotency_key=key(),
    )


def test_two_managers_approving_at_once_refund_once():
    approval = awaiting_refund()
    managers = [role_user("manager", username=f"manager{i}") for i in range(4)]

    results = run_concurrently(
        [lambda m=m: approval_approve(approval=approval, user=m) for m in managers]
    )

    approved = [r for r in results if isinstance(r, ApprovalOutcome) and r.ok]
    refused = [r for r in results if isinstance(r, ApprovalRefused)]
    assert (len(approved), len(refused)) == (1, 3), results
    assert all("already approved" in r.message for r in refused)
    refund = Transaction.objects.get(type=T.REFUND)
    assert (refund.amount, refund.status) == (60000, "success")


def test_an_approval_racing_a_rejection_does_one_of_them():
    approval = awaiting_refund()
    approver, rejecter = role_user("manager", username="m1"), role_user("manager", username="m2")

    results = run_concurrently(
        [
            lambda: approval_approve(approval=approval, user=approver),
            lambda: approval_reject(approval=approval, user=rejecter, reason="No"),
        ]
    )

    assert sum(isinstance(r, ApprovalRefused) for r in results) == 1, results
    state = ApprovalRequest.objects.get(pk=approval.pk).state
    refunds = Transaction.objects.filter(type=T.REFUND).count()
    assert (state, refunds) in {(ApprovalState.APPROVED, 1), (ApprovalState.REJECTED, 0)}


def test_twenty_small_refunds_at_once_send_the_excess_to_approval():
    """One refund split into 20 of €10.00 on a €200.00 capture, all at the same moment, under a
    €50.00 threshold: the cumulative rule, decided under the order lock, lets exactly €50.00
    run; the 15 others wait for approval. The ledger agrees with itself."""
    capture = capture_of(captured(20000, store=eu_store(threshold=5000)))
    asker = role_user("finance")
    clients = []
    for _ in range(20):
        client = Client()
        client.force_login(asker)
        clients.append(client)

    responses = run_concurrently(
        [lambda c=c: refund_on_transaction_page(c, capture, "10.00") for c in clients]
    )

    assert all(getattr(r, "status_code", None) == 200 for r in responses), responses
    refunds = Transaction.objects.filter(order=capture.order, type=T.REFUND)
    assert sorted((r.amount, r.status) for r in refunds) == [(1000, "success")] * 5
    waiting = ApprovalRequest.objects.filter(order=capture.order, state=ApprovalState.AWAITING)
    assert sorted(a.amount for a in waiting) == [1000] * 15
    payment = Payment.objects.get(pk=capture.payment_id)
    assert (payment.amount_refunded, payment.pending_refund) == (5000, 0)
    out = StringIO()
    call_command("verify_ledger", stdout=out)
    assert "0 with drift" in out.getvalue()


def test_captures_offline_of_twenty_invoices_at_once_pass_the_threshold_only_once():
    """Twenty €10.00 invoices of one order captured offline at the same moment under a €50.00
    threshold, each retrying with the fresh version when another moved the order first: the
    rows of each Capture Offline are booked under the lock that decided four-eyes, so exactly
    €50.00 is booked in and the 15 others wait for approval."""

    order = OrderFactory(store=eu_store(threshold=5000), subtotal=20000, shipping_amount=0)
    item = OrderItemFactory(order=order, sku="SP1", qty_ordered=20, unit_price=1000)
    finance = role_user("finance")
    invoices = []
    for _ in range(20):
        outcome = invoice_create(
            order=order,
            user=finance,
            quantities={item.pk: 1},
            capture_mode=CaptureMode.NOT_CAPTURE,
            expected_version=Order.objects.get(pk=order.pk).version,
            idempotency_key=key(),
        )
        invoices.append(outcome.invoice)

    def capture_offline(invoice) -> object:
        request_key = key()
        while True:
            try:
                return invoice_capture(
                    invoice=invoice,
                    user=finance,
                    capture_mode=CaptureMode.OFFLINE,
                    expected_version=Order.objects.get(pk=order.pk).version,
                    idempotency_key=request_key,
                )
            except StaleOrder:
                continue

    results = run_concurrently([lambda i=i: capture_offline(i) for i in invoices])

    assert not [r for r in results if isinstance(r, BaseException)], results
    booked = Transaction.objects.filter(order=order, type=T.MANUAL, status="success")
    assert sorted(t.amount for t in booked) == [1000] * 5
    waiting = ApprovalRequest.objects.filter(order=order, state=ApprovalState.AWAITING)
    assert sorted((a.kind, a.amount) for a in waiting) == [("capture_offline", 1000)] * 15
    out = StringIO()
    call_command("verify_ledger", stdout=out)
    assert "0 with drift" in out.getvalue()
