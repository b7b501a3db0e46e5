"""Shared set-up for the batch command tests: orders with real sandbox authorizations."""

from dataclasses import dataclass
from datetime import timedelta
from io import StringIO
from uuid import uuid4

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from orders.enums import OrderState
from orders.models import Order, OrderItem
from payments.enums import (
    PaymentAction,
    PaymentStatus,
    TransactionSource,
    TransactionStatus,
    TransactionType,
)
from payments.models import GatewayAccount, Payment, SandboxCharge, Transaction
from tests.factories import OrderFactory, OrderItemFactory, StoreFactory
from tests.payments.money_helpers import authorized_payment, sandbox_account


@dataclass
class Run:
    out: str
    err: str
    code: int

    @property
    def text(self) -> str:
        return self.out + self.err


def run(command: str, *args: str) -> Run:
    """Run a management command; its output and exit status (0, or CommandError's)."""
    out, err = StringIO(), StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=err)
    except CommandError as exc:
        return Run(out.getvalue(), err.getvalue() + str(exc), exc.returncode)
    return Run(out.getvalue(), err.getvalue(), 0)


def order_with_authorization(
    *,
    qty: int = 2,
    unit_price: int = 5600,
    shipping: int = 1000,
    store_code: str = "us",
    currency: str = "USD",
    account: GatewayAccount | None = None,
    **fields,
) -> tuple[Order, Payment]:
    """An order (one item) authorized for its grand total through the sandbox."""
    store = StoreFactory(code=store_code, currency=currency)
    order = OrderFactory(store=store, subtotal=qty * unit_price, shipping_amount=shipping, **fields)
    OrderItemFactory(order=order, qty_ordered=qty, unit_price=unit_price)
    payment = authorized_payment(
        order.grand_total, order=order, account=account or sandbox_account(store)
    )
    return order, payment


def age_authorization(
    payment: Payment,
    *,
    authorized_days_ago: float,
    expires_in_days: float,
    gateway_expires_in_days: float | None = None,
) -> None:
    """Move an authorization in time: when it was authorized, when we and the PSP expire it."""
    now = timezone.now()
    Payment.objects.filter(pk=payment.pk).update(
        authorized_at=now - timedelta(days=authorized_days_ago),
        expires_at=now + timedelta(days=expires_in_days),
    )
    gateway = expires_in_days if gateway_expires_in_days is None else gateway_expires_in_days
    SandboxCharge.objects.filter(reference=payment.gateway_reference).update(
        expires_at=now + timedelta(days=gateway)
    )


def snapshot() -> dict[str, list[dict]]:
    """Every row of our apps' tables: a dry run must leave them exactly as they were."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for app in ("orders", "payments", "backoffice")
        for model in apps.get_app_config(app).get_models()
    }


def items(order: Order) -> list[OrderItem]:
    return list(OrderItem.objects.filter(order=order).order_by("pk"))


def bulk_authorized_orders(count: int, *, amount: int = 6600) -> list[Order]:
    """`count` orders (one item, 56.00 + 10.00 shipping) authorized at the sandbox, in bulk.

    The rows a checkout import leaves behind — order, item, payment, its successful
    pre-authorization and the sandbox's own charge — written with bulk_create, so hundreds of
    orders cost a second instead of a minute of services.
    """
    store = StoreFactory(code="us", currency="USD")
    account = sandbox_account(store)
    now = timezone.now()
    batch = uuid4().hex[:8]
    orders = Order.objects.bulk_create(
        Order(
            number=f"B{batch}{i:05d}",
            store=store,
            state=OrderState.PROCESSING,
            payment_status=PaymentStatus.AUTHORIZED,
            currency="USD",
            customer_email=f"bulk{i}@example.com",
            customer_name="Ann Lee",
            subtotal=amount - 1000,
            shipping_amount=1000,
            grand_total=amount,
            placed_at=now,
        )
        for i in range(count)
    )
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            sku="SP1",
            name="Simple product 1",
            qty_ordered=1,
            unit_price=amount - 1000,
            row_total=amount - 1000,
        )
        for order in orders
    )
    expires_at = now + timedelta(days=7)
    payments = Payment.objects.bulk_create(
        Payment(
            order=order,
            gateway="sandbox",
            gateway_account=account,
            payment_action=PaymentAction.AUTHORIZE,
            currency="USD",
            gateway_reference=f"sbx_ch_bulk_{order.number}",
            amount_requested=amount,
            amount_authorized=amount,
            authorized_at=now,
            expires_at=expires_at,
            status=PaymentStatus.AUTHORIZED,
        )
        for order in orders
    )
    Transaction.objects.bulk_create(
        Transaction(
            payment=payment,
            order=payment.order,
            store=store,
            type=TransactionType.AUTHORIZATION,
            status=TransactionStatus.SUCCESS,
            amount=amount,
            currency="USD",
            gateway_reference=payment.gateway_reference,
            idempotency_key=f"bulk:{payment.gateway_reference}",
            source=TransactionSource.IMPORT,
        )
        for payment in payments
    )
    SandboxCharge.objects.bulk_create(
        SandboxCharge(
            reference=payment.gateway_reference,
            currency="USD",
            amount_authorized=amount,
            expires_at=expires_at,
        )
        for payment in payments
    )
    return orders
