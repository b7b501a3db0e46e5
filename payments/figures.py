"""An order's money figures: one definition of each, read by every page, rule and job.

Grand Total, Total Paid, Total Refunded, Total Due, Open to capture and Outstanding are
computed here and nowhere else: the order page, the order list, the dashboard, the invoice and
credit memo pages, Mark as paid's limit (`payments.availability_rules`), the order's state
(`orders.services.money_state`) and capture_authorized all read `order_figures`, so no two of
them can disagree. Each figure's one-line explanation sits next to its computation
(`FIGURES`); templates show it on hover (`{% figure %}`, `orders.templatetags.figures`).

- Grand Total: the order's total as placed.
- Total Paid (Magento's meaning): money captured or recorded as paid; refunds are not
  subtracted, they are Total Refunded. Chargebacks are shown apart ("Charged back").
- Total Due: what the customer still owes: Grand Total − refunded by credit memos −
  (Total Paid − Total Refunded) − captures waiting for the gateway, never below 0; 0 on a
  canceled order (nothing to collect). Magento's Grand Total − Total Paid in the usual case.
- Open to capture: what unexpired authorizations can still capture (`ledger.open_authorization`:
  0 once `expires_at` has passed, whether or not expire_authorizations has run yet).
- Outstanding: Total Due − Open to capture when positive (to collect); negative when the
  customer paid more than the order now costs (to refund); 0 otherwise ("settled" only when
  nothing is due, else "awaiting capture": authorizations cover what is due).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone

from payments.enums import PaymentAction
from payments.ledger import PaymentAmountsLike, open_authorization

if TYPE_CHECKING:
    from orders.models import Order


@dataclass(frozen=True)
class Figure:
    label: str
    help: str


# One label and one explanation per figure, shown wherever the figure is (hover).
FIGURES: dict[str, Figure] = {
    "grand_total": Figure(
        "Grand Total", "The order's total as placed: items, shipping and tax, less discounts."
    ),
    "total_paid": Figure(
        "Total Paid", "Money captured or recorded as paid on this order; refunds are shown apart."
    ),
    "total_refunded": Figure(
        "Total Refunded", "Money given back to the customer, online or offline."
    ),
    "charged_back": Figure(
        "Charged back", "Money the card holder's bank took back (chargebacks less reversals)."
    ),
    "credited": Figure(
        "Refunded by credit memos",
        "Refunds made through credit memos: they lower what the customer owes.",
    ),
    "total_due": Figure(
        "Total Due",
        "What the customer still owes: Grand Total less credit memos and the money kept; "
        "nothing on a canceled order.",
    ),
    "open_to_capture": Figure(
        "Open to capture",
        "Authorized money that can still be captured: not captured, voided or expired.",
    ),
    "outstanding": Figure(
        "Outstanding",
        "Total Due less what open authorizations cover: to collect when positive, "
        "to refund when the customer paid more than the order costs.",
    ),
}

OutstandingKind = Literal["to_collect", "to_refund", "awaiting_capture", "settled"]


@dataclass(frozen=True)
class OrderFigures:
    """An order's money; every amount in the order currency's minor units."""

    currency: str = ""
    grand_total: int = 0
    total_paid: int = 0  # captured, sales and manual payments (refunds not subtracted)
    total_refunded: int = 0
    total_charged_back: int = 0
    credited: int = 0  # refunded through credit memos (see Order.credited_amount)
    pending_capture: int = 0  # captures waiting for the gateway: counted as paid
    open_to_capture: int = 0
    canceled: bool = False
    # What the state rules read besides (orders.services.money_state).
    authorized: int = 0
    voided: int = 0
    reserved: int = 0  # pending or unknown amounts of any kind

    @property
    def net_paid(self) -> int:
        return self.total_paid - self.total_refunded

    @property
    def balance(self) -> int:
        """What is owed less what was kept; negative: the customer paid more than it costs."""
        owed = 0 if self.canceled else self.grand_total - self.credited
        return owed - self.net_paid - self.pending_capture

    @property
    def total_due(self) -> int:
        return max(self.balance, 0)

    @property
    def outstanding(self) -> int:
        """Positive: to collect; negative: to refund; open authorizations cover the rest."""
        if self.balance < 0:
            return self.balance
        return max(self.total_due - self.open_to_capture, 0)

    @property
    def outstanding_abs(self) -> int:
        return abs(self.outstanding)

    @property
    def awaiting_capture(self) -> int:
        """What open authorizations cover of the Total Due (captured, it is paid)."""
        return min(self.open_to_capture, self.total_due)

    @property
    def outstanding_kind(self) -> OutstandingKind:
        if self.outstanding > 0:
            return "to_collect"
        if self.outstanding < 0:
            return "to_refund"
        return "awaiting_capture" if self.total_due else "settled"


def order_figures(
    *,
    payments: Iterable[PaymentAmountsLike],
    grand_total: int,
    credited: int,
    canceled: bool,
    now: datetime,
    currency: str = "",
) -> OrderFigures:
    """The one computation (pure: plain data in, no query)."""
    totals = dict.fromkeys(
        (
            "total_paid",
            "total_refunded",
            "total_charged_back",
            "pending_capture",
            "open_to_capture",
            "authorized",
            "voided",
            "reserved",
        ),
        0,
    )
    for p in payments:
        totals["total_paid"] += p.amount_captured
        totals["total_refunded"] += p.amount_refunded
        totals["total_charged_back"] += p.amount_charged_back
        totals["pending_capture"] += p.pending_capture
        totals["open_to_capture"] += open_authorization(p, now=now)
        totals["authorized"] += p.amount_authorized
        totals["voided"] += p.amount_voided
        totals["reserved"] += (
            p.pending_authorization + p.pending_capture + p.pending_refund + p.pending_void
        )
    return OrderFigures(
        currency=currency, grand_total=grand_total, credited=credited, canceled=canceled, **totals
    )


def figures_of(
    order: "Order",
    *,
    now: datetime | None = None,
    payments: Iterable[PaymentAmountsLike] | None = None,
    credited: int | None = None,
) -> OrderFigures:
    """`order_figures` of an order: its payments and credit memo refunds as loaded (prefetch
    `payments` and `transactions` on pages), or as given (a list page's one query)."""
    return order_figures(
        payments=order.payments.all() if payments is None else payments,
        grand_total=order.grand_total,
        credited=order.credited_amount if credited is None else credited,
        canceled=order.is_canceled,
        now=now or timezone.now(),
        currency=order.currency,
    )


def open_to_capture_q(now: datetime | Now) -> Q:
    """Payments with money open to capture `now` (a time, or the database's `Now()`), in SQL:
    `ledger.open_authorization` > 0."""
    return Q(
        Q(expires_at__gt=now) | Q(expires_at__isnull=True),
        payment_action=PaymentAction.AUTHORIZE,
        is_expired=False,
        amount_authorized__gt=F("amount_captured")
        + F("amount_voided")
        + F("pending_capture")
        + F("pending_void"),
    )
