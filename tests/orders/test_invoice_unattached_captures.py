"""Money captured without an invoice (Transaction Details) pays the order's invoices.

Both orders of events: a capture first, then New Invoice (the capture pays it first, the
Amount choice takes only the rest); or an open Not Capture invoice, then a capture on
Transaction Details (the invoice is paid once the money is in).
"""

import pytest
from django.urls import reverse

from orders.enums import CaptureMode, InvoiceState, OrderState, RefundMode
from orders.models import Invoice, InvoiceCapture
from orders.operations import OrderOperation, order_operation_availability
from orders.services.invoicing import invoice_create
from payments.enums import TransactionStatus, TransactionType
from payments.models import Payment, Transaction
from payments.services import payment_capture, payment_refund
from tests.orders.credit_memo_helpers import create_memo
from tests.orders.invoice_helpers import (
    ALL_MONEY,
    authorizations,
    finance,
    fresh,
    key,
    order_with_items,
)

pytestmark = pytest.mark.django_db
T = TransactionType


def qa_order():
    """The QA case (1 item, total = authorization; $30.52 in QA, which is a sandbox fault)."""
    order, item = order_with_items(qty=1, unit_price=3040, shipping=0)
    (payment,) = authorizations(order, 3040)
    return order, item, payment


def capture_on_details(payment: Payment, amount: int, user, *, online: bool = True):
    """Capture from Transaction Details: against the pre-authorization, no invoice."""
    pa = payment.transactions.get(type=T.AUTHORIZATION)
    return payment_capture(
        payment=Payment.objects.get(pk=payment.pk),
        amount=amount,
        online=online,
        actor=user,
        idempotency_key=key(),
        parent=pa,
    ).transaction


def create(order, user, item, mode):
    order = fresh(order)
    return invoice_create(
        order=order,
        user=user,
        quantities={item.pk: 1},
        capture_mode=mode,
        expected_version=order.version,
        idempotency_key=key(),
    )


def test_new_invoice_page_says_the_earlier_capture_pays_it_and_offers_capture_online(client):
    user = finance()
    client.force_login(user)
    order, _item, payment = qa_order()
    capture_on_details(payment, 2000, user)

    response = client.get(reverse("orders:invoice_new", kwargs={"number": order.number}))

    form = response.context["form"]
    choices = {c["value"]: c for c in form.capture_choices()}
    assert choices["online"]["allowed"], choices["online"]["reason"]
    assert choices["offline"]["allowed"], choices["offline"]["reason"]
    assert choices["online"]["plan"][0].startswith("$10.40 from authorization")
    html = response.content.decode()
    assert "$20.00 already captured on this order will pay this invoice" in html
    assert "the remaining $10.40" in html


def test_capture_online_takes_only_the_rest_and_the_invoice_lists_both_captures(client):
    user = finance()
    order, item, payment = qa_order()
    first = capture_on_details(payment, 2000, user)

    outcome = create(order, user, item, CaptureMode.ONLINE)

    invoice = Invoice.objects.get(pk=outcome.invoice.pk)
    assert (invoice.state, invoice.amount_paid) == (InvoiceState.PAID, 3040)
    own = Transaction.objects.get(invoice=invoice, type=T.CAPTURE)
    assert (own.amount, own.status) == (1040, TransactionStatus.SUCCESS)
    link = InvoiceCapture.objects.get(invoice=invoice)
    assert (link.transaction_id, link.amount) == (first.pk, 2000)
    # The ledger row itself is untouched: no invoice, same amount.
    first.refresh_from_db()
    assert (first.invoice_id, first.amount) == (None, 2000)
    assert "$20.00 already captured on the order pays invoice" in outcome.message()
    assert fresh(order).state == OrderState.COMPLETE

    client.force_login(user)
    page = client.get(
        reverse(
            "orders:invoice_detail",
            kwargs={"number": order.number, "invoice_number": invoice.number},
        )
    ).content.decode()
    assert str(first.uuid) in page and str(own.uuid) in page


def test_capture_offline_records_only_the_rest():
    user = finance()
    order, item, payment = qa_order()
    capture_on_details(payment, 2000, user)

    invoice = create(order, user, item, CaptureMode.OFFLINE).invoice

    invoice.refresh_from_db()
    assert (invoice.state, invoice.amount_paid) == (InvoiceState.PAID, 3040)
    own = Transaction.objects.get(invoice=invoice)
    assert (own.amount, own.is_online) == (1040, False)


def test_a_capture_of_everything_pays_the_invoice_without_capturing_again():
    user = finance()
    order, item, payment = qa_order()
    capture_on_details(payment, 3040, user)

    outcome = create(order, user, item, CaptureMode.ONLINE)

    invoice = Invoice.objects.get(pk=outcome.invoice.pk)
    assert (invoice.state, invoice.amount_paid) == (InvoiceState.PAID, 3040)
    assert not Transaction.objects.filter(invoice=invoice).exists()
    assert outcome.message().endswith("the invoice is paid.")


def test_one_capture_pays_two_partial_invoices_in_part():
    user = finance()
    order, item = order_with_items(qty=2, unit_price=1500, shipping=0)
    (payment,) = authorizations(order, 3000)
    capture = capture_on_details(payment, 3000, user)

    first = create(order, user, item, CaptureMode.NOT_CAPTURE).invoice
    second = create(order, user, item, CaptureMode.NOT_CAPTURE).invoice

    for invoice in (first, second):
        invoice.refresh_from_db()
        assert (invoice.state, invoice.amount_paid) == (InvoiceState.PAID, 1500)
    links = InvoiceCapture.objects.order_by("pk").values_list("invoice_id", "transaction", "amount")
    assert list(links) == [(first.pk, capture.pk, 1500), (second.pk, capture.pk, 1500)]


def test_an_open_invoice_is_paid_by_a_later_capture_on_transaction_details():
    user = finance()
    order, item, payment = qa_order()
    invoice = create(order, user, item, CaptureMode.NOT_CAPTURE).invoice
    assert order_operation_availability(
        user=user, order=fresh(order), operation=OrderOperation.CANCEL
    ).reason.startswith("Cancel is not available: invoice #")

    capture_on_details(payment, 2000, user)
    invoice.refresh_from_db()
    assert (invoice.state, invoice.amount_paid) == (InvoiceState.OPEN, 2000)

    capture_on_details(payment, 1040, user, online=False)
    invoice.refresh_from_db()
    assert (invoice.state, invoice.amount_paid) == (InvoiceState.PAID, 3040)
    bodies = list(fresh(order).comments.values_list("body", flat=True))
    assert any("pays invoice" in body and "The invoice is paid." in body for body in bodies)


def test_money_refunded_on_transaction_details_does_not_pay_a_later_invoice():
    user = finance(codenames=[*ALL_MONEY, "refund_online"])
    order, item, payment = qa_order()
    capture = capture_on_details(payment, 2000, user)

    payment_refund(
        payment=Payment.objects.get(pk=payment.pk),
        amount=2000,
        online=True,
        actor=user,
        idempotency_key=key(),
        parent=capture,
    )

    invoice = create(order, user, item, CaptureMode.NOT_CAPTURE).invoice

    invoice.refresh_from_db()
    assert (invoice.state, invoice.amount_paid) == (InvoiceState.OPEN, 0)


def test_an_invoice_paid_by_an_earlier_capture_is_refunded_online_with_a_credit_memo():
    user = finance(codenames=[*ALL_MONEY, "refund_online"])
    order, item, payment = qa_order()
    capture = capture_on_details(payment, 3040, user)
    invoice = create(order, user, item, CaptureMode.ONLINE).invoice

    outcome = create_memo(
        fresh(order), Invoice.objects.get(pk=invoice.pk), user, quantities={item.pk: 1}
    )

    refund = Transaction.objects.get(type=T.REFUND)
    assert (refund.amount, refund.parent_id, refund.invoice_id) == (3040, capture.pk, invoice.pk)
    assert outcome.memo.mode == RefundMode.ONLINE
    invoice.refresh_from_db()
    assert invoice.amount_refunded == 3040
