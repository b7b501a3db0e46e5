"""Staff with the real roles (setup_roles' groups), and orders with money to act on."""

import re
import uuid

from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import reverse

from backoffice.models import Store
from backoffice.roles import role_grant, role_grant_for_store, roles_setup
from orders.models import ApprovalRequest, Order
from payments.enums import TransactionType
from payments.models import Payment, Transaction
from tests.factories import StoreFactory, UserFactory, reason_pk
from tests.payments.money_helpers import captured_payment

HX = {"HX-Request": "true"}
T = TransactionType


def key() -> str:
    return uuid.uuid4().hex


def fresh(user):
    """The user as a new request sees it (permission caches live on the user object)."""
    return get_user_model().objects.get(pk=user.pk)


def role_user(role: str, *, store: Store | None = None, username: str | None = None):
    """A staff member holding `role` on every store, or on `store` only."""
    roles_setup()
    name = username or (f"{role}_{store.code}" if store else role)
    user = UserFactory(username=name, first_name=name.replace("_", " ").title())
    if store is None:
        role_grant(user=user, role=role)
    else:
        role_grant_for_store(user=user, role=role, store=store)
    return fresh(user)


def eu_store(threshold: int | None = 50000) -> Store:
    """Store EU (EUR); refunds and Mark as paid above €500.00 need approval by default."""
    store = StoreFactory(code="eu", currency="EUR", name="Europe")
    store.refund_approval_threshold = threshold
    store.save()
    return store


def capture_of(payment: Payment) -> Transaction:
    return payment.transactions.get(type=T.CAPTURE)


def captured(amount: int = 100000, *, store: Store | None = None) -> Payment:
    """An order whose `amount` was authorized and captured through the sandbox."""
    return captured_payment(amount, store=store or eu_store())


def txn_url(name: str, txn: Transaction) -> str:
    return reverse(f"payments:transaction_{name}", args=[txn.uuid])


def dialog_key(client, name: str, txn: Transaction) -> str:
    html = client.get(txn_url(name, txn), headers=HX).content.decode()
    return re.search(r'name="idempotency_key" value="(\w+)"', html).group(1)


def refund_on_transaction_page(client, txn: Transaction, amount: str, *, offline=False, **fields):
    name = "refund_offline" if offline else "refund"
    data = {"amount": amount, "usage": "", "merchant_reference": "", "memo": "", **fields}
    data.setdefault("idempotency_key", key())
    data.setdefault("reason", reason_pk(txn.store_id))
    return client.post(txn_url(name, txn), data, headers=HX)


def approve_url(approval) -> str:
    return reverse("orders:approval_approve", args=[approval.order.number, approval.pk])


def reject_url(approval) -> str:
    return reverse("orders:approval_reject", args=[approval.order.number, approval.pk])


def withdraw_url(approval) -> str:
    return reverse("orders:approval_withdraw", args=[approval.order.number, approval.pk])


def snapshot() -> dict:
    """Row counts of every model of the back office, the orders' states and versions, and the
    approval requests' states: equal before and after means nothing was written."""
    counts: dict = {
        model.__name__: model.objects.count()
        for app in ("backoffice", "orders", "payments")
        for model in apps.get_app_config(app).get_models()
    }
    counts["orders"] = list(Order.objects.values_list("pk", "state", "version", "payment_status"))
    counts["approvals"] = list(ApprovalRequest.objects.values_list("pk", "state"))
    return counts
