"""What expire_authorizations decides for an order, and the rules both of its paths apply.

The one-order path (`expiry.py`, `ExpireAuthorizations.process`) and the chunk path
(`expiry_chunk.py`) share them: the authorizations to release (`Release`) and what became of
each (`Released`), the order's `Plan`, whether releasing them leaves the order to cancel
(`cancels_order`, `cancel_if_nothing_left`), and the history's sentence for an expired
authorization (`expiry_comment`).
"""

from dataclasses import dataclass

from backoffice.money import format_money
from orders.batch.expiring import is_open_authorization
from orders.enums import CommentSource, OrderState
from orders.models import Order
from orders.services.invoice_outcome import authorization_label
from orders.services.state import can_change_state, order_change_state
from payments.enums import TransactionSource
from payments.gateways import capabilities_for_payment
from payments.models import Payment
from payments.services import Outcome

BATCH = TransactionSource.BATCH


@dataclass(frozen=True)
class Release:
    """One expired authorization to release, as decided under the lock."""

    payment: Payment
    amount: int
    online: bool
    expired_on: str


@dataclass(frozen=True)
class Plan:
    order: Order
    releases: list[Release]
    cancels_order: bool
    documents: str  # what was canceled with it ("2 item unit(s) not invoiced"), for the line


@dataclass(frozen=True)
class Released:
    release: Release
    how: str = ""  # "online" or "offline" once released
    problem: str = ""  # why it was not released
    # The gateway's answer: unknown (a timeout, an error) or pending; reconcile_payments
    # settles it with the same key.
    waiting: Outcome | None = None


def cancel_if_nothing_left(order: Order, payments: list[Payment], *, save: bool = True) -> bool:
    """Cancel the order (under its lock) when nothing was captured and nothing stays open."""
    untouched = not any(p.amount_captured or p.pending_capture for p in payments)
    closed = not any(is_open_authorization(p) for p in payments)
    if not (untouched and closed and can_change_state(order, OrderState.CANCELED)):
        return False
    return order_change_state(
        order=order,
        to=OrderState.CANCELED,
        reason="The authorization expired and nothing was captured.",
        source=CommentSource.BATCH,
        save=save,
    )


def cancels_order(payments: list[Payment], releases: list[Release]) -> bool:
    """Nothing captured (or being captured), and nothing stays open once these are released."""
    releasing = {r.payment.pk for r in releases}
    if any(p.amount_captured or p.pending_capture for p in payments):
        return False
    return all(p.pk in releasing or not is_open_authorization(p) for p in payments)


def expiry_comment(release: Release) -> str:
    """The history's sentence for an authorization found expired."""
    payment = release.payment
    money = format_money(release.amount, payment.currency)
    head = f"{authorization_label(payment).capitalize()} expired on {release.expired_on}"
    if release.online:
        return f"{head}: asking the gateway to release its uncaptured {money}."
    days = capabilities_for_payment(payment).authorization_validity_days
    return (
        f"{head} (the gateway keeps authorizations {days} days): its uncaptured {money} is "
        "recorded as expired."
    )
