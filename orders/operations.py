"""The order-level operations registry: Invoice, Capture (invoice), Cancel invoice, Void, Cancel,
Hold, Unhold, Mark as paid, Credit Memo (order and invoice) and Refund (goodwill).

One answer per (user, order[, invoice]) decides three things that must never disagree: whether
the button is enabled, the reason shown when it is not, and whether the operation's own POST URL
accepts the request (403 for a missing permission, 409 for anything else). Permission comes
first (`_REQUIRES`: any of the codenames on the order's store), so a user who may not use an
operation reads "Requires the … permission for store …" and their POST is a 403 in every state;
then the order's state, the documents and amounts, and the gateway's abilities.
Permissions come from `backoffice.permissions.store_permissions`: one query per request.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.dateformat import format as date_format

from backoffice.models import Store
from backoffice.money import format_money
from backoffice.permissions import permission_reason
from orders.capture_plan import is_authorization, open_authorizations, plan_capture
from orders.enums import CaptureMode, InvoiceState, OrderState, RefundMode
from orders.models import CreditMemo, Invoice, Order
from orders.refundable import (
    RefundLimit,
    RefundPlan,
    attach_payments,
    invoice_refund_limit,
    order_refund_limit,
    plan_refund,
    refundable_captures,
)
from payments import operations as ops
from payments.enums import PaymentAction, TransactionStatus, TransactionType
from payments.errors import ErrorCode
from payments.ledger import outstanding_amount as ledger_outstanding
from payments.models import Payment, Transaction
from payments.recompute import PAID_TYPES, unattached_free
from payments.services.manual import MANUAL_GATEWAY


@dataclass(frozen=True)
class Availability:
    allowed: bool
    reason: str = ""
    # True when only a permission is missing: the POST guard answers 403 instead of 409.
    is_permission: bool = False

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Availability(True)


def _no(reason: str) -> Availability:
    return Availability(False, reason)


def _no_perm(reason: str) -> Availability:
    return Availability(False, reason, is_permission=True)


def _requires(store: Store, *codenames: str) -> Availability:
    return _no_perm(f"{permission_reason(*codenames, store=store)}.")


class OperationUnavailable(Exception):
    """A POST for an operation the registry says is unavailable (state, amounts, gateway)."""

    def __init__(self, availability: Availability) -> None:
        super().__init__(availability.reason)
        self.availability = availability


def ensure(availability: Availability) -> None:
    """The POST guard: PermissionDenied (403) or OperationUnavailable (409)."""
    if availability.allowed:
        return
    if availability.is_permission:
        raise PermissionDenied(availability.reason)
    raise OperationUnavailable(availability)


class OrderOperation(StrEnum):
    INVOICE = "invoice"
    VOID = "void"
    CANCEL = "cancel"
    HOLD = "hold"
    UNHOLD = "unhold"
    MARK_AS_PAID = "mark_as_paid"
    CREDIT_MEMO = "credit_memo"
    # Medusa's goodwill refund: an amount with a note, no items.
    REFUND = "refund"


class InvoiceOperation(StrEnum):
    CAPTURE = "capture"
    CANCEL = "cancel"
    CREDIT_MEMO = "credit_memo"


class _Perms:
    """The user's operation permissions on the order's store: the money engine's lookup (one
    query per user and store, cached on the user), so both registries agree on who may act."""

    def __init__(self, user: AbstractBaseUser, store: Store) -> None:
        self.codenames = ops.store_codenames(user, store)

    def __call__(self, codename: str) -> bool:
        return codename in self.codenames


def _from_money(availability: ops.Availability, *, label: str = "") -> Availability:
    """The money engine's answer in this registry's terms (its reason, 403 for permission)."""
    if availability.allowed:
        return ALLOWED
    reason = availability.reason
    if label and reason.startswith(f"{availability.operation.label} is unavailable"):
        reason = f"{label} is not available" + reason[len(availability.operation.label) + 15 :]
    if availability.code == ErrorCode.PERMISSION_DENIED:
        return _no_perm(reason if reason.endswith(".") else f"{reason}.")
    return _no(reason if reason.endswith(".") else f"{reason}.")


# ---- order state ---------------------------------------------------------------------------

_STATE_REASONS = {
    OrderState.HOLDED: "The order is on hold: Unhold it first.",
    OrderState.PAYMENT_REVIEW: (
        "The order is in payment review: a gateway result is still unknown. "
        "Wait for reconciliation to settle it."
    ),
    OrderState.CANCELED: "The order is canceled.",
    OrderState.CLOSED: "The order is closed.",
}


def money_state_block(order: Order) -> Availability:
    """Every money operation is unavailable on hold, in payment review, canceled or closed."""
    reason = _STATE_REASONS.get(order.state)
    return _no(reason) if reason else ALLOWED


# ---- amounts read from prefetched rows (no query when the page prefetched them) ------------


def _payments(order: Order) -> list[Payment]:
    return list(order.payments.all())


def _open_invoices(order: Order) -> list[Invoice]:
    return [inv for inv in order.invoices.all() if inv.state == InvoiceState.OPEN]


def qty_left_to_invoice(order: Order) -> int:
    return sum(item.qty_to_invoice for item in order.items.all())


def captured_at_checkout(order: Order) -> bool:
    """No authorization, and the money came as a sale at checkout (not a manual payment)."""
    payments = _payments(order)
    return not any(map(is_authorization, payments)) and any(
        p.payment_action == PaymentAction.AUTHORIZE_CAPTURE and p.gateway != MANUAL_GATEWAY
        for p in payments
    )


def open_capturable(order: Order) -> int:
    now = timezone.now()
    return sum(ops.capturable_now(p, now=now) for p in open_authorizations(_payments(order)))


def invoice_pending_capture(invoice: Invoice, rows: Iterable[Transaction] | None = None) -> int:
    """Captures of this invoice whose outcome is not known yet (their amount is reserved).

    `rows`: the order's transactions when already loaded (the order page prefetches them).
    """
    rows = invoice.transactions.all() if rows is None else rows
    return sum(
        t.amount
        for t in rows
        if t.invoice_id == invoice.pk
        and t.status in {TransactionStatus.PENDING, TransactionStatus.UNKNOWN}
        and t.type in {TransactionType.CAPTURE, TransactionType.MANUAL}
    )


def invoice_amount_to_capture(invoice: Invoice, rows: Iterable[Transaction] | None = None) -> int:
    if invoice.state != InvoiceState.OPEN:
        return 0
    pending = invoice_pending_capture(invoice, rows)
    return max(invoice.grand_total - invoice.amount_paid - pending, 0)


def outstanding_amount(order: Order) -> int:
    """DESIGN.md: order total − (captured − refunded) − still-capturable authorizations; the
    total is net of what credit memos refunded (`Order.credited_amount`)."""
    return ledger_outstanding(
        grand_total=order.grand_total - order.credited_amount,
        payments=_payments(order),
        now=timezone.now(),
    )


def mark_as_paid_invoice(order: Order) -> Invoice | None:
    """Mark as paid pays the oldest open invoice first, so it doesn't stay open while the money
    it waits for is already recorded on the order."""
    rows = order.transactions.all()
    return next(
        (inv for inv in _open_invoices(order) if invoice_amount_to_capture(inv, rows)), None
    )


def mark_as_paid_limit(order: Order, invoice: Invoice | None) -> int:
    outstanding = outstanding_amount(order)
    if invoice is None:
        return outstanding
    return min(outstanding, invoice_amount_to_capture(invoice, order.transactions.all()))


def unattached_money(order: Order) -> int:
    """Money captured on the order that pays no invoice yet (a capture on Transaction Details,
    Mark as paid while no invoice was open): the next invoice is paid from it first.

    The recompute links such money to open invoices as soon as it arrives, so what is left
    here is owed to no open invoice. Reads the prefetched transactions and invoices.
    """
    rows = list(order.transactions.all())
    free = sum(unattached_free(rows, {}).values())
    own = sum(
        r.amount
        for r in rows
        if r.invoice_id is not None
        and r.type in PAID_TYPES
        and r.status == TransactionStatus.SUCCESS
    )
    linked = sum(inv.amount_paid for inv in order.invoices.all()) - own
    return max(free - max(linked, 0), 0)


def new_invoice_split(order: Order, total: int) -> tuple[int, int]:
    """(already captured money that pays a new invoice of `total`, what is left to capture)."""
    prepaid = min(unattached_money(order), max(total, 0))
    return prepaid, total - prepaid


# ---- capture modes -------------------------------------------------------------------------

CAPTURED_AT_CHECKOUT = "Capture Online is not available: the payment was captured at checkout."


def _fmt(order: Order) -> Callable[[int], str]:
    return lambda minor: format_money(minor, order.currency)


def capture_online_availability(
    *, user: AbstractBaseUser, order: Order, amount: int
) -> Availability:
    if captured_at_checkout(order):
        return _no(CAPTURED_AT_CHECKOUT)
    if not any(map(is_authorization, _payments(order))):
        return _no("Capture Online is not available: the order has no authorization.")
    plan = plan_capture(_payments(order), amount=amount, user=user, online=True)
    if plan.is_complete:
        return ALLOWED
    if (refusal := plan.permission_refusal) is not None:
        return _from_money(refusal, label="Capture Online")
    fmt = _fmt(order)
    if not plan.steps:
        why = f" ({plan.refused[0][1].reason})" if plan.refused else ""
        return _no(f"Capture Online is not available: no authorization is open for capture{why}.")
    return _no(
        f"Capture Online is not available: the open authorizations cover "
        f"{fmt(plan.covered)} of {fmt(amount)} (short by {fmt(plan.shortfall)})."
    )


def capture_offline_availability(
    *, user: AbstractBaseUser, order: Order, amount: int, perms: Callable[[str], bool]
) -> Availability:
    """Offline captures on the open authorizations, a manual payment for what they don't cover."""
    if not perms("capture_offline"):
        return _requires(order.store, "capture_offline")
    plan = plan_capture(_payments(order), amount=amount, user=user, online=False)
    if plan.is_complete:
        return ALLOWED
    manual = ops.availability(ops.MARK_AS_PAID, user=user, target=order)
    if manual.code == ErrorCode.PERMISSION_DENIED:
        return _from_money(manual, label="Capture Offline")
    most = manual.max_amount or 0 if manual.allowed else 0
    if most >= plan.shortfall:
        return ALLOWED
    fmt = _fmt(order)
    return _no(
        f"Capture Offline is not available: {fmt(plan.shortfall)} is not covered by an "
        f"authorization and only {fmt(most)} of the order is outstanding."
    )


def capture_online_plan_lines(*, user: AbstractBaseUser, order: Order, amount: int) -> list[str]:
    """What Capture Online would take from each authorization, for staff to see beforehand."""
    plan = plan_capture(_payments(order), amount=amount, user=user, online=True)
    if not plan.is_complete:
        return []
    fmt = _fmt(order)
    lines = []
    for step in plan.steps:
        payment = step.payment
        card = f"{payment.card_brand.title()} ····{payment.card_last4}, " * bool(payment.card_last4)
        expiry = "no expiry"
        if payment.expires_at:
            local = timezone.localtime(payment.expires_at, ZoneInfo(order.store.timezone or "UTC"))
            expiry = f"expires {date_format(local, 'M j, H:i')}"
        lines.append(
            f"{fmt(step.amount)} from authorization {payment.gateway_reference} ({card}{expiry})"
        )
    return lines


def capture_modes(
    *, user: AbstractBaseUser, order: Order, amount: int, with_not_capture: bool = True
) -> dict[str, Availability]:
    """Each Amount choice for capturing `amount` on this order, with its reason if unavailable."""
    perms = _Perms(user, order.store)
    if amount <= 0:
        # Already captured money pays all of it: either choice only records the invoice.
        modes = {
            mode: ALLOWED if perms(codename) else _requires(order.store, codename)
            for mode, codename in (
                (CaptureMode.ONLINE, "capture_online"),
                (CaptureMode.OFFLINE, "capture_offline"),
            )
        }
        if captured_at_checkout(order):
            modes[CaptureMode.ONLINE] = _no(CAPTURED_AT_CHECKOUT)
    else:
        modes = {
            CaptureMode.ONLINE: capture_online_availability(user=user, order=order, amount=amount),
            CaptureMode.OFFLINE: capture_offline_availability(
                user=user, order=order, amount=amount, perms=perms
            ),
        }
    if with_not_capture:
        modes[CaptureMode.NOT_CAPTURE] = (
            ALLOWED if perms("invoice_order") else _requires(order.store, "invoice_order")
        )
    return modes


# ---- order operations ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Ctx:
    user: AbstractBaseUser
    order: Order
    perms: _Perms


def _invoice(c: _Ctx) -> Availability:
    if c.order.state == OrderState.COMPLETE:
        return _no("The order is complete: every item is invoiced.")
    if not (blocked := money_state_block(c.order)):
        return blocked
    if qty_left_to_invoice(c.order) <= 0:
        return _no("Every item is already invoiced.")
    return ALLOWED


def _void(c: _Ctx) -> Availability:
    if not (blocked := money_state_block(c.order)):
        return blocked
    targets = open_authorizations(_payments(c.order))
    if not targets:
        return _no("There is no open authorization to void.")
    answers = [ops.availability(ops.VOID, user=c.user, target=p) for p in targets]
    if any(answers):
        return ALLOWED
    return _from_money(answers[0], label="Void")


def _cancel(c: _Ctx) -> Availability:
    if c.order.state == OrderState.COMPLETE:
        return _no("The order is complete: use Credit Memo to refund it.")
    if not (blocked := money_state_block(c.order)):
        return blocked
    if open_invoices := _open_invoices(c.order):
        numbers = ", ".join(f"#{inv.number}" for inv in open_invoices)
        return _no(f"Invoice {numbers} is open: capture or cancel it first.")
    if qty_left_to_invoice(c.order) <= 0:
        return _no("Every item is invoiced: nothing left to cancel. Use Credit Memo to refund.")
    if open_authorizations(_payments(c.order)) and not c.perms("void_payment"):
        reason = permission_reason("void_payment", store=c.order.store)
        return _no_perm(f"Cancel voids the open authorizations: {reason[0].lower()}{reason[1:]}.")
    return ALLOWED


_HOLDABLE = {OrderState.NEW, OrderState.PENDING_PAYMENT, OrderState.PROCESSING}


def _hold(c: _Ctx) -> Availability:
    if c.order.state == OrderState.HOLDED:
        return _no("The order is already on hold.")
    if c.order.state not in _HOLDABLE:
        return _no(f"An order that is {c.order.get_state_display().lower()} can't be held.")
    return ALLOWED


def _unhold(c: _Ctx) -> Availability:
    if c.order.state != OrderState.HOLDED:
        return _no("The order is not on hold.")
    return ALLOWED


def _mark_as_paid(c: _Ctx) -> Availability:
    if not (blocked := money_state_block(c.order)):
        return blocked
    return _from_money(ops.availability(ops.MARK_AS_PAID, user=c.user, target=c.order))


# ---- refunds: Credit Memo and Refund --------------------------------------------------------


def refund_facts(order: Order) -> tuple[list[Transaction], list[CreditMemo]]:
    """The order's ledger rows and credit memos (prefetched on the order page)."""
    return list(order.transactions.all()), list(order.credit_memos.all())


def _refund_block(order: Order, limit: RefundLimit, *, what: str) -> Availability:
    if not (blocked := money_state_block(order)):
        return blocked
    if limit.captured <= 0:
        return _no(f"Nothing was paid for {what} yet: there is nothing to refund.")
    if limit.available <= 0:
        return _no(f"Everything paid for {what} is refunded or being refunded ({limit.figures}).")
    return ALLOWED


REFUNDING = ("refund_online", "refund_offline")


def _refund(c: _Ctx) -> Availability:
    """Credit Memo and Refund on the order: something paid is left to give back."""
    rows, memos = refund_facts(c.order)
    limit = order_refund_limit(order=c.order, rows=rows, memos=memos)
    return _refund_block(c.order, limit, what="this order")


@dataclass(frozen=True)
class RefundChoice:
    """One refund button (Refund or Refund Offline) for an amount: allowed or why not, and
    the plan that says what it will do."""

    mode: str
    label: str
    availability: Availability
    plan: RefundPlan

    @property
    def allowed(self) -> bool:
        return self.availability.allowed


def refund_choices(
    *, user: AbstractBaseUser, order: Order, invoice: Invoice | None, amount: int
) -> list[RefundChoice]:
    """Refund (online, over the captures) and Refund Offline for `amount`, each with its reason.

    `invoice` None: over the whole order's captures (goodwill refunds, order-level memos).
    """
    perms = _Perms(user, order.store)
    rows = attach_payments(order.transactions.all(), _payments(order), order)
    captures = refundable_captures(rows, invoice=invoice)
    fmt = _fmt(order)
    choices = []
    for mode, label, codename in (
        (RefundMode.ONLINE, "Refund", "refund_online"),
        (RefundMode.OFFLINE, "Refund Offline", "refund_offline"),
    ):
        online = mode == RefundMode.ONLINE
        plan = plan_refund(
            captures=captures, amount=amount, online=online, user=user, currency=order.currency
        )
        if not perms(codename):
            answer = _requires(order.store, codename)
        elif plan.is_complete:
            answer = ALLOWED
        elif (refusal := plan.permission_refusal) is not None:
            answer = _from_money(refusal, label=label)
        elif not plan.steps:
            answer = (
                _from_money(plan.refused[0], label=label)
                if plan.refused
                else _no(f"{label} is not available: no capture is left to refund.")
            )
        else:
            rest = " Use Refund Offline for the rest." if online else ""
            answer = _no(
                f"{label} is not available for {fmt(amount)}: the captures can take "
                f"{fmt(plan.covered)} of it.{rest}"
            )
        choices.append(RefundChoice(mode, label, answer, plan))
    return choices


def refund_modes(
    *, user: AbstractBaseUser, order: Order, invoice: Invoice | None, amount: int
) -> dict[str, Availability]:
    """Each refund mode's availability for `amount` (the POST guard of each button)."""
    choices = refund_choices(user=user, order=order, invoice=invoice, amount=amount)
    return {choice.mode: choice.availability for choice in choices}


_ORDER_RULES: Mapping[OrderOperation, Callable[[_Ctx], Availability]] = {
    OrderOperation.INVOICE: _invoice,
    OrderOperation.VOID: _void,
    OrderOperation.CANCEL: _cancel,
    OrderOperation.HOLD: _hold,
    OrderOperation.UNHOLD: _unhold,
    OrderOperation.MARK_AS_PAID: _mark_as_paid,
    OrderOperation.CREDIT_MEMO: _refund,
    OrderOperation.REFUND: _refund,
}


# The permissions that may use each operation (any of them), checked before its rule.
_REQUIRES: Mapping[OrderOperation, tuple[str, ...]] = {
    OrderOperation.INVOICE: ("invoice_order", "capture_online", "capture_offline"),
    OrderOperation.VOID: ("void_payment",),
    OrderOperation.CANCEL: ("cancel_order",),
    OrderOperation.HOLD: ("hold_order",),
    OrderOperation.UNHOLD: ("hold_order",),
    OrderOperation.MARK_AS_PAID: ("mark_as_paid",),
    OrderOperation.CREDIT_MEMO: REFUNDING,
    OrderOperation.REFUND: REFUNDING,
}


def _answer(ctx: _Ctx, operation: OrderOperation) -> Availability:
    codenames = _REQUIRES[operation]
    if not any(map(ctx.perms, codenames)):
        return _requires(ctx.order.store, *codenames)
    return _ORDER_RULES[operation](ctx)


def order_operation_availability(
    *, user: AbstractBaseUser, order: Order, operation: OrderOperation
) -> Availability:
    return _answer(_Ctx(user, order, _Perms(user, order.store)), operation)


def order_operations(*, user: AbstractBaseUser, order: Order) -> dict[OrderOperation, Availability]:
    """Every order operation's availability at once (the header draws them all)."""
    ctx = _Ctx(user, order, _Perms(user, order.store))
    return {operation: _answer(ctx, operation) for operation in _ORDER_RULES}


# ---- invoice operations --------------------------------------------------------------------


def _invoice_capture(invoice: Invoice, user: AbstractBaseUser) -> Availability:
    order = invoice.order
    if invoice.state != InvoiceState.OPEN:
        return _no(f"The invoice is {invoice.get_state_display().lower()}.")
    if not (blocked := money_state_block(order)):
        return blocked
    amount = invoice_amount_to_capture(invoice)
    if amount <= 0:
        return _no("A capture of this invoice is still waiting for the gateway.")
    modes = capture_modes(user=user, order=order, amount=amount, with_not_capture=False)
    if any(modes.values()):
        return ALLOWED
    if all(m.is_permission for m in modes.values()):
        return _no_perm(" ".join(m.reason for m in modes.values()))
    return _no(" ".join(m.reason for m in modes.values() if not m.is_permission))


def _invoice_cancel(invoice: Invoice, user: AbstractBaseUser) -> Availability:
    if invoice.state != InvoiceState.OPEN:
        return _no(f"The invoice is {invoice.get_state_display().lower()}.")
    if not (blocked := money_state_block(invoice.order)):
        return blocked
    if invoice.amount_paid or invoice_pending_capture(invoice):
        return _no("Money was captured for this invoice: refund it with a Credit Memo instead.")
    return ALLOWED


def _invoice_credit_memo(invoice: Invoice, user: AbstractBaseUser) -> Availability:
    if invoice.state == InvoiceState.CANCELED:
        return _no("The invoice is canceled.")
    order = invoice.order
    rows, memos = refund_facts(order)
    limit = invoice_refund_limit(invoice=invoice, order=order, rows=rows, memos=memos)
    return _refund_block(order, limit, what="this invoice")


_INVOICE_RULES: Mapping[InvoiceOperation, Callable[[Invoice, AbstractBaseUser], Availability]] = {
    InvoiceOperation.CAPTURE: _invoice_capture,
    InvoiceOperation.CANCEL: _invoice_cancel,
    InvoiceOperation.CREDIT_MEMO: _invoice_credit_memo,
}


_INVOICE_REQUIRES: Mapping[InvoiceOperation, tuple[str, ...]] = {
    InvoiceOperation.CAPTURE: ("capture_online", "capture_offline"),
    InvoiceOperation.CANCEL: ("invoice_order",),
    InvoiceOperation.CREDIT_MEMO: REFUNDING,
}


def invoice_operation_availability(
    *, user: AbstractBaseUser, invoice: Invoice, operation: InvoiceOperation
) -> Availability:
    codenames, store = _INVOICE_REQUIRES[operation], invoice.order.store
    if not any(map(_Perms(user, store), codenames)):
        return _requires(store, *codenames)
    return _INVOICE_RULES[operation](invoice, user)
