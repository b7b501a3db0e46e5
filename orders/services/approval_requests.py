"""Asking for approval: recording the request of a move four-eyes holds, and its words.

When a move needs it is `orders.services.approval_rule`; the requests of the paths not here
are in `orders.services.approval_asks`. This module only inserts (it runs no operation), so
an operation's own service can call it under its order lock (credit memos do);
`orders.approvals.services` approves, rejects, withdraws and expires.
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
from backoffice.users import user_label
from orders.enums import CommentKind, RefundMode
from orders.history import comment_approval
from orders.models import ApprovalKind, ApprovalRequest, ApprovalState, CreditMemo, Order
from payments import operations as ops
from payments.hooks import ApprovalAsk
from payments.locks import lock_order_and_payments
from payments.models import ReasonCode, Transaction

APPROVE_PERMISSION = "approve_refund"
# The actions an approved request runs (orders.approvals.actions).
TRANSACTION_REFUND = "transaction_refund"
MARK_AS_PAID = "mark_as_paid"
CREDIT_MEMO = "credit_memo"
INVOICE_CAPTURE_OFFLINE = "invoice_capture_offline"
TRANSACTION_OPERATION = "transaction_operation"  # Rebill, Chargeback Reversal
COMMENT_KINDS = {
    ApprovalKind.REFUND: CommentKind.REFUND,
    ApprovalKind.MARK_AS_PAID: CommentKind.CAPTURE,
    ApprovalKind.CAPTURE_OFFLINE: CommentKind.CAPTURE,
    ApprovalKind.REBILL: CommentKind.CAPTURE,
    ApprovalKind.CHARGEBACK_REVERSAL: CommentKind.CHARGEBACK,
}


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
    why = f" {why_sentence(request.why)}" if request.why else ""
    return f"{what_text(request)} is awaiting approval by a manager.{why}"


def why_sentence(why: str) -> str:
    """`ApprovalNeed.why()` as a sentence: "It is above the store's €500.00 threshold.", "With
    €45.00 refunded on this order in the last 24 hours, above the store's €50.00 threshold."."""
    return f"It is {why}." if why.startswith("above") else f"{why[:1].upper()}{why[1:]}."


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
        ApprovalState.WITHDRAWN: f"{asked} was withdrawn by {request.decided_by_label}",
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
    why: str = "",
) -> ApprovalRequest:
    """Record a request under the caller's order lock. The same form submitted twice returns
    the first request; a new request for the same target (another amount, say) voids the one
    still awaiting, so nobody approves an amount that is no longer what is asked. `why`:
    `ApprovalNeed.why()`, kept and said in the history."""
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
        why=why[:300],
        requested_by=user,
        requested_by_label=user_label(user),
        requested_at=now,
        expires_at=now + approval_ttl(),
    )
    threshold = format_money(order.store.refund_approval_threshold or 0, order.currency)
    why = why or f"above the store's approval threshold of {threshold}"
    body = (
        f"{what_text(request)} requested by {request.requested_by_label} awaits approval "
        f"({why}); it expires on "
        f"{when_text(request.expires_at, order.store)} if nobody decides."
    )
    if request.note:
        body += f" Note: {request.note}"
    approval_comment(request, order, body, author=user)
    return request


# ---- the requests each entry point makes ------------------------------------------------------


# What Transaction Details' requests are: Refund and Refund Offline give money back; Rebill and
# Chargeback Reversal book it in (`orders.services.approval_rule`).
TRANSACTION_KINDS: dict[str, ApprovalKind] = {
    ops.REFUND.code: ApprovalKind.REFUND,
    ops.REFUND_OFFLINE.code: ApprovalKind.REFUND,
    ops.REBILL.code: ApprovalKind.REBILL,
    ops.CHARGEBACK_REVERSAL.code: ApprovalKind.CHARGEBACK_REVERSAL,
}


def transaction_request_add(*, order: Order, ask: ApprovalAsk, why: str = "") -> ApprovalRequest:
    """Refund, Refund Offline, Rebill or Chargeback Reversal of one transaction, asked on
    Transaction Details, under the money flow's order lock. Each form sent is a request of its
    own: two refunds of one capture both wait, and both count toward the threshold (the
    requester withdraws one they no longer want). The reason is kept and recorded when it runs.
    """
    operation = ops.OPERATIONS[ask.operation]
    kind = TRANSACTION_KINDS[operation.code]
    payload: dict[str, Any] = {
        "label": operation.label,
        "merchant_reference": ask.merchant_reference,
        "usage": ask.usage,
        "memo": ask.memo,
        "reason_id": ask.reason.pk if ask.reason is not None else None,
    }
    if kind == ApprovalKind.REFUND:
        action, payload["online"] = TRANSACTION_REFUND, operation.online
    else:
        action, payload["operation"] = TRANSACTION_OPERATION, operation.code
    return approval_request_add(
        order=order,
        user=ask.user,
        kind=kind,
        action=action,
        amount=ask.amount,
        payload=payload,
        target=f"transaction:{ask.transaction.pk}:{operation.code}:{ask.idempotency_key}"[:80],
        idempotency_key=ask.idempotency_key,
        note=ask.memo,
        transaction=ask.transaction,
        why=why,
    )


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
    reason: ReasonCode | None = None,
) -> ApprovalRequest:
    """A Refund or Refund Offline request (`transaction_request_add`) in its own transaction,
    under the order lock, whatever the threshold (scripts and tests)."""
    ask = ApprovalAsk(
        operation=(ops.REFUND if online else ops.REFUND_OFFLINE).code,
        transaction=transaction,
        user=user,
        amount=amount,
        idempotency_key=idempotency_key,
        merchant_reference=merchant_reference,
        usage=usage,
        memo=memo,
        reason=reason,
    )
    with db_transaction.atomic(durable=True):
        locked, _payments = lock_order_and_payments(transaction.order_id)
        return transaction_request_add(order=locked, ask=ask)


def mark_as_paid_request_add(
    *,
    order: Order,
    user: User,
    invoice_id: int | None,
    amount: int,
    merchant_reference: str,
    memo: str,
    expected_version: int,
    idempotency_key: str,
    why: str = "",
) -> ApprovalRequest:
    """Mark as paid, asked on the order page, under the money flow's order lock; void if the
    order changes before approval. Each form sent is a request of its own (two payments
    received are two requests; both count toward the threshold)."""
    return approval_request_add(
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
        target=f"order:{order.pk}:mark_as_paid:{idempotency_key}"[:80],
        idempotency_key=idempotency_key,
        note=memo,
        why=why,
    )


def credit_memo_approval_add(
    *,
    order: Order,
    memo: CreditMemo,
    user: User,
    goodwill: bool,
    reason: ReasonCode | None = None,
    why: str = "",
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
            "reason_id": reason.pk if reason is not None else None,
        },
        target=f"credit_memo:{memo.pk}",
        idempotency_key=f"credit-memo:{memo.pk}",
        note=memo.comment,
        credit_memo=memo,
        why=why,
    )
