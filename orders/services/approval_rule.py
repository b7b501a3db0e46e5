"""Four-eyes: whether a money move waits for a second person, the one rule of every path.

    need = approval_needed(order=order, amount=4500, kind=ApprovalKind.REFUND)
    need is None   # it runs now
    need.why()     # "with $45.00 refunded on this order in the last 24 hours, above the
                   #  store's $50.00 threshold"

A move waits when the store has a threshold (`Store.refund_approval_threshold`) and the move's
amount plus what the order already had in the same direction is above it. Nobody is exempt:
whoever asks, holding "approve refund" or not, a different person holding it decides
(`orders.approvals.services`). What the order already had, in two sums:

- money given back: every refund path (Transaction Details' Refund and Refund Offline, a credit
  memo's Refund and Refund Offline, the goodwill Refund), its rows pending, of unknown outcome
  or successful; a credit memo still pending counts with its whole total until its refunds are
  written (its refunds are then not counted twice);
- money booked in by someone's decision: Mark as paid, Capture Offline (an offline capture or
  the manual payment of an invoice), Rebill and Chargeback Reversal. They share one sum because
  each adds money that refunds may then give back: split over several kinds, one person could
  book several thresholds' worth without a second pair of eyes.

Moves count within the store's window (`Store.approval_window_hours`, 24 by default, editable
on the store's settings page), and so do the direction's requests still awaiting approval (not
yet past their expiry): a refund split into twenty small ones sends the excess to approval.

Read only. The services call it under the order lock, in the transaction that writes the move
(or the request), so two concurrent moves never both miss each other; a confirmation's preview
calls it without the lock, to say what the real request will do.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from backoffice.money import format_money
from orders.enums import CreditMemoState
from orders.models import ApprovalKind, ApprovalRequest, ApprovalState, CreditMemo, Order
from payments.enums import TransactionStatus, TransactionType
from payments.models import Transaction

T = TransactionType
K = ApprovalKind
MONEY_OUT: frozenset[str] = frozenset({K.REFUND})
MONEY_IN: frozenset[str] = frozenset(
    {K.MARK_AS_PAID, K.CAPTURE_OFFLINE, K.REBILL, K.CHARGEBACK_REVERSAL}
)
COUNTED = [TransactionStatus.PENDING, TransactionStatus.SUCCESS, TransactionStatus.UNKNOWN]
# What the sums are called in the sentence ("with $90.00 refunded on this order …").
DONE_WORDS = {
    "out": "refunded",
    "in": "booked in (Mark as paid, Capture Offline, Rebill, Chargeback Reversal)",
}


def same_direction(kind: str) -> frozenset[str]:
    """The kinds whose amounts add up with `kind`'s."""
    return MONEY_OUT if kind in MONEY_OUT else MONEY_IN


@dataclass(frozen=True)
class ApprovalNeed:
    """Why a move waits: its amount, the threshold, and what the order already had."""

    kind: str
    amount: int
    threshold: int
    currency: str
    window_hours: int
    done: int = 0  # moved in the same direction within the window
    waiting: int = 0  # asked in the same direction, still awaiting approval

    def _money(self, amount: int) -> str:
        return format_money(amount, self.currency)

    def _window(self) -> str:
        hours = self.window_hours
        return "hour" if hours == 1 else f"{hours} hours"

    def why(self) -> str:
        """ "above the store's $50.00 threshold", with what the order had when that counted:
        "with $45.00 refunded on this order in the last 24 hours and $45.00 more awaiting
        approval, above the store's $50.00 threshold"."""
        above = f"above the store's {self._money(self.threshold)} threshold"
        parts = []
        if self.done:
            word = DONE_WORDS["out" if self.kind in MONEY_OUT else "in"]
            parts.append(
                f"{self._money(self.done)} {word} on this order in the last {self._window()}"
            )
        if self.waiting:
            more = " more" if self.done else ""
            where = "" if self.done else " on this order"
            parts.append(f"{self._money(self.waiting)}{more} awaiting approval{where}")
        return f"with {' and '.join(parts)}, {above}" if parts else above


def _total(rows: QuerySet[Transaction]) -> int:
    return int(rows.aggregate(t=Sum("amount"))["t"] or 0)


def _done(order: Order, kind: str, since: datetime) -> int:
    rows = Transaction.objects.filter(order=order, status__in=COUNTED, created_at__gte=since)
    if kind in MONEY_OUT:
        pending = CreditMemo.objects.filter(
            order=order, state=CreditMemoState.PENDING, created_at__gte=since
        )
        memos = int(pending.aggregate(t=Sum("grand_total"))["t"] or 0)
        return memos + _total(rows.filter(type=T.REFUND).exclude(credit_memo__in=pending))
    booked = Q(type__in=[T.MANUAL, T.REBILL, T.CHARGEBACK_REVERSAL])
    return _total(rows.filter(booked | Q(type=T.CAPTURE, is_online=False)))


def _waiting(order: Order, kind: str, now: datetime) -> int:
    awaiting = ApprovalRequest.objects.filter(
        order=order,
        state=ApprovalState.AWAITING,
        kind__in=same_direction(kind),
        expires_at__gt=now,
    )
    return int(awaiting.aggregate(t=Sum("amount"))["t"] or 0)


def approval_needed(
    *, order: Order, amount: int, kind: str, now: datetime | None = None
) -> ApprovalNeed | None:
    """Why `amount` of `kind` on `order` must wait for a second person, or None when it may run
    now (see the module docstring). Read only: under the order lock where a write follows."""
    store = order.store
    threshold = store.refund_approval_threshold
    if threshold is None or amount <= 0:
        return None
    need = ApprovalNeed(
        kind=kind,
        amount=amount,
        threshold=threshold,
        currency=order.currency,
        window_hours=store.approval_window_hours,
    )
    if amount > threshold:
        return need  # above it on its own: what the order had changes nothing
    now = now or timezone.now()
    done = _done(order, kind, now - timedelta(hours=store.approval_window_hours))
    waiting = _waiting(order, kind, now)
    if amount + done + waiting <= threshold:
        return None
    return replace(need, done=done, waiting=waiting)
