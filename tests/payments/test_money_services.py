"""Every payment operation through the real services, database and sandbox."""

import pytest

from backoffice.errors import DomainError, ErrorCode
from orders.enums import CommentKind, CommentSource, OrderState
from orders.models import Invoice
from payments.enums import PaymentStatus, TransactionStatus, TransactionType
from payments.models import Payment, SandboxCharge, SandboxOperation, Transaction
from payments.services import (
    Outcome,
    chargeback_reverse,
    order_mark_as_paid,
    payment_capture,
    payment_chargeback,
    payment_rebill,
    payment_record_checkout,
    payment_refund,
    payment_void,
)
from tests.factories import OrderFactory
from tests.payments.money_helpers import (
    authorized_payment,
    captured_payment,
    key,
    refreshed,
    staff,
)

pytestmark = pytest.mark.django_db


def bodies(order) -> list[str]:
    return list(order.comments.order_by("pk").values_list("body", flat=True))


def test_partial_captures_then_full_capture_online():
    user = staff()
    payment = authorized_payment(10000)
    first = payment_capture(
        payment=payment,
        amount=4000,
        online=True,
        actor=user,
        idempotency_key=key(),
        merchant_reference="cap-1",
    )
    assert first.outcome == Outcome.SUCCESS
    assert refreshed(payment).status == PaymentStatus.PARTIALLY_CAPTURED
    second = payment_capture(
        payment=payment, amount=6000, online=True, actor=user, idempotency_key=key()
    )
    assert second.ok
    payment = refreshed(payment)
    assert (payment.amount_captured, payment.status) == (10000, PaymentStatus.CAPTURED)
    assert payment.order.payment_status == PaymentStatus.CAPTURED
    assert SandboxCharge.objects.get(reference=payment.gateway_reference).amount_captured == 10000
    comment = payment.order.comments.filter(transaction=first.transaction).get()
    assert comment.body.startswith('Captured amount of $40.00 online. Transaction ID: "cap-1".')
    assert "Gateway reference: sbx_op_" in comment.body
    assert (comment.kind, comment.source, comment.author) == (
        CommentKind.CAPTURE,
        CommentSource.GATEWAY,
        user,
    )


def test_capture_offline_records_money_without_the_gateway():
    user = staff()
    payment = authorized_payment(10000)
    result = payment_capture(
        payment=payment, amount=2500, online=False, actor=user, idempotency_key=key()
    )
    assert result.ok and not result.transaction.is_online
    assert refreshed(payment).amount_captured == 2500
    assert SandboxCharge.objects.get(reference=payment.gateway_reference).amount_captured == 0
    assert "Captured amount of $25.00 offline." in bodies(payment.order)[-1]


def test_capture_more_than_capturable_is_refused_and_writes_nothing():
    user = staff()
    payment = authorized_payment(10000)
    before = Transaction.objects.count(), SandboxOperation.objects.count()
    with pytest.raises(DomainError) as raised:
        payment_capture(
            payment=payment, amount=10001, online=True, actor=user, idempotency_key=key()
        )
    assert raised.value.code == ErrorCode.AMOUNT_EXCEEDS
    assert raised.value.field == "amount"
    assert "$100.00" in raised.value.message
    assert (Transaction.objects.count(), SandboxOperation.objects.count()) == before


@pytest.mark.parametrize("amount", [0, -5])
def test_amount_must_be_positive(amount):
    payment = authorized_payment(10000)
    with pytest.raises(DomainError) as raised:
        payment_capture(
            payment=payment, amount=amount, online=True, actor=staff(), idempotency_key=key()
        )
    assert raised.value.code == ErrorCode.INVALID_AMOUNT


def test_void_releases_the_remainder_and_the_order_awaits_payment():
    user = staff()
    payment = authorized_payment(10000)
    result = payment_void(payment=payment, actor=user, idempotency_key=key())
    assert result.ok and result.transaction.amount == 10000
    payment = refreshed(payment)
    assert (payment.amount_voided, payment.status) == (10000, PaymentStatus.CANCELED)
    assert payment.order.state == OrderState.PENDING_PAYMENT
    assert "Voided amount of $100.00 online." in bodies(payment.order)[-2]
    assert "Order state changed from Processing to Pending payment." in bodies(payment.order)[-1]


def test_void_after_a_partial_capture_keeps_the_order_processing():
    user = staff()
    payment = authorized_payment(10000)
    payment_capture(payment=payment, amount=3000, online=True, actor=user, idempotency_key=key())
    result = payment_void(payment=payment, actor=user, idempotency_key=key())
    assert result.transaction.amount == 7000
    assert refreshed(payment).order.state == OrderState.PROCESSING


def test_refunds_online_and_offline_then_the_order_closes():
    user = staff()
    payment = captured_payment(10000)
    online = payment_refund(
        payment=payment, amount=3000, online=True, actor=user, idempotency_key=key()
    )
    offline = payment_refund(
        payment=payment, amount=7000, online=False, actor=user, idempotency_key=key()
    )
    assert online.ok and offline.ok
    payment = refreshed(payment)
    assert (payment.amount_refunded, payment.status) == (10000, PaymentStatus.REFUNDED)
    assert payment.order.state == OrderState.CLOSED
    charge = SandboxCharge.objects.get(reference=payment.gateway_reference)
    assert charge.amount_refunded == 3000  # the offline refund never reached the gateway
    texts = bodies(payment.order)
    assert any(t.startswith("Refunded amount of $30.00 online.") for t in texts)
    assert any(t.startswith("Refunded amount of $70.00 offline.") for t in texts)


def test_refund_more_than_refundable_is_refused():
    payment = captured_payment(10000)
    payment_refund(
        payment=payment, amount=9000, online=True, actor=None, idempotency_key=key(), source="batch"
    )
    with pytest.raises(DomainError) as raised:
        payment_refund(
            payment=payment, amount=1001, online=False, actor=staff(), idempotency_key=key()
        )
    assert raised.value.code == ErrorCode.AMOUNT_EXCEEDS


def test_a_declined_refund_releases_the_reservation_and_says_why(settings):
    user = staff()
    payment = captured_payment(10000)
    settings.SANDBOX_FORCED_FAULT = "refund:decline"
    result = payment_refund(
        payment=payment, amount=1000, online=True, actor=user, idempotency_key=key()
    )
    assert result.outcome == Outcome.DECLINED
    assert result.transaction.status == TransactionStatus.FAILED
    payment = refreshed(payment)
    assert (payment.amount_refunded, payment.pending_refund) == (0, 0)
    assert payment.order.state == OrderState.PROCESSING
    assert bodies(payment.order)[-1].startswith(
        "Refund of $10.00 online was declined by the gateway: Declined by the issuer"
    )


def test_mark_as_paid_records_a_manual_payment_up_to_the_outstanding_amount():
    user = staff()
    order = OrderFactory(state=OrderState.NEW, subtotal=5000, shipping_amount=0)
    with pytest.raises(DomainError) as raised:
        order_mark_as_paid(
            order=order,
            amount=5001,
            merchant_reference="",
            memo="",
            actor=user,
            idempotency_key=key(),
        )
    assert raised.value.code == ErrorCode.AMOUNT_EXCEEDS
    result = order_mark_as_paid(
        order=order,
        amount=5000,
        merchant_reference="bank-123",
        memo="Wire received",
        actor=user,
        idempotency_key=key(),
    )
    assert result.ok
    txn = result.transaction
    assert (txn.type, txn.is_online, txn.payment.gateway) == (
        TransactionType.MANUAL,
        False,
        "manual",
    )
    order.refresh_from_db()
    assert (order.state, order.payment_status) == (OrderState.PROCESSING, PaymentStatus.CAPTURED)
    assert (
        'Marked as paid: $50.00 received offline. Transaction ID: "bank-123". '
        'Memo: "Wire received".'
    ) in bodies(order)
    with pytest.raises(DomainError) as raised:
        order_mark_as_paid(
            order=order, amount=1, merchant_reference="", memo="", actor=user, idempotency_key=key()
        )
    assert raised.value.message == (
        "Mark as paid is not available: nothing is outstanding on this order."
    )


def test_chargeback_is_capped_and_its_reversal_too():
    user = staff()
    payment = captured_payment(10000)
    payment_refund(payment=payment, amount=3000, online=True, actor=user, idempotency_key=key())
    with pytest.raises(DomainError) as raised:
        payment_chargeback(payment=payment, amount=7001, actor=user, idempotency_key=key())
    assert raised.value.code == ErrorCode.AMOUNT_EXCEEDS
    cb = payment_chargeback(
        payment=payment, amount=5000, actor=user, idempotency_key=key(), merchant_reference="cb1"
    )
    assert cb.ok
    # $20.00 of the capture is still kept: a partial chargeback does not hide it.
    assert refreshed(payment).status == PaymentStatus.PARTIALLY_REFUNDED
    assert 'Chargeback of $50.00 recorded. Transaction ID: "cb1".' in bodies(payment.order)
    with pytest.raises(DomainError):
        chargeback_reverse(
            chargeback=cb.transaction, amount=5001, actor=user, idempotency_key=key()
        )
    cr = chargeback_reverse(
        chargeback=cb.transaction, amount=5000, actor=user, idempotency_key=key()
    )
    assert cr.ok and cr.transaction.parent_id == cb.transaction.pk
    assert refreshed(payment).amount_charged_back == 0


def test_rebill_charges_a_debit_again():
    user = staff()
    payment = authorized_payment(5000, sale=True)
    debit = payment.transactions.get(type=TransactionType.DEBIT)
    result = payment_rebill(parent=debit, amount=1200, actor=user, idempotency_key=key())
    assert result.ok and result.transaction.type == TransactionType.REBILL
    payment = refreshed(payment)
    assert (payment.amount_authorized, payment.amount_captured) == (6200, 6200)
    assert SandboxCharge.objects.get(reference=payment.gateway_reference).amount_captured == 6200


def test_transaction_id_is_unique_per_store_with_a_clear_error():
    user = staff()
    payment = authorized_payment(10000)
    payment_capture(
        payment=payment,
        amount=100,
        online=True,
        actor=user,
        idempotency_key=key(),
        merchant_reference="T-1",
    )
    other = authorized_payment(10000, order=OrderFactory(store=payment.order.store))
    with pytest.raises(DomainError) as raised:
        payment_capture(
            payment=other,
            amount=100,
            online=True,
            actor=user,
            idempotency_key=key(),
            merchant_reference="T-1",
        )
    assert raised.value.code == ErrorCode.DUPLICATE_REFERENCE
    assert raised.value.field == "merchant_reference"
    assert raised.value.message == 'The Transaction ID "T-1" is already used in this store.'


def test_without_the_permission_nothing_is_written():
    support = staff("support", ["view_orders", "capture_offline"])
    payment = authorized_payment(10000)
    with pytest.raises(DomainError) as raised:
        payment_capture(
            payment=payment, amount=100, online=True, actor=support, idempotency_key=key()
        )
    assert raised.value.code == ErrorCode.PERMISSION_DENIED
    assert raised.value.message == "Requires the Capture online permission for store US."
    assert not payment.transactions.filter(type=TransactionType.CAPTURE).exists()


def test_double_submit_is_one_transaction_one_gateway_call_the_same_answer():
    user = staff()
    payment = captured_payment(10000)
    k = key()
    first = payment_refund(payment=payment, amount=1000, online=True, actor=user, idempotency_key=k)
    calls = SandboxOperation.objects.count()
    second = payment_refund(
        payment=payment, amount=1000, online=True, actor=user, idempotency_key=k
    )
    assert second.replayed and not first.replayed
    assert second.transaction.pk == first.transaction.pk
    assert (second.outcome, second.message) == (first.outcome, first.message)
    assert Transaction.objects.filter(idempotency_key=k).count() == 1
    assert SandboxOperation.objects.count() == calls
    assert refreshed(payment).amount_refunded == 1000


def test_same_key_with_another_amount_is_refused():
    user = staff()
    payment = captured_payment(10000)
    k = key()
    payment_refund(payment=payment, amount=1000, online=True, actor=user, idempotency_key=k)
    with pytest.raises(DomainError) as raised:
        payment_refund(payment=payment, amount=2000, online=True, actor=user, idempotency_key=k)
    assert raised.value.code == ErrorCode.IDEMPOTENCY_CONFLICT


def test_captures_for_an_invoice_never_exceed_its_total():
    user = staff()
    payment = authorized_payment(10000)
    invoice = Invoice.objects.create(
        order=payment.order, number="INV-1", capture_mode="online", grand_total=6000
    )
    payment_capture(
        payment=payment,
        amount=4000,
        online=True,
        actor=user,
        idempotency_key=key(),
        invoice=invoice,
    )
    with pytest.raises(DomainError) as raised:
        payment_capture(
            payment=payment,
            amount=2001,
            online=True,
            actor=user,
            idempotency_key=key(),
            invoice=invoice,
        )
    assert raised.value.message == "Invoice #INV-1 has only $20.00 left to pay."
    invoice.refresh_from_db()
    assert invoice.amount_paid == 4000


def test_checkout_authorization_is_recorded_and_capturable_later():
    order = OrderFactory(subtotal=6100, shipping_amount=0)
    recorded = payment_record_checkout(
        order=order, amount=6100, reference="psp-auth-77", idempotency_key="import:77:0"
    )
    assert recorded.ok and recorded.transaction.is_online
    payment = Payment.objects.get(pk=recorded.transaction.payment_id)
    assert payment.gateway_reference == "psp-auth-77" and payment.expires_at
    # The shop's entry, then the gateway's (Magento with a gateway).
    assert bodies(order)[-2:] == [
        "Authorized amount of $61.00.",
        "Authorization of $61.00 accepted by the gateway, transaction ID psp-auth-77.",
    ]
    sources = list(order.comments.order_by("created_at", "pk").values_list("source", flat=True))
    assert sources[-2:] == ["system", "gateway"]
    result = payment_capture(
        payment=payment,
        amount=6100,
        online=True,
        actor=None,
        idempotency_key=key(),
        source="batch",
    )
    assert result.ok
