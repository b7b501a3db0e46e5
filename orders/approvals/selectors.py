"""Reads for the approval panels: the order page's and the dashboard's, scoped and prefetched.

Reads never write: a request past its expiry but not closed yet (`ApprovalRequest.is_due`) is
listed as expired, its buttons disabled with the reason the POST would give; the
expire_approval_requests command (or the POST that touches it) closes it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import Count, QuerySet, Window
from django.shortcuts import get_object_or_404
from django.utils import timezone

from backoffice.permissions import visible_stores_q
from orders.approvals.services import approval_decision_refusal, approval_withdrawal_refusal
from orders.models import ApprovalRequest, ApprovalState, Order


@dataclass(frozen=True)
class ApprovalRow:
    """One awaiting request with what the viewing user may do about it (and why not).

    `expired`: past its expiry, not closed yet (the state shown is "Expired"; nobody may
    decide it any more). `is_requester`: the viewing user asked for it (they may withdraw it,
    never decide it); `withdraw_reason` says why they may not withdraw it now."""

    approval: ApprovalRequest
    approve_reason: str
    reject_reason: str
    state_label: str
    expired: bool
    is_requester: bool = False
    withdraw_reason: str = ""

    @property
    def can_approve(self) -> bool:
        return not self.approve_reason

    @property
    def can_reject(self) -> bool:
        return not self.reject_reason

    @property
    def can_withdraw(self) -> bool:
        return self.is_requester and not self.withdraw_reason


def _rows(approvals: Sequence[ApprovalRequest], user: User, now: datetime) -> list[ApprovalRow]:
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
            is_requester=a.requested_by_id == user.pk,
            withdraw_reason=approval_withdrawal_refusal(approval=a, user=user, now=now)[0]
            if a.requested_by_id == user.pk
            else "",
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


@dataclass(frozen=True)
class AwaitingApprovals:
    """The dashboard's list: the rows it shows and how many requests await in all."""

    rows: list[ApprovalRow]
    total: int


def awaiting_approvals(*, user: User, limit: int | None) -> AwaitingApprovals:
    """The oldest `limit` requests awaiting a decision in the stores the user may view (None:
    every one), those past their expiry listed as expired, and how many there are: one query
    whatever the number of stores (the total is a window count over the same rows)."""
    approvals = (
        ApprovalRequest.objects.filter(visible_stores_q(user), state=ApprovalState.AWAITING)
        .select_related("order", "store")
        .annotate(total=Window(Count("pk")))
        .order_by("requested_at", "id")
    )
    fetched = list(approvals if limit is None else approvals[:limit])
    total = fetched[0].total if fetched else 0
    return AwaitingApprovals(rows=_rows(fetched, user, timezone.now()), total=total)


def approvals_visible(*, user: User) -> QuerySet[ApprovalRequest]:
    return ApprovalRequest.objects.filter(visible_stores_q(user))


def approval_get(*, order: Order, approval_id: int) -> ApprovalRequest:
    """A request of this (already scoped) order, or 404."""
    return get_object_or_404(
        ApprovalRequest.objects.select_related("store"), pk=approval_id, order=order
    )
