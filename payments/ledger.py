"""Recompute a payment's cached amounts and status from its transactions.

Rules (the only place they are written down in code):
- authorized = successful pre-authorizations + debits + rebills + manual payments.
- captured   = successful captures + debits + rebills + manual payments.
- voided     = successful reversals (an offline reversal records an expired authorization).
- refunded   = successful refunds.
- charged back = successful chargebacks − successful chargeback reversals.
- pending_*  = pending or unknown rows of that type: the amount stays reserved until the
  outcome is known, so two staff members can never both spend it.
Failed rows count for nothing.

`compute_amounts` is pure (no database) so it can be tested on plain data;
`payments.recompute.orders_payments_recompute` applies it to locked Payment rows. An order's
figures across its payments (Total Paid, Total Due, Outstanding…) are `payments.figures`.
"""

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Protocol

from payments.enums import PaymentStatus, TransactionStatus, TransactionType

T = TransactionType
OPEN_STATUSES = frozenset({TransactionStatus.PENDING, TransactionStatus.UNKNOWN})


class LedgerRow(Protocol):
    """What `compute_amounts` reads of a row: a `Transaction` or a `LedgerRowData`."""

    @property
    def type(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def amount(self) -> int: ...


class AnsweredRow(Protocol):
    status: str
    gateway_response: dict[str, object] | None


@dataclass(frozen=True)
class LedgerRowData:
    type: str
    status: str
    amount: int


@dataclass(frozen=True)
class PaymentAmounts:
    amount_authorized: int = 0
    amount_captured: int = 0
    amount_refunded: int = 0
    amount_voided: int = 0
    amount_charged_back: int = 0
    pending_authorization: int = 0
    pending_capture: int = 0
    pending_refund: int = 0
    pending_void: int = 0
    has_unknown: bool = False

    def as_fields(self) -> dict[str, int]:
        fields = asdict(self)
        fields.pop("has_unknown")
        return fields


_SETTLED: dict[str, tuple[str, ...]] = {
    T.AUTHORIZATION: ("amount_authorized",),
    T.DEBIT: ("amount_authorized", "amount_captured"),
    T.REBILL: ("amount_authorized", "amount_captured"),
    T.MANUAL: ("amount_authorized", "amount_captured"),
    T.CAPTURE: ("amount_captured",),
    T.REVERSAL: ("amount_voided",),
    T.REFUND: ("amount_refunded",),
    T.CHARGEBACK: ("amount_charged_back",),
}
_PENDING: dict[str, str] = {
    T.AUTHORIZATION: "pending_authorization",
    T.DEBIT: "pending_authorization",
    T.REBILL: "pending_authorization",
    T.CAPTURE: "pending_capture",
    T.REVERSAL: "pending_void",
    T.REFUND: "pending_refund",
}


def compute_amounts(rows: Iterable[LedgerRow]) -> PaymentAmounts:
    totals: dict[str, int] = dict.fromkeys(PaymentAmounts().as_fields(), 0)
    has_unknown = False
    for row in rows:
        if row.status == TransactionStatus.SUCCESS:
            if row.type == T.CHARGEBACK_REVERSAL:
                totals["amount_charged_back"] -= row.amount
            for field in _SETTLED.get(row.type, ()):
                totals[field] += row.amount
        elif row.status in OPEN_STATUSES:
            has_unknown = has_unknown or row.status == TransactionStatus.UNKNOWN
            pending = _PENDING.get(row.type)
            if pending:
                totals[pending] += row.amount
    return PaymentAmounts(**totals, has_unknown=has_unknown)


def compute_status(
    amounts: PaymentAmounts,
    *,
    amount_requested: int = 0,
    is_expired: bool = False,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> PaymentStatus:
    """Medusa's payment status for one payment, plus expired and charged back."""
    a = amounts
    if a.has_unknown:
        return PaymentStatus.REQUIRES_ACTION
    # A chargeback wins only once it takes everything still kept; a partial one leaves the
    # real state (what is still captured is still the merchant's).
    if 0 < a.amount_charged_back >= a.amount_captured - a.amount_refunded:
        return PaymentStatus.CHARGED_BACK
    if a.amount_refunded > 0:
        if a.amount_refunded >= a.amount_captured:
            return PaymentStatus.REFUNDED
        return PaymentStatus.PARTIALLY_REFUNDED
    open_authorization = a.amount_authorized - a.amount_captured - a.amount_voided
    if a.amount_captured > 0:
        if open_authorization > 0 and not is_expired:
            return PaymentStatus.PARTIALLY_CAPTURED
        return PaymentStatus.CAPTURED
    if a.amount_authorized > 0:
        if is_expired or (expires_at and now and expires_at <= now and open_authorization > 0):
            return PaymentStatus.EXPIRED
        if open_authorization <= 0:
            return PaymentStatus.CANCELED
        if amount_requested and a.amount_authorized < amount_requested:
            return PaymentStatus.PARTIALLY_AUTHORIZED
        return PaymentStatus.AUTHORIZED
    if a.pending_authorization > 0:
        return PaymentStatus.AWAITING
    return PaymentStatus.NOT_PAID


def aggregate_order_status(
    statuses: list[str],
    *,
    grand_total: int,
    captured: int,
    refunded: int,
    authorized: int,
    charged_back: int | None = None,
) -> PaymentStatus:
    """The order's payment status across all its payments.

    A chargeback standing on any payment shows at order level, whatever else happened (a
    dispute must not hide behind "partially refunded"): charged back when the chargebacks take
    all that is still kept (captured − refunded), partially charged back otherwise; a
    chargeback reversal that gives it all back ends it. `charged_back` None: judged from the
    payments' statuses alone.
    """
    S = PaymentStatus
    if not statuses:
        return S.NOT_PAID
    if S.REQUIRES_ACTION in statuses:
        return S.REQUIRES_ACTION
    if charged_back is None:
        if S.CHARGED_BACK in statuses:
            return S.CHARGED_BACK
    elif charged_back > 0:
        return S.CHARGED_BACK if charged_back >= captured - refunded else S.PARTIALLY_CHARGED_BACK
    if refunded > 0:
        return S.REFUNDED if refunded >= captured else S.PARTIALLY_REFUNDED
    if captured > 0:
        return S.CAPTURED if captured >= grand_total else S.PARTIALLY_CAPTURED
    if S.AUTHORIZED in statuses or S.PARTIALLY_AUTHORIZED in statuses:
        return S.AUTHORIZED if authorized >= grand_total else S.PARTIALLY_AUTHORIZED
    if S.AWAITING in statuses:
        return S.AWAITING
    if S.EXPIRED in statuses:
        return S.EXPIRED
    if all(s == S.CANCELED for s in statuses):
        return S.CANCELED
    return S.NOT_PAID


class PaymentAmountsLike(Protocol):
    amount_authorized: int
    amount_captured: int
    amount_refunded: int
    amount_voided: int
    amount_charged_back: int
    pending_capture: int
    pending_void: int
    pending_refund: int
    pending_authorization: int
    is_expired: bool
    expires_at: datetime | None


def is_authorization_expired(payment: PaymentAmountsLike, *, now: datetime) -> bool:
    return payment.is_expired or (payment.expires_at is not None and payment.expires_at <= now)


def uncaptured_remainder(payment: PaymentAmountsLike) -> int:
    """Authorized money neither captured, voided nor reserved by an open capture or void."""
    return max(
        payment.amount_authorized
        - payment.amount_captured
        - payment.amount_voided
        - payment.pending_capture
        - payment.pending_void,
        0,
    )


def open_authorization(payment: PaymentAmountsLike, *, now: datetime) -> int:
    """What can still be captured: the uncaptured remainder of an unexpired authorization."""
    return 0 if is_authorization_expired(payment, now=now) else uncaptured_remainder(payment)


def needs_review(txn: AnsweredRow) -> bool:
    """Unknown outcome, or the gateway answered "pending": a person or reconcile must look.

    A pending row without an answer is an operation still talking to the gateway, not a
    reason for review.
    """
    if txn.status == TransactionStatus.UNKNOWN:
        return True
    answered = (txn.gateway_response or {}).get("status") == TransactionStatus.PENDING
    return txn.status == TransactionStatus.PENDING and answered
