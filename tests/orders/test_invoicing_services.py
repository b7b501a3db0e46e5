"""Invoicing through the real services, database and sandbox gateway."""

from datetime import timedelta

import pytest

from orders.capture_modes import CAPTURED_AT_CHECKOUT, capture_modes
from orders.enums import CaptureMode, InvoiceState, OrderState
from orders.models import Invoice, OrderItem
from orders.services.invoice_cancel import invoice_cancel
from orders.services.invoicing import invoice_capture, invoice_create
from orders.services.order_documents import DocumentError, StaleOrder
from payments.enums import PaymentStatus, TransactionStatus, TransactionType
from payments.models import Payment, Transaction
from payments.services import transaction_reconcile
from tests.orders.invoice_helpers import (
    ALL_MONEY,
    authorizations,
    finance,
    fresh,
    key,
    order_with_items,
    sale_order,
    xpayments_order,
)

pytestmark = pytest.mark.django_db
T = TransactionType


def create(order, user, item, qty, mode=CaptureMode.ONLINE, **kwargs):
    order = fresh(order)
    return invoice_create(
        order=order,
        user=user,
        quantities={item.pk: qty},
        capture_mode=mode,
        expected_version=order.version,
        idempotency_key=kwargs.pop("idempotency_key", key()),
        **kwargs,
    )


def captures(invoice) -> list[tuple[str, int, str]]:
    rows = Transaction.objects.filter(invoice=invoice, type=T.CAPTURE).order_by("pk")
    return [(r.payment.gateway_reference, r.amount, r.status) for r in rows]


def test_xpayments_edited_order_captures_both_invoices_online_in_full():
    user = finance()
    order, item, (auth1, auth2) = xpayments_order()

    first = create(order, user, item, 1)

    invoice = first.invoice
    assert (invoice.grand_total, invoice.shipping_amount) == (6600, 1000)
    assert captures(invoice) == [
        (auth1.gateway_reference, 6100, TransactionStatus.SUCCESS),
        (auth2.gateway_reference, 500, TransactionStatus.SUCCESS),
    ]
    assert invoice.state == InvoiceState.PAID and invoice.amount_paid == 6600
    assert first.message() == f"Invoice #{invoice.number}: captured $66.00 online."

    second = create(order, user, item, 1)

    assert (second.invoice.grand_total, second.invoice.shipping_amount) == (5600, 0)
    assert captures(second.invoice) == [(auth2.gateway_reference, 5600, TransactionStatus.SUCCESS)]
    assert second.invoice.state == InvoiceState.PAID
    payments = Payment.objects.filter(order=order)
    assert all(p.capturable == 0 for p in payments)
    assert sum(p.amount_captured for p in payments) == 12200
    order = fresh(order)
    assert order.state == OrderState.COMPLETE
    assert order.payment_status == PaymentStatus.CAPTURED
    assert [i.number for i in order.invoices.all()] == [f"{order.number}-1", f"{order.number}-2"]
    spread = order.comments.filter(invoice=invoice).values_list("body", flat=True)
    assert any("over 2 payments" in body and "Captured $66.00 in full" in body for body in spread)


def test_capture_online_is_disabled_with_the_shortfall_when_authorizations_cannot_cover_it():
    user = finance()
    order, _item = order_with_items()
    authorizations(order, 6100, 5000)

    modes = capture_modes(user=user, order=fresh(order), amount=12200)

    assert not modes[CaptureMode.ONLINE].allowed
    assert modes[CaptureMode.ONLINE].reason == (
        "Capture Online is not available: the open authorizations cover $111.00 of $122.00 "
        "(short by $11.00)."
    )
    assert modes[CaptureMode.OFFLINE].allowed
    assert modes[CaptureMode.NOT_CAPTURE].allowed


def test_a_failure_in_the_middle_of_a_spread_keeps_what_was_captured_and_says_what_happened():
    user = finance()
    # Shipping 10.51 makes the second capture 5.51: the sandbox declines amounts ending in 51.
    order, item, (auth1, auth2) = xpayments_order(shipping=1051)

    outcome = create(order, user, item, 1)

    invoice = Invoice.objects.get(pk=outcome.invoice.pk)
    assert invoice.grand_total == 6651
    assert captures(invoice) == [
        (auth1.gateway_reference, 6100, TransactionStatus.SUCCESS),
        (auth2.gateway_reference, 551, TransactionStatus.FAILED),
    ]
    assert invoice.state == InvoiceState.OPEN
    assert (invoice.amount_paid, invoice.amount_due) == (6100, 551)
    assert outcome.message().startswith(
        f"Invoice #{invoice.number}: captured $61.00 of $66.51 online. The capture of $5.51 "
        f"from authorization {auth2.gateway_reference} failed: the gateway "
        "declined it (Declined by the issuer"
    )
    history = order.comments.filter(invoice=invoice).values_list("body", flat=True)
    summary = next(body for body in history if body.startswith("Capture Online of invoice"))
    assert f"authorization {auth1.gateway_reference}: captured $61.00" in summary
    assert f"authorization {auth2.gateway_reference}: capture of $5.51 failed" in (summary)
    assert "$5.51 is still to be captured and the invoice stays open (partially paid)" in summary

    # The rest is captured later from the invoice page, offline this time.
    order = fresh(order)
    rest = invoice_capture(
        invoice=invoice,
        user=user,
        capture_mode=CaptureMode.OFFLINE,
        expected_version=order.version,
        idempotency_key=key(),
    )
    assert rest.invoice.state == InvoiceState.PAID
    offline = Transaction.objects.get(invoice=invoice, is_online=False)
    assert (offline.type, offline.amount, offline.payment_id) == (T.CAPTURE, 551, auth2.pk)


def test_not_capture_leaves_the_invoice_open_until_capture_from_the_invoice_page():
    user = finance()
    order, item, (auth1, auth2) = xpayments_order()

    outcome = create(order, user, item, 2, mode=CaptureMode.NOT_CAPTURE, comment="Ship first.")

    invoice = outcome.invoice
    assert invoice.state == InvoiceState.OPEN and invoice.amount_paid == 0
    assert not Transaction.objects.filter(invoice=invoice).exists()
    assert OrderItem.objects.get(pk=item.pk).qty_invoiced == 2
    assert invoice.comment == "Ship first."
    assert order.comments.filter(invoice=invoice, body="Ship first.").exists()

    order = fresh(order)
    captured = invoice_capture(
        invoice=invoice,
        user=user,
        capture_mode=CaptureMode.ONLINE,
        expected_version=order.version,
        idempotency_key=key(),
    )

    assert captured.invoice.state == InvoiceState.PAID
    assert captures(invoice) == [
        (auth1.gateway_reference, 6100, TransactionStatus.SUCCESS),
        (auth2.gateway_reference, 6100, TransactionStatus.SUCCESS),
    ]
    assert fresh(order).state == OrderState.COMPLETE


def test_capture_offline_records_an_offline_capture_per_authorization():
    user = finance()
    order, item, (auth1, auth2) = xpayments_order()

    outcome = create(order, user, item, 1, mode=CaptureMode.OFFLINE)

    rows = Transaction.objects.filter(invoice=outcome.invoice).order_by("pk")
    assert [(r.type, r.payment_id, r.amount, r.is_online) for r in rows] == [
        (T.CAPTURE, auth1.pk, 6100, False),
        (T.CAPTURE, auth2.pk, 500, False),
    ]
    assert outcome.invoice.state == InvoiceState.PAID


def test_capture_offline_without_an_authorization_records_a_manual_payment():
    user = finance()
    order, item = order_with_items()

    outcome = create(order, user, item, 2, mode=CaptureMode.OFFLINE)

    manual = Transaction.objects.get(invoice=outcome.invoice)
    assert (manual.type, manual.amount, manual.is_online) == (T.MANUAL, 12200, False)
    assert outcome.invoice.state == InvoiceState.PAID
    assert fresh(order).state == OrderState.COMPLETE


def test_orders_captured_at_checkout_are_not_offered_capture_online():
    user = finance()
    order, _item, _payment = sale_order()

    modes = capture_modes(user=user, order=fresh(order), amount=6600)

    assert modes[CaptureMode.ONLINE].reason == CAPTURED_AT_CHECKOUT
    assert not modes[CaptureMode.ONLINE].allowed


def test_submitting_the_same_form_twice_creates_one_invoice_and_captures_once():
    user = finance()
    order, item, _auths = xpayments_order()
    form_key = key()
    version = fresh(order).version

    first = invoice_create(
        order=fresh(order),
        user=user,
        quantities={item.pk: 1},
        capture_mode=CaptureMode.ONLINE,
        expected_version=version,
        idempotency_key=form_key,
    )
    again = invoice_create(
        order=fresh(order),
        user=user,
        quantities={item.pk: 1},
        capture_mode=CaptureMode.ONLINE,
        expected_version=version,
        idempotency_key=form_key,
    )

    assert again.repeated and again.invoice.pk == first.invoice.pk
    assert Invoice.objects.count() == 1
    assert Transaction.objects.filter(type=T.CAPTURE).count() == 2


def test_a_stale_form_writes_nothing():
    user = finance()
    order, item, _auths = xpayments_order()
    order = fresh(order)

    with pytest.raises(StaleOrder):
        invoice_create(
            order=order,
            user=user,
            quantities={item.pk: 1},
            capture_mode=CaptureMode.ONLINE,
            expected_version=order.version - 1,
            idempotency_key=key(),
        )

    assert not Invoice.objects.exists()
    assert not Transaction.objects.filter(type=T.CAPTURE).exists()


def test_more_than_left_to_invoice_is_refused_under_the_lock():
    user = finance()
    order, item, _auths = xpayments_order()
    create(order, user, item, 1, mode=CaptureMode.NOT_CAPTURE)

    with pytest.raises(DocumentError) as error:
        create(order, user, item, 2, mode=CaptureMode.NOT_CAPTURE)

    assert (error.value.field, error.value.message) == (f"qty_{item.pk}", "Only 1 left to invoice.")
    assert Invoice.objects.count() == 1


def test_canceling_an_open_invoice_returns_its_items_and_shipping():
    user = finance()
    order, item, _auths = xpayments_order()
    first = create(order, user, item, 1, mode=CaptureMode.NOT_CAPTURE)

    invoice_cancel(
        invoice=first.invoice,
        user=user,
        expected_version=fresh(order).version,
        idempotency_key=key(),
    )

    assert Invoice.objects.get(pk=first.invoice.pk).state == InvoiceState.CANCELED
    assert OrderItem.objects.get(pk=item.pk).qty_invoiced == 0
    again = create(order, user, item, 2, mode=CaptureMode.NOT_CAPTURE)
    assert again.invoice.shipping_amount == 1000
    assert again.invoice.number == f"{order.number}-2"


def test_a_new_order_moves_to_processing_when_invoiced():
    user = finance()
    order, item = order_with_items(state=OrderState.NEW)

    create(order, user, item, 1, mode=CaptureMode.NOT_CAPTURE)

    assert fresh(order).state == OrderState.PROCESSING


def test_a_capture_timeout_leaves_the_invoice_open_until_reconciliation_pays_it():
    user = finance()
    # 10.52 shipping: the second capture is 5.52, which the sandbox applies then times out on.
    order, item, (_auth1, auth2) = xpayments_order(shipping=1052)

    outcome = create(order, user, item, 1)

    invoice = Invoice.objects.get(pk=outcome.invoice.pk)
    assert captures(invoice)[1] == (auth2.gateway_reference, 552, TransactionStatus.UNKNOWN)
    assert invoice.state == InvoiceState.OPEN
    assert fresh(order).state == OrderState.PAYMENT_REVIEW
    message = outcome.message()
    assert "The capture of $5.52 from authorization" in message
    assert "has an unknown outcome: the gateway did not answer in time" in message
    assert "failed" not in message
    assert "the amount stays reserved" in message

    unknown = Transaction.objects.get(invoice=invoice, status=TransactionStatus.UNKNOWN)
    transaction_reconcile(transaction=unknown, grace=timedelta(0))

    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID
    assert fresh(order).state == OrderState.PROCESSING  # one unit is still to invoice
    assert order.comments.filter(
        invoice=invoice, body__startswith="Reconciliation: invoice", body__contains="is paid"
    ).exists()


def test_email_copy_of_invoice_is_sent_after_commit(django_capture_on_commit_callbacks, mailoutbox):
    user = finance("mailer", [*ALL_MONEY, "notify_customer"])
    order, item, _auths = xpayments_order()

    with django_capture_on_commit_callbacks(execute=True):
        outcome = create(order, user, item, 2, notify_customer=True, comment="Thanks!")

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [order.customer_email]
    assert f"invoice #{outcome.invoice.number}" in mail.subject
    assert "Grand Total:         $122.00" in mail.body and "Thanks!" in mail.body
    assert order.comments.get(body="Thanks!").is_customer_notified
