"""Asking for approval: when a refund or Mark as paid needs it, and recording the request.

This module only decides and inserts (it imports no operation), so an operation's own service
can call it under its order lock (credit memos do); `orders.approvals.services` approves,
rejects and expires.
"""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction as db_transaction
from django.utils import timezone

from backoffice.models import Store
from backoffice.money import format_money
from backoffice.permissions import store_permissions
from backoffice.users import user_label
from orders.enums import CommentKind, RefundMode
from orders.history import comment_approval
from orders.models import ApprovalKind, ApprovalRequest, ApprovalState, CreditMemo, Order
from payments.locks import lock_order_and_payments
from payments.models import Transaction

APPROVE_PERMISSION = "approve_refund"
# The actions an approved request runs (orders.approvals.actions).
TRANSACTION_REFUND = "transaction_refund"
MARK_AS_PAID = "mark_as_paid"
CREDIT_MEMO = "credit_memo"
COMMENT_KINDS = {
    ApprovalKind.REFUND: CommentKind.REFUND,
    ApprovalKind.MARK_AS_PAID: CommentKind.CAPTURE,
}


def approval_needed(*, user: User, store: Store, amount: int) -> bool:
    """Above the store's threshold, and the user may not approve it themselves."""
    threshold = store.refund_approval_threshold
    if threshold is None or amount <= threshold:
        return False
    return not store_permissions(user).has(APPROVE_PERMISSION, store)


def approval_ttl() -> timedelta:
    return timedelta(hours=settings.REFUND_APPROVAL_TTL_HOURS)


def money_text(request: ApprovalRequest) -> str:
    return format_money(request.amount, request.currency)


def what_text(request: ApprovalRequest) -> str:
    """The request in words: "Refund of €600.00", "Mark as paid of €600.00"."""
    label = request.payload.get("label") or request.get_kind_display()
    return f"{label} of {money_text(request)}"


def awaiting_message(request: ApprovalRequest) -> str:
    """What the requester reads after submitting (again, when the form is sent twice)."""
    if request.state != ApprovalState.AWAITING:
        state = request.get_state_display().lower()
        return f"{what_text(request)} was already requested with this form: it is {state}."
    return f"{what_text(request)} is awaiting approval by a manager."


def when_text(moment: datetime, store: Store) -> str:
    """A moment in the store's time zone: "24 Nov 2026 22:10"."""
    local = timezone.localtime(moment, timezone=ZoneInfo(store.timezone or "UTC"))
    return f"{local.day} {local:%b %Y %H:%M}"


def approval_comment(
    request: ApprovalRequest, order: Order, body: str, *, author: User | None
) -> None:
    comment_approval(
        order=order,
        kind=COMMENT_KINDS[ApprovalKind(request.kind)],
        body=body,
        author=author,
        credit_memo=request.credit_memo,
        transaction=request.transaction,
    )


def approval_close(
    request: ApprovalRequest,
    order: Order,
    *,
    state: ApprovalState,
    reason: str,
    user: User | None = None,
    now: datetime | None = None,
) -> ApprovalRequest:
    """Rejected, void or expired: record who and why, and say so in the order's history.

    The caller holds the order lock. What the request reserved is released by its action
    (`orders.approvals.actions`), which the services call after this.
    """
    request.state = state
    request.reason = reason
    request.decided_at = now or timezone.now()
    request.decided_by = user if user is not None and user.is_authenticated else None
    request.decided_by_label = user_label(user)
    request.save(update_fields=["state", "reason", "decided_at", "decided_by", "decided_by_label"])
    asked = f"{what_text(request)} requested by {request.requested_by_label}"
    bodies = {
        ApprovalState.REJECTED: f"{asked} was rejected by {request.decided_by_label}",
        ApprovalState.VOID: f"{asked} is void",
        ApprovalState.EXPIRED: f"{asked} expired without a decision",
    }
    body = bodies[state] + (f": {reason.rstrip('.')}." if reason else ".")
    approval_comment(request, order, body, author=user)
    return request


def approval_request_add(
    *,
    order: Order,
    user: User,
    kind: ApprovalKind,
    action: str,
    amount: int,
    payload: dict[str, Any],
    target: str,
    idempotency_key: str,
    note: str = "",
    credit_memo: CreditMemo | None = None,
    transaction: Transaction | None = None,
    now: datetime | None = None,
) -> ApprovalRequest:
    """Record a request under the caller's order lock (use `approval_request_create` without
    one). The same form submitted twice returns the first request; a new request for the same
    target (another amount, say) voids the one still awaiting, so nobody approves an amount that
    is no longer what is asked."""
    existing = ApprovalRequest.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    now = now or timezone.now()
    for old in ApprovalRequest.objects.select_for_update().filter(
        target=target, state=ApprovalState.AWAITING
    ):
        reason = f"replaced by a new request of {format_money(amount, order.currency)}"
        approval_close(old, order, state=ApprovalState.VOID, reason=reason, user=user, now=now)
    request = ApprovalRequest.objects.create(
        order=order,
        store_id=order.store_id,
        kind=kind,
        action=action,
        amount=amount,
        currency=order.currency,
        payload=payload,
        target=target,
        credit_memo=credit_memo,
        transaction=transaction,
        idempotency_key=idempotency_key,
        note=note.strip(),
        requested_by=user,
        requested_by_label=user_label(user),
        requested_at=now,
        expires_at=now + approval_ttl(),
    )
    threshold = format_money(order.store.refund_approval_threshold or 0, order.currency)
    body = (
        f"{what_text(request)} requested by {request.requested_by_label} awaits approval "
        f"(above the store's approval threshold of {threshold}); it expires on "
        f"{when_text(request.expires_at, order.store)} if nobody decides."
    )
    if request.note:
        body += f" Note: {request.note}"
    approval_comment(request, order, body, author=user)
    return request


def approval_request_create(
    *,
    order: Order,
    user: User,
    kind: ApprovalKind,
    action: str,
    amount: int,
    payload: dict[str, Any],
    target: str,
    idempotency_key: str,
    note: str = "",
    transaction: Transaction | None = None,
) -> ApprovalRequest:
    """`approval_request_add` in its own transaction, under the order lock."""
    with db_transaction.atomic(durable=True):
        locked, _payments = lock_order_and_payments(order.pk)
        return approval_request_add(
            order=locked,
            user=user,
            kind=kind,
            action=action,
            amount=amount,
            payload=payload,
            target=target,
            idempotency_key=idempotency_key,
            note=note,
            transaction=transaction,
        )


# ---- the requests each entry point makes ------------------------------------------------------


def transaction_refund_request(
    *,
    transaction: Transaction,
    user: User,
    online: bool,
    amount: int,
    idempotency_key: str,
    merchant_reference: str = "",
    usage: str = "",
    memo: str = "",
) -> ApprovalRequest:
    """Refund or Refund Offline of one capture/debit, asked on Transaction Details."""
    return approval_request_create(
        order=transaction.order,
        user=user,
        kind=ApprovalKind.REFUND,
        action=TRANSACTION_REFUND,
        amount=amount,
        payload={
            "label": "Refund" if online else "Refund Offline",
            "online": online,
            "merchant_reference": merchant_reference,
            "usage": usage,
            "memo": memo,
        },
        target=f"transaction:{transaction.pk}:refund",
        idempotency_key=idempotency_key,
        note=memo,
        transaction=transaction,
    )


def mark_as_paid_request(
    *,
    order: Order,
    user: User,
    invoice_id: int | None,
    amount: int,
    merchant_reference: str,
    memo: str,
    expected_version: int,
    idempotency_key: str,
) -> ApprovalRequest:
    """Mark as paid, asked on the order page; void if the order changes before approval."""
    return approval_request_create(
        order=order,
        user=user,
        kind=ApprovalKind.MARK_AS_PAID,
        action=MARK_AS_PAID,
        amount=amount,
        payload={
            "label": "Mark as paid",
            "invoice_id": invoice_id,
            "merchant_reference": merchant_reference,
            "memo": memo,
            "expected_version": expected_version,
        },
        target=f"order:{order.pk}:mark_as_paid",
        idempotency_key=idempotency_key,
        note=memo,
    )


def credit_memo_approval_add(
    *, order: Order, memo: CreditMemo, user: User, goodwill: bool
) -> ApprovalRequest:
    """A credit memo's refund (or a goodwill refund), under the memo service's order lock: the
    memo waits in "awaiting approval", its total reserved and its items counted as refunded."""
    online = memo.mode == RefundMode.ONLINE
    return approval_request_add(
        order=order,
        user=user,
        kind=ApprovalKind.REFUND,
        action=CREDIT_MEMO,
        amount=memo.grand_total,
        payload={
            "label": "Refund" if online else "Refund Offline",
            "online": online,
            "goodwill": goodwill,
        },
        target=f"credit_memo:{memo.pk}",
        idempotency_key=f"credit-memo:{memo.pk}",
        note=memo.comment,
        credit_memo=memo,
    )
