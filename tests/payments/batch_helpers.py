"""Shared set-up for the batch command tests: orders with real sandbox authorizations."""

from dataclasses import dataclass
from datetime import timedelta
from io import StringIO

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from orders.models import Order, OrderItem
from payments.models import GatewayAccount, Payment, SandboxCharge
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
