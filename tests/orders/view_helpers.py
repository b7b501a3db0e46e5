"""Data helpers for the order page tests."""

import uuid
from datetime import timedelta

from django.contrib.auth.models import Permission
from django.utils import timezone
from guardian.shortcuts import assign_perm

from backoffice.models import Store
from orders.history import comment_note
from orders.models import Order, OrderComment
from payments.enums import TransactionStatus, TransactionType
from payments.models import Payment, Transaction
from payments.recompute import order_payments_recompute
from tests.factories import PaymentFactory, UserFactory

T = TransactionType


def staff_user(*codenames: str, store: Store | None = None, **fields):
    """A staff member holding `codenames` globally, or only on `store` when given."""
    user = UserFactory(**fields)
    for codename in codenames:
        if store is None:
            user.user_permissions.add(Permission.objects.get(codename=codename))
        else:
            assign_perm(f"backoffice.{codename}", user, store)
    return type(user).objects.get(pk=user.pk)  # fresh permission caches


def add_txn(
    payment: Payment,
    type: str,
    amount: int,
    *,
    parent: Transaction | None = None,
    status: str = TransactionStatus.SUCCESS,
    recompute: bool = True,
    **fields,
) -> Transaction:
    txn = Transaction.objects.create(
        payment=payment,
        order=payment.order,
        store=payment.order.store,
        type=type,
        status=status,
        amount=amount,
        currency=payment.currency,
        idempotency_key=uuid.uuid4().hex,
        parent=parent,
        **fields,
    )
    if recompute:
        order_payments_recompute(order=payment.order)
    return txn


def authorize(order: Order, amount: int, **payment_fields) -> tuple[Payment, Transaction]:
    payment = PaymentFactory(order=order, amount_requested=amount, **payment_fields)
    txn = add_txn(payment, T.AUTHORIZATION, amount, gateway_reference=payment.gateway_reference)
    payment.refresh_from_db()
    return payment, txn


def expired_payment_fields() -> dict:
    past = timezone.now() - timedelta(days=9)
    return {"authorized_at": past, "expires_at": past + timedelta(days=7)}


def add_comment(order: Order, body: str, **fields) -> OrderComment:
    return comment_note(order=order, author=fields.pop("author", None), body=body, **fields)


def many_captures(order: Order, count: int, *, amount: int = 100) -> Payment:
    """An authorization with `count` captures of `amount` (a busy order's ledger)."""
    payment, auth = authorize(order, count * amount)
    Transaction.objects.bulk_create(
        Transaction(
            payment=payment,
            order=order,
            store=order.store,
            type=T.CAPTURE,
            status=TransactionStatus.SUCCESS,
            amount=amount,
            currency=payment.currency,
            idempotency_key=uuid.uuid4().hex,
            parent=auth,
        )
        for _ in range(count)
    )
    order_payments_recompute(order=order)
    return payment
