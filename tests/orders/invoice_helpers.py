"""Orders with real sandbox authorizations for the invoicing tests."""

import uuid
from datetime import timedelta

from django.utils import timezone

from orders.models import Order, OrderItem
from payments.enums import PaymentAction
from payments.models import GatewayAccount, Payment
from tests.factories import OrderFactory, OrderItemFactory, StoreFactory
from tests.payments.money_helpers import authorized_payment, sandbox_account, staff

ALL_MONEY = [
    "view_orders",
    "comment_order",
    "invoice_order",
    "capture_online",
    "capture_offline",
    "void_payment",
    "cancel_order",
    "hold_order",
    "mark_as_paid",
]


def key() -> str:
    return uuid.uuid4().hex


def finance(username: str = "fin", codenames: list[str] | None = None):
    return staff(username, ALL_MONEY if codenames is None else codenames)


def order_with_items(
    *,
    qty: int = 2,
    unit_price: int = 5600,
    shipping: int = 1000,
    tax: int = 0,
    number: str | None = None,
    **fields,
) -> tuple[Order, OrderItem]:
    store = StoreFactory(code="us", currency="USD")
    extra = {"number": number} if number else {}
    order = OrderFactory(
        store=store,
        subtotal=qty * unit_price,
        shipping_amount=shipping,
        tax_amount=tax,
        **extra,
        **fields,
    )
    item = OrderItemFactory(
        order=order, sku="SP1", qty_ordered=qty, unit_price=unit_price, tax_amount=tax
    )
    return order, item


def authorizations(
    order: Order, *amounts: int, account: GatewayAccount | None = None
) -> list[Payment]:
    """One real sandbox authorization per amount, expiring one day apart (first: soonest)."""
    account = account or sandbox_account(order.store)
    payments = []
    for day, amount in enumerate(amounts):
        payment = authorized_payment(amount, order=order, account=account)
        Payment.objects.filter(pk=payment.pk).update(
            expires_at=timezone.now() + timedelta(days=3 + day)
        )
        payments.append(payment)
    return payments


def xpayments_order(**fields) -> tuple[Order, OrderItem, list[Payment]]:
    """The X-Payments case: 2 × 56.00 + 10.00 shipping, authorizations of 61.00 and 61.00."""
    order, item = order_with_items(**fields)
    return order, item, authorizations(order, 6100, 6100)


def sale_order() -> tuple[Order, OrderItem, Payment]:
    """Captured at checkout (payment action authorize_capture)."""
    order, item = order_with_items()
    account = sandbox_account(order.store, payment_action=PaymentAction.AUTHORIZE_CAPTURE)
    payment = authorized_payment(order.grand_total, order=order, account=account, sale=True)
    return order, item, payment


def fresh(order: Order) -> Order:
    return Order.objects.select_related("store").get(pk=order.pk)
