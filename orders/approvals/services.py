"""Deciding approval requests: approve (then run), reject, withdraw, and expire.

    from orders.approvals import services as approvals

    outcome = approvals.approval_approve(approval=request_row, user=request.user)
    outcome.ok, outcome.message        # "Refund of €600.00 approved and done: …"
    approvals.approval_reject(approval=request_row, user=request.user, reason="Not agreed")
    approvals.approval_withdraw(approval=request_row, user=request.user)  # the requester
    approvals.approval_requests_expire_due(now=timezone.now())   # expire_approval_requests

Rules, all checked under the order lock (order first, then the request row):
- the decider holds "approve refund" on the request's store (else a DomainError with code
  PERMISSION_DENIED: 403);
- nobody approves or rejects their own request, whatever they hold (the same, nothing
  written); the requester may withdraw it instead, while it awaits (holding the permission
  its operation needs; anyone else is refused, 422);
- only a request still awaiting is decided; one past `expires_at`
  (settings.REFUND_APPROVAL_TTL_HOURS) is closed as expired, with its history line, by the POST
  that touches it (approve, reject) or by the expire_approval_requests command. Pages never
  write: until then they show it as expired (`ApprovalRequest.is_due`), its buttons disabled;
- approving re-checks that the request still fits (the requester's permission, the order's
  state and the amount, see `actions`): if not, the request is void and nothing runs;
- the operation then runs through its own service outside any transaction (the money skeleton
  needs that) with the request's idempotency key, so it can never run twice.
Every step writes a line in the order's history.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from backoffice.errors import DomainError, ErrorCode
from backoffice.permissions import permission_reason, store_permissions
from backoffice.users import user_label
from orders.approvals.actions import ApprovalAction
from orders.approvals.actions_booked_in import ACTIONS
from orders.models import ApprovalRequest, ApprovalState, Order, due_q
from orders.services.approval_requests import (
    APPROVE_PERMISSION,
    approval_close,
    approval_comment,
    what_text,
    when_text,
)
from payments.locks import lock_order_and_payments

logger = logging.getLogger(__name__)

SELF_APPROVAL = "You cannot approve your own request."
SELF_REJECTION = "You cannot reject your own request; withdraw it instead."
REQUESTER_GONE = "the requester's account is no longer active"


class ApprovalRefused(DomainError):
    """The decision can't be taken now (already decided): nothing was written."""

    default_code = ErrorCode.NOT_AVAILABLE


@dataclass(frozen=True)
class ApprovalOutcome:
    approval: ApprovalRequest
    ok: bool
    message: str


def approval_decision_refusal(
    *, approval: ApprovalRequest, user: User, approving: bool, now: datetime
) -> tuple[str, bool]:
    """Why `user` may not decide this request now ("" when they may), and whether the POST
    is forbidden (403: own request, missing permission) rather than refused for its state
    (422). The order page disables its buttons with the same answer."""
    if approval.requested_by_id == user.pk:
        return (SELF_APPROVAL if approving else SELF_REJECTION), True
    if not store_permissions(user).has(APPROVE_PERMISSION, approval.store_id):
        return permission_reason(APPROVE_PERMISSION, store=approval.store), True
    if approval.is_due(now):
        return f"The request expired on {when_text(approval.expires_at, approval.store)}.", False
    if not approval.is_awaiting:
        return f"The request is already {approval.get_state_display().lower()}.", False
    return "", False


def _locked(approval: ApprovalRequest) -> tuple[Order, ApprovalRequest]:
    # Order first, like every money writer, so approving and the operation it runs never wait
    # on each other crosswise; then the request row, so two deciders are serialised.
    order, _payments = lock_order_and_payments(approval.order_id)
    return order, _locked_requests([approval.pk]).get()


def _locked_requests(pks: list[int]) -> QuerySet[ApprovalRequest]:
    return (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("store", "requested_by", "credit_memo__invoice", "transaction")
        .filter(pk__in=pks)
        .order_by("pk")
    )


def _guard(row: ApprovalRequest, user: User, *, approving: bool, now: datetime) -> None:
    reason, is_permission = approval_decision_refusal(
        approval=row, user=user, approving=approving, now=now
    )
    if is_permission:
        raise DomainError(ErrorCode.PERMISSION_DENIED, reason)
    if reason and not row.is_due(now):
        raise ApprovalRefused(message=reason)


def _expire(row: ApprovalRequest, order: Order, now: datetime) -> ApprovalOutcome:
    ttl_end = when_text(row.expires_at, row.store)
    approval_close(row, order, state=ApprovalState.EXPIRED, reason=f"not decided by {ttl_end}")
    ACTIONS[row.action].released(row, order)
    return ApprovalOutcome(row, False, f"The request expired on {ttl_end}; ask for it again.")


def _void(row: ApprovalRequest, order: Order, why: str, user: User) -> ApprovalOutcome:
    approval_close(row, order, state=ApprovalState.VOID, reason=why, user=user)
    ACTIONS[row.action].released(row, order)
    return ApprovalOutcome(row, False, f"The request is void: {why.rstrip('.')}. Nothing was done.")


def _requester_refusal(row: ApprovalRequest, requester: User, action: ApprovalAction) -> str:
    codename = action.permission(row)
    if not requester.is_active:
        return REQUESTER_GONE
    if not store_permissions(requester).has(codename, row.store_id):
        return f"the requester no longer holds it ({permission_reason(codename, store=row.store)})"
    return ""


def approval_approve(
    *, approval: ApprovalRequest, user: User, now: datetime | None = None
) -> ApprovalOutcome:
    """Approve and run the request (see the module docstring for every check)."""
    now = now or timezone.now()
    action = ACTIONS[approval.action]
    with transaction.atomic(durable=True):
        order, row = _locked(approval)
        _guard(row, user, approving=True, now=now)
        if row.is_due(now):
            return _expire(row, order, now)
        requester = row.requested_by  # None: the requester's account was deleted
        if requester is None:
            return _void(row, order, REQUESTER_GONE, user)
        why = _requester_refusal(row, requester, action) or action.check(row, order, requester)
        if why:
            return _void(row, order, why, user)
        row.state, row.decided_at = ApprovalState.APPROVED, now
        row.decided_by, row.decided_by_label = user, user_label(user)
        row.save(update_fields=["state", "decided_at", "decided_by", "decided_by_label"])
        action.approved(row, order)
        approval_comment(
            row,
            order,
            f"{what_text(row)} requested by {row.requested_by_label} was approved by "
            f"{row.decided_by_label}.",
            author=user,
        )
    executed = action.execute(row, requester)
    if executed.refused:
        # Refused by the operation's own checks (something changed in the instant between
        # the two locks): the approval stands in the history, the request ends void.
        with transaction.atomic(durable=True):
            order, row = _locked(row)
            return _void(row, order, executed.message, user)
    ApprovalRequest.objects.filter(pk=row.pk).update(outcome=executed.message)
    row.outcome = executed.message
    return ApprovalOutcome(row, executed.ok, f"Approved. {executed.message}")


def approval_reject(
    *,
    approval: ApprovalRequest,
    user: User,
    reason: str = "",
    now: datetime | None = None,
) -> ApprovalOutcome:
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        order, row = _locked(approval)
        _guard(row, user, approving=False, now=now)
        if row.is_due(now):
            return _expire(row, order, now)
        approval_close(
            row, order, state=ApprovalState.REJECTED, reason=reason.strip(), user=user, now=now
        )
        ACTIONS[row.action].released(row, order)
    return ApprovalOutcome(
        row,
        True,
        f"{what_text(row)} requested by {row.requested_by_label} was rejected. Nothing was done.",
    )


def approval_withdrawal_refusal(
    *, approval: ApprovalRequest, user: User, now: datetime
) -> tuple[str, bool]:
    """Why `user` may not withdraw this request now ("" when they may), and whether it is a
    permission matter (403) rather than one of state or person (422)."""
    codename = ACTIONS[approval.action].permission(approval)
    if not store_permissions(user).has(codename, approval.store_id):
        return permission_reason(codename, store=approval.store), True
    if approval.requested_by_id != user.pk:
        who = approval.requested_by_label
        return f"Only {who}, who asked for it, can withdraw this request.", False
    if approval.is_due(now):
        return f"The request expired on {when_text(approval.expires_at, approval.store)}.", False
    if not approval.is_awaiting:
        return f"The request is already {approval.get_state_display().lower()}.", False
    return "", False


def approval_withdraw(
    *, approval: ApprovalRequest, user: User, now: datetime | None = None
) -> ApprovalOutcome:
    """The requester takes back their request before anybody decided: it ends withdrawn, with
    its history line, and what it reserved is released (a credit memo awaiting approval is
    canceled). Refused, nothing written, for anyone else or once decided."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        order, row = _locked(approval)
        reason, is_permission = approval_withdrawal_refusal(approval=row, user=user, now=now)
        if is_permission:
            raise DomainError(ErrorCode.PERMISSION_DENIED, reason)
        if row.is_due(now) and row.requested_by_id == user.pk:
            return _expire(row, order, now)
        if reason:
            raise ApprovalRefused(message=reason)
        approval_close(row, order, state=ApprovalState.WITHDRAWN, reason="", user=user, now=now)
        ACTIONS[row.action].released(row, order)
    return ApprovalOutcome(row, True, f"{what_text(row)} is withdrawn. Nothing was done.")


def approval_requests_due(
    *, now: datetime, store_code: str | None = None, limit: int | None = None
) -> QuerySet[ApprovalRequest]:
    """The requests still awaiting past their expiry, the first to expire first (what
    `approval_requests_expire_due` closes, and what its dry run lists)."""
    due = ApprovalRequest.objects.filter(due_q(now))
    if store_code:
        due = due.filter(store__code=store_code)
    due = due.select_related("order", "store").order_by("expires_at", "pk")
    return due[:limit] if limit else due


@dataclass(frozen=True)
class ExpiredRun:
    """What `approval_requests_expire_due` did: the requests it closed (their outcome says
    so), and those it could not close with why (their order's transaction rolled back)."""

    expired: list[ApprovalOutcome]
    failed: list[tuple[ApprovalRequest, str]]


def approval_requests_expire_due(
    *, now: datetime | None = None, store_code: str | None = None, limit: int | None = None
) -> ExpiredRun:
    """Close as expired the requests past their time (at most `limit`, of one store with
    `store_code`): per order, in its own transaction under the order lock, each request is read
    again (an approval, a rejection or a new request may have closed it meanwhile) and closed
    as the POST that touches a due request closes it: state expired, the history line, and what
    it reserved released (a credit memo awaiting approval is canceled).

    One order failing (its transaction rolls back) is reported in `failed`; the others go on.
    """
    now = now or timezone.now()
    by_order: dict[int, list[ApprovalRequest]] = {}
    for approval in approval_requests_due(now=now, store_code=store_code, limit=limit):
        by_order.setdefault(approval.order_id, []).append(approval)
    expired: list[ApprovalOutcome] = []
    failed: list[tuple[ApprovalRequest, str]] = []
    for order_id, approvals in by_order.items():
        try:
            with transaction.atomic(durable=True):
                order, _payments = lock_order_and_payments(order_id)
                rows = _locked_requests([approval.pk for approval in approvals])
                closed = []
                for row in rows:
                    if row.is_due(now):
                        row.order = order
                        closed.append(_expire(row, order, now))
        except Exception as error:  # reported; the other orders go on
            logger.exception("Expiring the approval requests of order %s failed", order_id)
            failed.extend((approval, f"{type(error).__name__}: {error}") for approval in approvals)
            continue
        expired.extend(closed)
    return ExpiredRun(expired=expired, failed=failed)
