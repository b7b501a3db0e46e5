"""The rules behind `payments.operations.availability`, one function per operation family.

Each rule gets a `RuleContext` (operation, order, payment, transaction, now) and either returns
`(max_amount, amount_editable)` or raises `Unavailable(why)`, where `why` completes the staff
sentence "<Label> is not available: <why>" (`backoffice.availability.Reason`). Amounts
reserved by operations still waiting for the gateway count as spent.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from backoffice.models import Store
from backoffice.money import format_money
from orders.models import Order
from payments.enums import PaymentAction, TransactionStatus, TransactionType
from payments.figures import figures_of
from payments.gateways import capabilities_for_payment
from payments.ledger import is_authorization_expired, uncaptured_remainder
from payments.models import Payment, Transaction

T = TransactionType
S = TransactionStatus
CASH_IN = frozenset({T.CAPTURE, T.DEBIT, T.REBILL, T.MANUAL})
OPEN = frozenset({S.PENDING, S.UNKNOWN})
# An account without multicapture: the first capture closes the authorization.
ONE_CAPTURE = "one capture; the rest is released"
NO_SAVED_CARD = (
    "the card was not saved at Stripe for later payments "
    "(the PaymentIntent has no customer and payment method)"
)

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


def _money(amount: int, currency: str) -> str:
    return format_money(amount, currency)


def _date(moment: datetime, store: Store) -> str:
    local = moment.astimezone(ZoneInfo(store.timezone or "UTC"))
    return f"{local.day} {local:%b %Y}"


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


class Unavailable(Exception):
    """A rule failed (control flow inside this module, never raised out of it): `why`
    completes "<Label> is not available: …"."""

    def __init__(self, why: str) -> None:
        self.why = why


@dataclass
class RuleContext:
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


def split_target(target: Target) -> tuple[Order, Payment | None, Transaction | None]:
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


def _authorization_rule(c: RuleContext, *, check_expiry: bool) -> int:
    p = c.payment
    assert p is not None
    rows = c.rows()
    has_authorization = any(r.type == T.AUTHORIZATION and r.status == S.SUCCESS for r in rows)
    if c.transaction is None and not has_authorization:
        if p.payment_action == PaymentAction.AUTHORIZE_CAPTURE or p.amount_captured:
            raise Unavailable("the payment was captured at checkout")
        raise Unavailable("the payment has no authorization")
    if check_expiry and is_authorization_expired(p, now=c.now):
        if p.expires_at:
            raise Unavailable(f"the authorization expired on {_date(p.expires_at, c.order.store)}")
        raise Unavailable("the authorization expired")
    return uncaptured_remainder(p)


def rule_capture(c: RuleContext) -> tuple[int | None, bool]:
    p = c.payment
    assert p is not None
    caps = capabilities_for_payment(p)
    if c.operation.online and not caps.online:
        raise Unavailable("the payment was recorded manually and has no gateway")
    left = _authorization_rule(c, check_expiry=True)
    if left <= 0:
        raise Unavailable(
            "nothing left to capture" + _waiting(p.pending_capture + p.pending_void, c.currency)
        )
    if not c.operation.online:
        return left, True
    if not caps.multicapture and (p.amount_captured or p.pending_capture):
        raise Unavailable(f"the gateway does not support multiple captures ({ONE_CAPTURE})")
    if not caps.partial_capture and left != p.amount_authorized - p.amount_voided:
        raise Unavailable("the gateway does not support partial capture")
    return left, caps.partial_capture


def capture_note(payment: Payment) -> str:
    """What staff should know before an online capture of `payment`: on an account without
    multicapture, the gateway takes one capture and releases the rest."""
    caps = capabilities_for_payment(payment)
    return ONE_CAPTURE if caps.online and caps.partial_capture and not caps.multicapture else ""


def rule_void(c: RuleContext) -> tuple[int | None, bool]:
    p = c.payment
    assert p is not None
    if c.operation.online and not capabilities_for_payment(p).online:
        raise Unavailable("the payment was recorded manually and has no gateway")
    left = _authorization_rule(c, check_expiry=c.operation.code == "void")
    if left <= 0:
        raise Unavailable(
            "nothing left to void" + _waiting(p.pending_capture + p.pending_void, c.currency)
        )
    return left, False


def rule_refund(c: RuleContext) -> tuple[int | None, bool]:
    p = c.payment
    assert p is not None
    caps = capabilities_for_payment(p)
    if c.operation.online and not caps.online:
        raise Unavailable("the payment was recorded manually; use Refund Offline")
    left = p.refundable
    if c.transaction is not None:
        left = min(left, _left_on_cash_in(c.rows(), c.transaction))
    if left <= 0:
        raise Unavailable("nothing left to refund" + _waiting(p.pending_refund, c.currency))
    if c.operation.online:
        # The gateway only holds what was captured through it.
        if c.transaction is not None and not c.transaction.is_online:
            raise Unavailable("the capture was recorded offline; use Refund Offline")
        left = min(left, _online_refundable(c.rows()))
        if left <= 0:
            raise Unavailable("nothing captured online is left to refund; use Refund Offline")
    if c.operation.online and not caps.partial_refund:
        if p.amount_refunded or p.pending_refund or p.amount_charged_back:
            raise Unavailable("the gateway does not support partial refunds")
        return left, False
    return left, True


def rule_chargeback(c: RuleContext) -> tuple[int | None, bool]:
    p = c.payment
    assert p is not None
    left = p.refundable
    if c.transaction is not None:
        left = min(left, _left_on_cash_in(c.rows(), c.transaction))
    if left <= 0:
        raise Unavailable("nothing left to charge back" + _waiting(p.pending_refund, c.currency))
    return left, True


def rule_chargeback_reversal(c: RuleContext) -> tuple[int | None, bool]:
    p = c.payment
    assert p is not None
    if c.transaction is None:
        left = p.amount_charged_back
    else:
        reversed_ = _children_total(c.rows(), c.transaction, {T.CHARGEBACK_REVERSAL})
        left = min(c.transaction.amount - reversed_, p.amount_charged_back)
    if left <= 0:
        raise Unavailable("nothing is left to reverse on this chargeback")
    return left, True


def rule_rebill(c: RuleContext) -> tuple[int | None, bool]:
    p = c.payment
    assert p is not None
    if not capabilities_for_payment(p).online:
        raise Unavailable("the payment was recorded manually and has no gateway")
    debit = _original_debit(c.rows(), c.transaction)
    if debit is None:
        raise Unavailable("the payment has no debit to rebill")
    _check_saved_card(c.rows())
    # A rebill charges the card again without the customer: never more than they agreed to
    # once (the original debit), nor more than the store allows for one rebill.
    limit = c.order.store.rebill_limit
    return (debit.amount if limit is None else min(debit.amount, limit)), True


def _check_saved_card(rows: list[Transaction]) -> None:
    if not has_saved_card(rows):
        raise Unavailable(NO_SAVED_CARD)


def has_saved_card(rows: list[Transaction]) -> bool:
    """A rebill (or Authorize the difference) charges the card saved at checkout: a Stripe
    PaymentIntent recorded without a customer and payment method (`payments.checkout_intake`)
    has none to charge. `rows`: the payment's transactions."""
    checkout = [r for r in rows if r.type in (T.AUTHORIZATION, T.DEBIT)]
    first = min(checkout, key=lambda r: r.pk, default=None)
    intent = first.gateway_response if first is not None else {}
    if intent.get("object") != "payment_intent":
        return True
    return bool(intent.get("customer") and intent.get("payment_method"))


def _original_debit(rows: list[Transaction], target: Transaction | None) -> Transaction | None:
    """The debit a rebill of `target` goes back to (the payment's first one without target)."""
    by_pk = {r.pk: r for r in rows}
    row = target
    while row is not None and row.type == T.REBILL:
        row = by_pk.get(row.parent_id) if row.parent_id is not None else None
    if target is not None:
        return row if row is not None and row.type == T.DEBIT else None
    debits = [r for r in rows if r.type == T.DEBIT and r.status == S.SUCCESS]
    return min(debits, key=lambda r: (r.created_at, r.pk), default=None)


def rule_mark_as_paid(c: RuleContext) -> tuple[int | None, bool]:
    # Outstanding as every page shows it (payments.figures): what credit memos refunded is
    # no longer owed, and what open authorizations cover is collected by capturing them.
    outstanding = figures_of(c.order, now=c.now).outstanding
    if outstanding <= 0:
        raise Unavailable("nothing is outstanding on this order")
    return outstanding, True


# Keyed by operation code (several operations share a rule: online and offline variants).
RULES: dict[str, Callable[[RuleContext], tuple[int | None, bool]]] = {
    "capture": rule_capture,
    "capture_offline": rule_capture,
    "void": rule_void,
    "void_offline": rule_void,
    "void_expired": rule_void,
    "refund": rule_refund,
    "refund_offline": rule_refund,
    "chargeback": rule_chargeback,
    "chargeback_reversal": rule_chargeback_reversal,
    "rebill": rule_rebill,
    "mark_as_paid": rule_mark_as_paid,
}


def check_target(c: RuleContext) -> None:
    op, txn = c.operation, c.transaction
    if op.code == "mark_as_paid":
        return
    if c.payment is None:
        raise Unavailable("choose a payment or a transaction")
    if txn is None:
        return
    if txn.type not in op.transaction_types:
        raise Unavailable(op.wrong_type)
    noun = _NOUNS.get(T(txn.type), "transaction")
    if txn.status in OPEN:
        raise Unavailable(f"the {noun} is still waiting for the gateway")
    if txn.status != S.SUCCESS:
        raise Unavailable(f"the {noun} did not succeed")
