"""Data helpers for the transaction page tests."""

import uuid

from django.contrib.auth.models import Permission
from guardian.shortcuts import assign_perm

from backoffice.models import Store
from payments.enums import TransactionStatus, TransactionType
from payments.models import Payment, Transaction
from payments.recompute import order_payments_recompute
from tests.factories import OrderFactory, PaymentFactory, StoreFactory, UserFactory


def staff_user(*codenames: str, store: Store | None = None, username: str | None = None):
    """A staff member holding `codenames` globally, or only on `store` when given."""
    user = UserFactory(**({"username": username} if username else {}))
    for codename in codenames:
        if store is None:
            user.user_permissions.add(Permission.objects.get(codename=codename))
        else:
            assign_perm(f"backoffice.{codename}", user, store)
    return type(user).objects.get(pk=user.pk)  # fresh permission caches


def make_txn(
    *,
    payment: Payment | None = None,
    type: str = TransactionType.AUTHORIZATION,
    status: str = TransactionStatus.SUCCESS,
    amount: int = 6100,
    parent: Transaction | None = None,
    recompute: bool = True,
    **fields,
) -> Transaction:
    payment = payment or (parent.payment if parent else PaymentFactory())
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


def authorized_payment(*, amount: int = 6100, store: Store | None = None, **order_fields):
    """An order with one sandbox authorization of `amount`; returns the PA transaction."""
    store = store or StoreFactory()
    order = OrderFactory(store=store, **order_fields)
    payment = PaymentFactory(order=order, amount_requested=amount)
    return make_txn(
        payment=payment,
        amount=amount,
        gateway_reference=payment.gateway_reference,
        gateway_response={"result": "approved", "reference": payment.gateway_reference},
    )
