"""The role × operation matrix of the issue, through the real views.

For each role (setup_roles' groups) and each operation: allowed → the operation works and
writes its row; denied → 403 and nothing is written. The expected table is written out here
from the issue, not derived from `backoffice.roles.MATRIX`, so a wrong matrix fails.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from backoffice.models import StoreSettingsChange
from orders.enums import CaptureMode, OrderState
from orders.models import ApprovalRequest, ApprovalState, Invoice, Order, OrderComment
from orders.services.approval_requests import transaction_refund_request
from orders.services.state import order_hold
from payments.models import Transaction
from payments.services import payment_chargeback
from tests.backoffice.roles_helpers import (
    HX,
    T,
    capture_of,
    key,
    role_user,
    snapshot,
    txn_url,
)
from tests.factories import OrderFactory, StoreFactory, reason_pk
from tests.orders.invoice_helpers import authorizations, order_with_items
from tests.payments.money_helpers import authorized_payment, captured_payment

pytestmark = pytest.mark.django_db

ROLES = ("viewer", "support", "finance", "manager")
EVERYONE = frozenset(ROLES)
SUPPORT_UP = frozenset({"support", "finance", "manager"})
FINANCE_UP = frozenset({"finance", "manager"})
MANAGER = frozenset({"manager"})


@dataclass
class Attempt:
    method: str
    url: str
    data: dict = field(default_factory=dict)
    # Whether the operation did its work (the row it writes, the state it sets).
    done: Callable[[], bool] = lambda: True
    ok_statuses: tuple[int, ...] = (200, 302)


def store():
    return StoreFactory(code="us", currency="USD")


def order_url(order: Order, name: str) -> str:
    return reverse(f"orders:{name}", args=[order.number])


def version(order: Order) -> int:
    return Order.objects.get(pk=order.pk).version


def new_rows(model, **filters) -> Callable[[], bool]:
    before = model.objects.filter(**filters).count()
    return lambda: model.objects.filter(**filters).count() > before


def state_is(order: Order, state: str) -> Callable[[], bool]:
    return lambda: Order.objects.get(pk=order.pk).state == state


def txn_form(amount: str, **extra) -> dict:
    return {"amount": amount, "usage": "", "merchant_reference": "", "memo": "", **extra} | {
        "idempotency_key": key()
    }


# ---- one attempt per operation (each builds what it needs) ----------------------------------


def view_order() -> Attempt:
    order = OrderFactory(store=store())
    return Attempt("GET", order.get_absolute_url(), done=lambda: True, ok_statuses=(200,))


def view_transaction() -> Attempt:
    capture = capture_of(captured_payment(5000, store=store()))
    url = reverse("payments:transaction_detail", args=[capture.uuid])
    return Attempt("GET", url, ok_statuses=(200,))


def view_invoice() -> Attempt:
    order, item = order_with_items()
    attempt = invoice_not_capture_on(order, item)
    return Attempt("GET", attempt.url, ok_statuses=(200,))


def comment() -> Attempt:
    order = OrderFactory(store=store())
    return Attempt(
        "POST", order_url(order, "comment_add"), {"body": "Called the customer."},
        done=new_rows(OrderComment, order=order, body="Called the customer."),
    )  # fmt: skip


def notify_customer() -> Attempt:
    order = OrderFactory(store=store())
    return Attempt(
        "POST", order_url(order, "comment_add"), {"body": "Shipped.", "notify_customer": "on"},
        done=new_rows(OrderComment, order=order, is_customer_notified=True),
    )  # fmt: skip


def confirm(order: Order) -> dict:
    return {"version": version(order), "idempotency_key": key()}


def hold() -> Attempt:
    order = OrderFactory(store=store())
    return Attempt(
        "POST", order_url(order, "hold"), confirm(order), done=state_is(order, OrderState.HOLDED)
    )


def unhold() -> Attempt:
    order = order_hold(order=OrderFactory(store=store()), actor=None)
    return Attempt(
        "POST",
        order_url(order, "unhold"),
        confirm(order),
        done=state_is(order, OrderState.PROCESSING),
    )


def _invoice(mode: str) -> Attempt:
    order, item = order_with_items()
    authorizations(order, order.grand_total)
    data = {**confirm(order), f"qty_{item.pk}": 2, "capture_mode": mode}
    return Attempt(
        "POST", order_url(order, "invoice_new"), data, done=new_rows(Invoice, order=order)
    )


def invoice_not_capture_on(order: Order, item) -> Attempt:
    from orders.services.invoicing import invoice_create
    from tests.payments.money_helpers import staff

    invoice = invoice_create(
        order=order,
        user=staff("invoicer"),
        quantities={item.pk: 2},
        capture_mode=CaptureMode.NOT_CAPTURE,
        expected_version=version(order),
        idempotency_key=key(),
    ).invoice
    url = reverse("orders:invoice_detail", args=[order.number, invoice.number])
    return Attempt("GET", url)


def invoice_without_capture() -> Attempt:
    return _invoice(CaptureMode.NOT_CAPTURE)


def capture_online() -> Attempt:
    attempt = _invoice(CaptureMode.ONLINE)
    rows = new_rows(Transaction, type=T.CAPTURE)
    return Attempt(attempt.method, attempt.url, attempt.data, done=lambda: rows())


def capture_offline() -> Attempt:
    attempt = _invoice(CaptureMode.OFFLINE)
    rows = new_rows(Transaction, type=T.CAPTURE, is_online=False)
    return Attempt(attempt.method, attempt.url, attempt.data, done=lambda: rows())


def void() -> Attempt:
    payment = authorized_payment(6100, store=store())
    order = payment.order
    return Attempt(
        "POST", order_url(order, "void"), confirm(order),
        done=new_rows(Transaction, order=order, type=T.REVERSAL, status="success"),
    )  # fmt: skip


def _refund(name: str, online: bool) -> Attempt:
    capture = capture_of(captured_payment(5000, store=store()))
    return Attempt(
        "POST", txn_url(name, capture), txn_form("10.00", reason=reason_pk(store())),
        done=new_rows(Transaction, parent=capture, type=T.REFUND, is_online=online),
    )  # fmt: skip


def refund_online() -> Attempt:
    return _refund("refund", online=True)


def refund_offline() -> Attempt:
    return _refund("refund_offline", online=False)


def mark_as_paid() -> Attempt:
    order = OrderFactory(store=store(), subtotal=5000, shipping_amount=0)
    data = {**confirm(order), "amount": "50.00", "merchant_reference": "WIRE-9", "memo": ""}
    return Attempt(
        "POST", order_url(order, "mark_as_paid"), data,
        done=new_rows(Transaction, order=order, type=T.MANUAL),
    )  # fmt: skip


def chargeback() -> Attempt:
    capture = capture_of(captured_payment(5000, store=store()))
    return Attempt(
        "POST", txn_url("chargeback", capture), txn_form("50.00", reason=reason_pk(store())),
        done=new_rows(Transaction, parent=capture, type=T.CHARGEBACK),
    )  # fmt: skip


def chargeback_reversal() -> Attempt:
    payment = captured_payment(5000, store=store())
    cb = payment_chargeback(
        payment=payment, amount=5000, actor=None, idempotency_key=key(), source="batch",
        parent=capture_of(payment),
    ).transaction  # fmt: skip
    return Attempt(
        "POST", txn_url("chargeback_reversal", cb),
        txn_form("50.00", reason=reason_pk(store(), "fraud")),
        done=new_rows(Transaction, parent=cb, type=T.CHARGEBACK_REVERSAL),
    )  # fmt: skip


def cancel_order() -> Attempt:
    order, _item = order_with_items()
    authorizations(order, order.grand_total)
    return Attempt(
        "POST", order_url(order, "cancel"), confirm(order),
        done=state_is(order, OrderState.CANCELED),
    )  # fmt: skip


def rebill() -> Attempt:
    payment = authorized_payment(5000, sale=True, store=store())
    debit = payment.transactions.get(type=T.DEBIT)
    return Attempt(
        "POST", txn_url("rebill", debit), txn_form("20.00"),
        done=new_rows(Transaction, parent=debit, type=T.REBILL),
    )  # fmt: skip


def approve_refund() -> Attempt:
    us = store()
    us.refund_approval_threshold = 1000
    us.save()
    capture = capture_of(captured_payment(5000, store=us))
    approval = transaction_refund_request(
        transaction=capture,
        user=role_user("finance", username="asker"),
        online=True,
        amount=2000,
        idempotency_key=key(),
    )
    url = reverse("orders:approval_approve", args=[capture.order.number, approval.pk])
    return Attempt(
        "POST", url,
        done=lambda: ApprovalRequest.objects.get(pk=approval.pk).state == ApprovalState.APPROVED
        and Transaction.objects.filter(parent=capture, type=T.REFUND).exists(),
    )  # fmt: skip


def store_settings() -> Attempt:
    us = store()
    return Attempt(
        "POST", reverse("store_settings", args=[us.code]),
        {"refund_approval_threshold": "100.00", "approval_window_hours": "48"},
        done=new_rows(StoreSettingsChange, store=us),
    )  # fmt: skip


def export() -> Attempt:
    captured_payment(5000, store=store())
    return Attempt("GET", reverse("payments:transaction_export"), ok_statuses=(200,))


def read_audit() -> Attempt:
    return Attempt("GET", reverse("audit:list"), ok_statuses=(200,))


# The table: operation → the roles that may use it.
MATRIX: dict[str, tuple[Callable[[], Attempt], frozenset[str]]] = {
    "view order": (view_order, EVERYONE),
    "view invoice": (view_invoice, EVERYONE),
    "view transaction": (view_transaction, EVERYONE),
    "comment": (comment, SUPPORT_UP),
    "notify customer": (notify_customer, SUPPORT_UP),
    "hold": (hold, SUPPORT_UP),
    "unhold": (unhold, SUPPORT_UP),
    "invoice without capture": (invoice_without_capture, SUPPORT_UP),
    "capture online": (capture_online, FINANCE_UP),
    "capture offline": (capture_offline, FINANCE_UP),
    "void": (void, FINANCE_UP),
    "refund online": (refund_online, FINANCE_UP),
    "refund offline": (refund_offline, FINANCE_UP),
    "mark as paid": (mark_as_paid, FINANCE_UP),
    "chargeback": (chargeback, FINANCE_UP),
    "chargeback reversal": (chargeback_reversal, FINANCE_UP),
    "cancel order": (cancel_order, MANAGER),
    "rebill": (rebill, MANAGER),
    "approve refund": (approve_refund, MANAGER),
    "change store settings": (store_settings, MANAGER),
    "export": (export, FINANCE_UP),
    "read the audit stream": (read_audit, MANAGER),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", list(MATRIX))
def test_role_matrix_through_the_views(client, operation, role):
    make, allowed_roles = MATRIX[operation]
    user = role_user(role)
    attempt = make()
    client.force_login(user)
    before = snapshot()

    if attempt.method == "GET":
        response = client.get(attempt.url)
    else:
        response = client.post(attempt.url, attempt.data, headers=HX)

    if role in allowed_roles:
        assert response.status_code in attempt.ok_statuses, (
            f"{role} may {operation}: got {response.status_code}"
        )
        assert attempt.done(), f"{role} may {operation}, but it did not happen"
    else:
        assert response.status_code == 403, (
            f"{role} may not {operation}: got {response.status_code}"
        )
        assert snapshot() == before, f"{role}'s refused {operation} wrote something"
