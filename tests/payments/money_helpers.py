"""Shared set-up for the money engine's tests: a store with a sandbox account, staff, payments.

Payments get their authorizations through the real services (so the sandbox knows them).
"""

import uuid

from django.contrib.auth.models import Permission

from backoffice.models import OPERATION_PERMISSIONS
from payments.enums import PaymentAction
from payments.models import GatewayAccount, Payment
from payments.services import payment_authorize
from tests.factories import GatewayAccountFactory, OrderFactory, StoreFactory, UserFactory


def key() -> str:
    return str(uuid.uuid4())


def staff(username: str = "finance", codenames: list[str] | None = None):
    """A user holding `codenames` globally (all operation permissions by default)."""
    user = UserFactory(username=username)
    wanted = codenames if codenames is not None else [c for c, _ in OPERATION_PERMISSIONS]
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="backoffice", codename__in=wanted)
    )
    return type(user).objects.get(pk=user.pk)  # fresh: permission caches


def sandbox_account(store=None, **capabilities) -> GatewayAccount:
    store = store or StoreFactory()
    account = GatewayAccountFactory(store=store)
    for name, value in capabilities.items():
        setattr(account, name, value)
    account.save()
    return account


def authorized_payment(
    amount: int = 10000,
    *,
    order=None,
    account: GatewayAccount | None = None,
    actor=None,
    sale: bool = False,
    **order_fields,
) -> Payment:
    """An order with one payment authorized (or, `sale`, captured at once) through the sandbox."""
    if order is None:
        fields = {"subtotal": amount, "shipping_amount": 0, **order_fields}
        order = OrderFactory(**fields)
    account = account or sandbox_account(order.store)
    if sale and account.payment_action != PaymentAction.AUTHORIZE_CAPTURE:
        account.payment_action = PaymentAction.AUTHORIZE_CAPTURE
        account.save()
    result = payment_authorize(
        order=order, amount=amount, actor=actor, idempotency_key=key(), source="batch"
    )
    assert result.ok, result.message
    return Payment.objects.select_related("order__store", "gateway_account").get(
        pk=result.transaction.payment_id
    )


def captured_payment(amount: int = 10000, **kwargs) -> Payment:
    from payments.services import payment_capture

    payment = authorized_payment(amount, **kwargs)
    result = payment_capture(
        payment=payment,
        amount=amount,
        online=True,
        actor=None,
        idempotency_key=key(),
        source="batch",
    )
    assert result.ok, result.message
    return refreshed(payment)


def refreshed(payment: Payment) -> Payment:
    return Payment.objects.select_related("order__store", "gateway_account").get(pk=payment.pk)


def backdate(rows, when) -> None:
    """Give ledger rows another `created_at` (a test's clock, for date filters and exports).

    The ledger is append-only in PostgreSQL (payments.0008): `created_at` never changes in the
    app. A test — running as the tables' owner, inside its own rolled-back transaction — lifts
    the trigger for this one statement only.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        rows.update(created_at=when)
        return
    table, trigger = "payments_transaction", "payments_transaction_append_only"
    with connection.cursor() as cursor:
        # Deferred foreign-key checks still pending in this transaction block an ALTER TABLE.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        try:
            rows.update(created_at=when)
        finally:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
