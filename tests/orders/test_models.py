"""The database itself refuses money that doesn't add up (CHECK and UNIQUE constraints)."""

import itertools

import pytest
from django.db import IntegrityError, transaction

from orders.enums import CaptureMode, RefundMode
from orders.models import CreditMemo, Invoice, Order, OrderItem
from payments.enums import TransactionStatus, TransactionType
from payments.models import Payment, Transaction
from tests.factories import OrderFactory, OrderItemFactory, PaymentFactory, StoreFactory

pytestmark = pytest.mark.django_db

_keys = itertools.count()


def refused(create) -> None:
    """`create()` must raise IntegrityError (in a savepoint, so the test can go on)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def txn(payment: Payment, *, amount: int = 1000, reference: str = "", **fields) -> Transaction:
    return Transaction.objects.create(
        payment=payment,
        order=payment.order,
        store=payment.order.store,
        type=fields.pop("type", TransactionType.AUTHORIZATION),
        status=TransactionStatus.SUCCESS,
        amount=amount,
        currency=payment.currency,
        merchant_reference=reference,
        idempotency_key=fields.pop("idempotency_key", f"test-{next(_keys)}"),
        **fields,
    )


@pytest.fixture
def payment() -> Payment:
    return PaymentFactory()


# Payments ---------------------------------------------------------------------------------


def test_payment_amounts_that_add_up_are_accepted(payment):
    Payment.objects.filter(pk=payment.pk).update(
        amount_authorized=12200, amount_captured=6600, amount_refunded=1000, amount_voided=5600
    )


def test_captured_cannot_exceed_authorized(payment):
    refused(
        lambda: Payment.objects.filter(pk=payment.pk).update(
            amount_authorized=6100, amount_captured=6101
        )
    )


def test_refunded_cannot_exceed_captured(payment):
    refused(
        lambda: Payment.objects.filter(pk=payment.pk).update(
            amount_authorized=6100, amount_captured=3000, amount_refunded=3001
        )
    )


def test_refunds_pending_and_chargebacks_count_against_captured(payment):
    refused(
        lambda: Payment.objects.filter(pk=payment.pk).update(
            amount_authorized=6100,
            amount_captured=6100,
            amount_refunded=3000,
            pending_refund=2000,
            amount_charged_back=1101,
        )
    )


def test_voided_cannot_exceed_the_uncaptured_authorization(payment):
    refused(
        lambda: Payment.objects.filter(pk=payment.pk).update(
            amount_authorized=6100, amount_captured=3000, amount_voided=3101
        )
    )


@pytest.mark.parametrize(
    "field",
    [
        "amount_authorized",
        "amount_captured",
        "amount_refunded",
        "amount_voided",
        "amount_charged_back",
        "pending_capture",
        "pending_refund",
    ],
)
def test_payment_amounts_cannot_be_negative(payment, field):
    refused(lambda: Payment.objects.filter(pk=payment.pk).update(**{field: -1}))


# Transactions -----------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [0, -100])
def test_transaction_amount_must_be_positive(payment, amount):
    refused(lambda: txn(payment, amount=amount))


def test_merchant_transaction_id_is_unique_per_store(payment):
    txn(payment, reference="TX-1")

    refused(lambda: txn(payment, reference="TX-1"))


def test_same_merchant_transaction_id_is_allowed_in_another_store(payment):
    other = PaymentFactory(order=OrderFactory(store=StoreFactory(code="eu", currency="EUR")))
    txn(payment, reference="TX-1")

    txn(other, reference="TX-1")

    assert Transaction.objects.filter(merchant_reference="TX-1").count() == 2


def test_blank_merchant_transaction_ids_never_clash(payment):
    txn(payment)
    txn(payment)

    assert Transaction.objects.filter(merchant_reference="").count() == 2


def test_idempotency_key_is_unique(payment):
    first = txn(payment)

    refused(lambda: txn(payment, idempotency_key=first.idempotency_key))


# Orders and items -------------------------------------------------------------------------


def test_grand_total_must_add_up():
    refused(lambda: OrderFactory(subtotal=11200, shipping_amount=1000, grand_total=12000))


def test_grand_total_with_tax_and_discount_adds_up():
    order = OrderFactory(subtotal=11200, shipping_amount=1000, tax_amount=900, discount_amount=500)

    assert order.grand_total == 12600


@pytest.mark.parametrize("field", ["subtotal", "shipping_amount", "tax_amount", "discount_amount"])
def test_order_amounts_cannot_be_negative(field):
    order = OrderFactory()

    refused(
        lambda: Order.objects.filter(pk=order.pk).update(
            **{field: -100, "grand_total": 0}  # grand total is checked separately
        )
    )


def test_item_refunded_cannot_exceed_invoiced():
    item = OrderItemFactory(qty_ordered=2, qty_invoiced=1)

    refused(lambda: OrderItem.objects.filter(pk=item.pk).update(qty_refunded=2))


def test_item_invoiced_cannot_exceed_ordered_minus_canceled():
    item = OrderItemFactory(qty_ordered=3, qty_canceled=1)

    refused(lambda: OrderItem.objects.filter(pk=item.pk).update(qty_invoiced=3))


def test_item_row_total_is_price_times_qty():
    refused(lambda: OrderItemFactory(qty_ordered=2, unit_price=5600, row_total=5600))


def test_item_price_cannot_be_negative():
    refused(lambda: OrderItemFactory(qty_ordered=1, unit_price=-1, row_total=-1))


def test_item_qty_must_be_positive():
    refused(lambda: OrderItemFactory(qty_ordered=0, row_total=0))


# Documents --------------------------------------------------------------------------------


def test_invoice_cannot_be_paid_more_than_its_total():
    order = OrderFactory()

    refused(
        lambda: Invoice.objects.create(
            order=order,
            number="1-1",
            capture_mode=CaptureMode.ONLINE,
            grand_total=1000,
            amount_paid=1001,
        )
    )


def test_invoice_cannot_refund_more_than_paid():
    order = OrderFactory()

    refused(
        lambda: Invoice.objects.create(
            order=order,
            number="1-1",
            capture_mode=CaptureMode.ONLINE,
            grand_total=1000,
            amount_paid=500,
            amount_refunded=501,
        )
    )


def test_credit_memo_total_must_be_positive():
    order = OrderFactory()

    refused(
        lambda: CreditMemo.objects.create(
            order=order, number="1-2", mode=RefundMode.OFFLINE, grand_total=0
        )
    )
