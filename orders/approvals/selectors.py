"""Reads for the approval panels: the order page's and the dashboard's, scoped and prefetched.

Reads never write: a request past its expiry but not closed yet (`ApprovalRequest.is_due`) is
listed as expired, its buttons disabled with the reason the POST would give; the
expire_approval_requests command (or the POST that touches it) closes it.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from backoffice.permissions import visible_store_ids
from orders.approvals.services import approval_decision_refusal
from orders.models import ApprovalRequest, ApprovalState, Order

DASHBOARD_APPROVALS = 20


@dataclass(frozen=True)
class ApprovalRow:
    """One awaiting request with what the viewing user may do about it (and why not).

    `expired`: past its expiry, not closed yet (the state shown is "Expired"; nobody may
    decide it any more)."""

    approval: ApprovalRequest
    approve_reason: str
    reject_reason: str
    state_label: str
    expired: bool

    @property
    def can_approve(self) -> bool:
        return not self.approve_reason

    @property
    def can_reject(self) -> bool:
        return not self.reject_reason


def _rows(approvals: list[ApprovalRequest], user: User, now: datetime) -> list[ApprovalRow]:
    # Nothing is written here: a request past its expiry is shown as expired (the command
    # expire_approval_requests closes it, with its history line).
    return [
        ApprovalRow(
            approval=a,
            approve_reason=approval_decision_refusal(
                approval=a, user=user, approving=True, now=now
            )[0],
            reject_reason=approval_decision_refusal(
                approval=a, user=user, approving=False, now=now
            )[0],
            state_label=a.shown_state(now),
            expired=a.is_due(now),
        )
        for a in approvals
    ]


def order_approvals(*, user: User, order: Order) -> list[ApprovalRow]:
    """The order's requests awaiting a decision, those past their expiry shown as expired
    (one query; the order's store is reused)."""
    approvals = list(
        ApprovalRequest.objects.filter(order=order, state=ApprovalState.AWAITING).select_related(
            "transaction", "credit_memo"
        )
    )
    for approval in approvals:
        approval.order, approval.store = order, order.store
    return _rows(approvals, user, timezone.now())


def awaiting_approvals(*, user: User) -> list[ApprovalRow]:
    """The dashboard's list: awaiting requests of the stores the user may view, oldest first
    (the first to expire; those past it shown as expired). One query whatever the number of
    stores."""
    approvals = list(
        ApprovalRequest.objects.filter(
            state=ApprovalState.AWAITING, store_id__in=visible_store_ids(user)
        )
        .select_related("order", "store")
        .order_by("requested_at", "id")[:DASHBOARD_APPROVALS]
    )
    return _rows(approvals, user, timezone.now())


def approvals_visible(*, user: User) -> QuerySet[ApprovalRequest]:
    return ApprovalRequest.objects.filter(store_id__in=visible_store_ids(user))


def approval_get(*, order: Order, approval_id: int) -> ApprovalRequest:
    """A request of this (already scoped) order, or 404."""
    return get_object_or_404(
        ApprovalRequest.objects.select_related("store"), pk=approval_id, order=order
    )
