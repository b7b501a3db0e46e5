"""The one registry of payment operations: what each needs and whether it is available now.

Buttons, their disabled reasons and each operation's POST guard all ask this module, and the
services ask it again under the order lock, so a button and its POST never disagree.

    from payments import operations as ops

    # One operation on one target (a Transaction, a Payment, or an Order for Mark as paid):
    a = ops.availability(ops.CAPTURE, user=request.user, target=transaction)
    a.allowed       # bool (also `if a:`)
    a.reason        # "Capture is unavailable: the authorization expired on 8 Nov 2026"
    a.code          # ErrorCode.PERMISSION_DENIED (→ 403) or ErrorCode.NOT_AVAILABLE (→ 409)
    a.max_amount    # minor units the amount field may hold (None: no upper limit, Rebill)
    a.amount_editable  # False: the gateway only takes the full max_amount (no partial)

    # Everything a page shows for a target, in display order (one permission query per store):
    for op, a in ops.available_operations(user=request.user, target=transaction):
        ...  # op.code, op.label; render disabled with a.reason when not a.allowed

    ops.OPERATIONS["refund"]          # look an operation up by its code (URLs use the code)
    ops.TRANSACTION_OPERATIONS["PA"]  # (CAPTURE, VOID): Transaction Details, by type

Rules, checked in this order; the first that fails gives the reason:
1. the store permission (`backoffice.models.OPERATION_PERMISSIONS`, read once per request by
   `backoffice.permissions.store_permissions`); `user=None` is the system (batch jobs) and is
   always allowed. First, so a POST without it is a 403 whatever the target's state;
2. the target's transaction type (pre-authorization → Capture, Reversal; capture → Refund,
   Chargeback; debit/rebill → Rebill, Refund, Chargeback; chargeback → Chargeback Reversal;
   refund → none) and its status (only successful transactions are acted on);
3. the order: on hold, in payment review, canceled or closed block every operation except
   recording chargebacks and their reversals, which are facts reported by the acquirer;
4. the payment: gateway able to work online, authorization not expired, gateway capability
   (multiple captures, partial capture/refund), and something left (amounts reserved by
   operations waiting for the gateway count as spent).

Targets should come with `payment__order__store` (or `order__store`) selected; the payment's
transactions are read once per payment (prefetch `transactions` for lists).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from backoffice.models import Store
from backoffice.money import format_money
from backoffice.permissions import ALL_CODENAMES, permission_reason, store_permissions
from orders.enums import OrderState
from orders.models import Order
from payments.enums import PaymentAction, TransactionStatus, TransactionType
from payments.errors import ErrorCode
from payments.gateways import capabilities_for_payment
from payments.ledger import (
    is_authorization_expired,
    open_authorization,
    outstanding_amount,
    uncaptured_remainder,
)
from payments.models import Payment, Transaction

T = TransactionType
S = TransactionStatus
CASH_IN = frozenset({T.CAPTURE, T.DEBIT, T.REBILL, T.MANUAL})
OPEN = frozenset({S.PENDING, S.UNKNOWN})

Target = Transaction | Payment | Order


@dataclass(frozen=True)
class Operation:
    code: str
    label: str
    permission: str  # codename in backoffice.models.OPERATION_PERMISSIONS
    transaction_types: frozenset[str]  # the transaction types it acts on
    online: bool
    # Chargebacks are facts reported by the acquirer: recorded whatever the order's state.
    blocked_by_order_state: bool = True
    wrong_type: str = ""

    def __str__(self) -> str:
        return self.label


CAPTURE = Operation(
    "capture", "Capture", "capture_online", frozenset({T.AUTHORIZATION}), online=True,
    wrong_type="only a pre-authorization can be captured",
)  # fmt: skip
CAPTURE_OFFLINE = Operation(
    "capture_offline", "Capture Offline", "capture_offline", frozenset({T.AUTHORIZATION}),
    online=False, wrong_type="only a pre-authorization can be captured",
)  # fmt: skip
VOID = Operation(
    "void", "Reversal", "void_payment", frozenset({T.AUTHORIZATION}), online=True,
    wrong_type="only a pre-authorization can be reversed",
)  # fmt: skip
# Records that an authorization lapsed or was released outside the gateway (expiry job).
VOID_OFFLINE = Operation(
    "void_offline", "Reversal Offline", "void_payment", frozenset({T.AUTHORIZATION}),
    online=False, wrong_type="only a pre-authorization can be reversed",
)  # fmt: skip
# The expiry job's attempt to release an authorization past its expiry date: some gateways still
# release the cardholder's hold, others answer that it expired. Offered to no one in the UI.
VOID_EXPIRED = Operation(
    "void_expired", "Reversal", "void_payment", frozenset({T.AUTHORIZATION}), online=True,
    wrong_type="only a pre-authorization can be reversed",
)  # fmt: skip
REFUND = Operation(
    "refund", "Refund", "refund_online", frozenset({T.CAPTURE, T.DEBIT, T.REBILL}), online=True,
    wrong_type="only a capture, debit or rebill can be refunded",
)  # fmt: skip
REFUND_OFFLINE = Operation(
    "refund_offline", "Refund Offline", "refund_offline", CASH_IN, online=False,
    wrong_type="only a capture, debit, rebill or manual payment can be refunded",
)  # fmt: skip
CHARGEBACK = Operation(
    "chargeback", "Chargeback", "record_chargeback", frozenset({T.CAPTURE, T.DEBIT, T.REBILL}),
    online=False, blocked_by_order_state=False,
    wrong_type="only a capture, debit or rebill can be charged back",
)  # fmt: skip
CHARGEBACK_REVERSAL = Operation(
    "chargeback_reversal", "Chargeback Reversal", "record_chargeback",
    frozenset({T.CHARGEBACK}), online=False, blocked_by_order_state=False,
    wrong_type="only a chargeback can be reversed",
)  # fmt: skip
REBILL = Operation(
    "rebill", "Rebill", "rebill_payment", frozenset({T.DEBIT, T.REBILL}), online=True,
    wrong_type="only a debit or rebill can be rebilled",
)  # fmt: skip
MARK_AS_PAID = Operation(
    "mark_as_paid", "Mark as paid", "mark_as_paid", frozenset(), online=False,
    wrong_type="Mark as paid applies to an order",
)  # fmt: skip

OPERATIONS: dict[str, Operation] = {
    op.code: op
    for op in [
        CAPTURE,
        CAPTURE_OFFLINE,
        VOID,
        VOID_OFFLINE,
        VOID_EXPIRED,
        REFUND,
        REFUND_OFFLINE,
        CHARGEBACK,
        CHARGEBACK_REVERSAL,
        REBILL,
        MARK_AS_PAID,
    ]
}

# Transaction Details: the operations each type offers (DESIGN.md's contract), in order.
TRANSACTION_OPERATIONS: dict[str, tuple[Operation, ...]] = {
    T.AUTHORIZATION: (CAPTURE, VOID),
    T.CAPTURE: (REFUND, CHARGEBACK),
    T.DEBIT: (REBILL, REFUND, CHARGEBACK),
    T.REBILL: (REBILL, REFUND, CHARGEBACK),
    T.CHARGEBACK: (CHARGEBACK_REVERSAL,),
    T.MANUAL: (REFUND_OFFLINE,),
    T.REFUND: (),
    T.REVERSAL: (),
    T.CHARGEBACK_REVERSAL: (),
}
# The order page's payment panel, in order.
PAYMENT_OPERATIONS: tuple[Operation, ...] = (
    CAPTURE,
    CAPTURE_OFFLINE,
    VOID,
    REFUND,
    REFUND_OFFLINE,
    CHARGEBACK,
)
ORDER_OPERATIONS: tuple[Operation, ...] = (MARK_AS_PAID,)


@dataclass(frozen=True)
class Availability:
    operation: Operation
    allowed: bool
    reason: str = ""
    code: ErrorCode | None = None
    max_amount: int | None = 0
    amount_editable: bool = True
    currency: str = ""

    def __bool__(self) -> bool:
        return self.allowed


# -- permissions ---------------------------------------------------------------------------


def store_codenames(user: AbstractBaseUser | None, store: Store) -> frozenset[str]:
    """Operation codenames `user` holds on `store` (global ones apply to every store).

    Read through `backoffice.permissions.store_permissions`: one query per user object for
    every store, shared with the order registry and the store scoping of lists.
    """
    if user is None:  # the system: batch jobs, as in `availability`
        return ALL_CODENAMES
    return store_permissions(user).codenames(store)


# -- the rules -----------------------------------------------------------------------------


def _money(amount: int, currency: str) -> str:
    return format_money(amount, currency)


def _date(moment: datetime, store: Store) -> str:
    local = moment.astimezone(ZoneInfo(store.timezone or "UTC"))
    return f"{local.day} {local:%b %Y}"


_STATE_REASONS = {
    OrderState.HOLDED: "the order is on hold",
    OrderState.PAYMENT_REVIEW: "the order is in payment review",
    OrderState.CANCELED: "the order is canceled",
    OrderState.CLOSED: "the order is closed",
}

_NOUNS = {
    T.AUTHORIZATION: "pre-authorization",
    T.DEBIT: "debit",
    T.CAPTURE: "capture",
    T.REBILL: "rebill",
    T.MANUAL: "manual payment",
    T.CHARGEBACK: "chargeback",
    T.REFUND: "refund",
    T.REVERSAL: "reversal",
    T.CHARGEBACK_REVERSAL: "chargeback reversal",
}


class _No(Exception):
    """A rule failed: `why` completes "<Label> is unavailable: …"."""

    def __init__(self, why: str) -> None:
        self.why = why


@dataclass
class _Context:
    operation: Operation
    order: Order
    payment: Payment | None
    transaction: Transaction | None
    now: datetime

    @property
    def currency(self) -> str:
        return self.order.currency

    def rows(self) -> list[Transaction]:
        assert self.payment is not None
        return list(self.payment.transactions.all())


def _split(target: Target) -> tuple[Order, Payment | None, Transaction | None]:
    if isinstance(target, Transaction):
        return target.payment.order, target.payment, target
    if isinstance(target, Payment):
        return target.order, target, None
    if isinstance(target, Order):
        return target, None, None
    raise TypeError(f"Operations act on a Transaction, Payment or Order, not {target!r}.")


def _children_total(rows: Iterable[Transaction], parent: Transaction, types: set[str]) -> int:
    return sum(
        r.amount
        for r in rows
        if r.parent_id == parent.pk
        and r.type in types
        and (r.status == S.SUCCESS or r.status in OPEN)
    )


def _charged_back_on(rows: list[Transaction], parent: Transaction) -> int:
    chargebacks = [r for r in rows if r.parent_id == parent.pk and r.type == T.CHARGEBACK]
    total = 0
    for cb in chargebacks:
        if cb.status == S.SUCCESS:
            total += cb.amount - _children_total(rows, cb, {T.CHARGEBACK_REVERSAL})
    return total


def _left_on_cash_in(rows: list[Transaction], txn: Transaction) -> int:
    """What of one capture/debit is still neither refunded nor charged back."""
    return txn.amount - _children_total(rows, txn, {T.REFUND}) - _charged_back_on(rows, txn)


def _online_refundable(rows: list[Transaction]) -> int:
    """Money the gateway captured, less what went back through it (or may be going back)."""
    taken = sum(
        r.amount for r in rows if r.type in CASH_IN and r.is_online and r.status == S.SUCCESS
    )
    given = sum(
        r.amount
        for r in rows
        if r.type == T.REFUND and r.is_online and (r.status == S.SUCCESS or r.status in OPEN)
    )
    return taken - given


def _waiting(amount: int, currency: str) -> str:
    return f" ({_money(amount, currency)} is waiting for the gateway)" if amount else ""


def _authorization_rule(c: _Context, *, check_expiry: bool) -> int:
    p = c.payment
    assert p is not None
    rows = c.rows()
    has_authorization = any(r.type == T.AUTHORIZATION and r.status == S.SUCCESS for r in rows)
    if c.transaction is None and not has_authorization:
        if p.payment_action == PaymentAction.AUTHORIZE_CAPTURE or p.amount_captured:
            raise _No("the payment was captured at checkout")
        raise _No("the payment has no authorization")
    if check_expiry and is_authorization_expired(p, now=c.now):
        if p.expires_at:
            raise _No(f"the authorization expired on {_date(p.expires_at, c.order.store)}")
        raise _No("the authorization expired")
    return uncaptured_remainder(p)


def _rule_capture(c: _Context) -> tuple[int | None, bool]:
    p = c.payment
    assert p is not None
    caps = capabilities_for_payment(p)
    if c.operation.online and not caps.online:
        raise _No("the payment was recorded manually and has no gateway")
    left = _authorization_rule(c, check_expiry=True)
    if left <= 0:
        raise _No(
            "nothing left to capture" + _waiting(p.pending_capture + p.pending_void, c.currency)
        )
    if not c.operation.online:
        return left, True
    if not caps.multicapture and (p.amount_captured or p.pending_capture):
        raise _No("the gateway does not support multiple captures")
    if not caps.partial_capture and left != p.amount_authorized - p.amount_voided:
        raise _No("the gateway does not support partial capture")
    return left, caps.partial_capture


def _rule_void(c: _Context) -> tuple[int | None, bool]:
    p = c.payment
    assert p is not None
    if c.operation.online and not capabilities_for_payment(p).online:
        raise _No("the payment was recorded manually and has no gateway")
    left = _authorization_rule(c, check_expiry=c.operation is VOID)
    if left <= 0:
        raise _No("nothing left to void" + _waiting(p.pending_capture + p.pending_void, c.currency))
    return left, False


def _rule_refund(c: _Context) -> tuple[int | None, bool]:
    p = c.payment
    assert p is not None
    caps = capabilities_for_payment(p)
    if c.operation.online and not caps.online:
        raise _No("the payment was recorded manually; use Refund Offline")
    left = p.refundable
    if c.transaction is not None:
        left = min(left, _left_on_cash_in(c.rows(), c.transaction))
    if left <= 0:
        raise _No("nothing left to refund" + _waiting(p.pending_refund, c.currency))
    if c.operation.online:
        # The gateway only holds what was captured through it.
        if c.transaction is not None and not c.transaction.is_online:
            raise _No("the capture was recorded offline; use Refund Offline")
        left = min(left, _online_refundable(c.rows()))
        if left <= 0:
            raise _No("nothing captured online is left to refund; use Refund Offline")
    if c.operation.online and not caps.partial_refund:
        if p.amount_refunded or p.pending_refund or p.amount_charged_back:
            raise _No("the gateway does not support partial refunds")
        return left, False
    return left, True


def _rule_chargeback(c: _Context) -> tuple[int | None, bool]:
    p = c.payment
    assert p is not None
    left = p.refundable
    if c.transaction is not None:
        left = min(left, _left_on_cash_in(c.rows(), c.transaction))
    if left <= 0:
        raise _No("nothing left to charge back" + _waiting(p.pending_refund, c.currency))
    return left, True


def _rule_chargeback_reversal(c: _Context) -> tuple[int | None, bool]:
    p = c.payment
    assert p is not None
    if c.transaction is None:
        left = p.amount_charged_back
    else:
        reversed_ = _children_total(c.rows(), c.transaction, {T.CHARGEBACK_REVERSAL})
        left = min(c.transaction.amount - reversed_, p.amount_charged_back)
    if left <= 0:
        raise _No("nothing is left to reverse on this chargeback")
    return left, True


def _rule_rebill(c: _Context) -> tuple[int | None, bool]:
    p = c.payment
    assert p is not None
    if not capabilities_for_payment(p).online:
        raise _No("the payment was recorded manually and has no gateway")
    if c.transaction is None and not any(
        r.type in {T.DEBIT, T.REBILL} and r.status == S.SUCCESS for r in c.rows()
    ):
        raise _No("the payment has no debit to rebill")
    return None, True


def _rule_mark_as_paid(c: _Context) -> tuple[int | None, bool]:
    # What credit memos refunded is no longer owed (the memo lowered the order's total).
    outstanding = outstanding_amount(
        grand_total=c.order.grand_total - c.order.credited_amount,
        payments=c.order.payments.all(),
        now=c.now,
    )
    if outstanding <= 0:
        raise _No("nothing is outstanding on this order")
    return outstanding, True


_RULES = {
    CAPTURE.code: _rule_capture,
    CAPTURE_OFFLINE.code: _rule_capture,
    VOID.code: _rule_void,
    VOID_OFFLINE.code: _rule_void,
    VOID_EXPIRED.code: _rule_void,
    REFUND.code: _rule_refund,
    REFUND_OFFLINE.code: _rule_refund,
    CHARGEBACK.code: _rule_chargeback,
    CHARGEBACK_REVERSAL.code: _rule_chargeback_reversal,
    REBILL.code: _rule_rebill,
    MARK_AS_PAID.code: _rule_mark_as_paid,
}


def _check_target(c: _Context) -> None:
    op, txn = c.operation, c.transaction
    if op is MARK_AS_PAID:
        return
    if c.payment is None:
        raise _No("choose a payment or a transaction")
    if txn is None:
        return
    if txn.type not in op.transaction_types:
        raise _No(op.wrong_type)
    noun = _NOUNS.get(txn.type, "transaction")
    if txn.status in OPEN:
        raise _No(f"the {noun} is still waiting for the gateway")
    if txn.status != S.SUCCESS:
        raise _No(f"the {noun} did not succeed")


def availability(
    operation: Operation | str,
    *,
    user: AbstractBaseUser | None,
    target: Target,
    now: datetime | None = None,
) -> Availability:
    """Whether `user` may run `operation` on `target` now, and if not, why (see module doc)."""
    op = OPERATIONS[operation] if isinstance(operation, str) else operation
    order, payment, txn = _split(target)
    c = _Context(op, order, payment, txn, now or timezone.now())
    unavailable = f"{op.label} is unavailable"
    # Permission first: a user who may not run the operation gets the same answer (403) in
    # every state, and learns nothing about the target's state from the refusal.
    if user is not None and op.permission not in store_codenames(user, order.store):
        reason = permission_reason(op.permission, store=order.store)
        return Availability(op, False, reason, ErrorCode.PERMISSION_DENIED)
    try:
        _check_target(c)
    except _No as no:
        return Availability(op, False, f"{unavailable}: {no.why}", ErrorCode.NOT_AVAILABLE)
    try:
        if op.blocked_by_order_state and order.state in _STATE_REASONS:
            raise _No(_STATE_REASONS[OrderState(order.state)])
        max_amount, editable = _RULES[op.code](c)
    except _No as no:
        return Availability(op, False, f"{unavailable}: {no.why}", ErrorCode.NOT_AVAILABLE)
    return Availability(
        op, True, max_amount=max_amount, amount_editable=editable, currency=order.currency
    )


def available_operations(
    *, user: AbstractBaseUser | None, target: Target, now: datetime | None = None
) -> list[tuple[Operation, Availability]]:
    """The operations a page offers for `target`, each with its availability, in order."""
    if isinstance(target, Transaction):
        operations = TRANSACTION_OPERATIONS.get(target.type, ())
    elif isinstance(target, Payment):
        operations = PAYMENT_OPERATIONS
    else:
        operations = ORDER_OPERATIONS
    moment = now or timezone.now()
    return [(op, availability(op, user=user, target=target, now=moment)) for op in operations]


def capturable_now(payment: Payment, *, now: datetime | None = None) -> int:
    """Open authorization on one payment (0 once expired): for capture planning."""
    return open_authorization(payment, now=now or timezone.now())
