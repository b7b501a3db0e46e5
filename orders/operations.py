"""The order-level operations registry: Invoice, Capture (invoice), Cancel invoice, Void, Cancel,
Hold, Unhold, Mark as paid, Credit Memo (order and invoice) and Refund (goodwill).

One answer per (user, order[, invoice]) decides three things that must never disagree: whether
the button is enabled, the reason shown when it is not, and whether the operation's own POST URL
accepts the request (`backoffice.availability.ensure`: 403 for a missing permission, 409 for
anything else). Permission comes first (`_REQUIRES`: any of the codenames on the order's store),
so a user who may not use an operation reads "Requires the … permission for store …" and their
POST is a 403 in every state; then the order's state (`Order.money_block`, the one table of
state reasons), the documents and amounts, and the gateway's abilities — the money engine's
own answers (`payments.operations`) taken over as they are, under this operation's label.
Permissions come from `backoffice.permissions.store_permissions`: one query per request.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import User

from backoffice.availability import (
    Availability,
    Reason,
    allowed,
    permission_missing,
    unavailable,
)
from backoffice.money import format_money
from backoffice.permissions import permission_reason
from orders.capture_modes import capture_modes
from orders.capture_plan import open_authorizations
from orders.enums import InvoiceState, OrderState
from orders.models import Invoice, Order
from orders.order_amounts import (
    invoice_amount_to_capture,
    invoice_pending_capture,
    open_invoices,
    order_figures,
    order_payments,
    qty_left_to_invoice,
    refund_facts,
)
from orders.outstanding import off_session_refusal
from orders.refundable import RefundLimit, invoice_refund_limit, order_refund_limit
from payments import operations as ops


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
    # Order edits (orders/services/order_edit.py) and their Outstanding's new authorization.
    EDIT = "edit"
    AUTHORIZE_DIFFERENCE = "authorize_difference"


class InvoiceOperation(StrEnum):
    CAPTURE = "capture"
    CANCEL = "cancel"
    CREDIT_MEMO = "credit_memo"


LABELS: Mapping[str, str] = {
    OrderOperation.INVOICE: "Invoice",
    OrderOperation.VOID: "Void",
    OrderOperation.CANCEL: "Cancel",
    OrderOperation.HOLD: "Hold",
    OrderOperation.UNHOLD: "Unhold",
    OrderOperation.MARK_AS_PAID: "Mark as paid",
    OrderOperation.CREDIT_MEMO: "Credit Memo",
    OrderOperation.REFUND: "Refund",
    OrderOperation.EDIT: "Edit",
    OrderOperation.AUTHORIZE_DIFFERENCE: "Authorize the difference",
    "invoice_capture": "Capture",
    "invoice_cancel": "Cancel",
    "invoice_credit_memo": "Credit Memo",
}
REFUNDING = ("refund_online", "refund_offline")


@dataclass(frozen=True)
class _Ask:
    """One question to the registry: this user (None: the system, a batch job), this
    operation, this order."""

    user: User | None
    order: Order
    operation: str
    codenames: frozenset[str]

    @property
    def label(self) -> str:
        return LABELS.get(self.operation, self.operation.replace("_", " ").title())

    def ok(self) -> Availability:
        return allowed(self.operation, self.label)

    def no(self, why: str, hint: str = "") -> Availability:
        return unavailable(self.operation, self.label, Reason(why, hint))

    def blocked(self) -> Availability | None:
        """Every money operation is unavailable on hold, in payment review, canceled or closed."""
        block = self.order.money_block()
        return unavailable(self.operation, self.label, block) if block else None

    def requires(self, *codenames: str) -> Availability:
        sentence = permission_reason(*codenames, store=self.order.store)
        return permission_missing(self.operation, self.label, sentence)


def _ask(user: User | None, order: Order, operation: str) -> _Ask:
    """Permissions read through `payments.operations.store_codenames` (one query per user and
    store, cached on the user), so both registries agree on who may act."""
    return _Ask(user, order, operation, ops.store_codenames(user, order.store))


# ---- order operations ----------------------------------------------------------------------


def _invoice(a: _Ask) -> Availability:
    if a.order.state == OrderState.COMPLETE:
        return a.no("the order is complete", "Every item is invoiced.")
    if (blocked := a.blocked()) is not None:
        return blocked
    if qty_left_to_invoice(a.order) <= 0:
        return a.no("every item is already invoiced")
    return a.ok()


def _void(a: _Ask) -> Availability:
    if (blocked := a.blocked()) is not None:
        return blocked
    targets = open_authorizations(order_payments(a.order))
    if not targets:
        return a.no("there is no open authorization to void")
    answers = [ops.availability(ops.VOID, user=a.user, target=p) for p in targets]
    if any(answers):
        return a.ok()
    return answers[0].as_operation(a.operation, a.label)


def _cancel(a: _Ask) -> Availability:
    if a.order.state == OrderState.COMPLETE:
        return a.no("the order is complete", "Use Credit Memo to refund it.")
    if (blocked := a.blocked()) is not None:
        return blocked
    if invoices := open_invoices(a.order):
        numbers = ", ".join(f"#{inv.number}" for inv in invoices)
        return a.no(f"invoice {numbers} is open", "Capture or cancel it first.")
    if qty_left_to_invoice(a.order) <= 0:
        return a.no("every item is invoiced: nothing is left to cancel", "Use Credit Memo.")
    if open_authorizations(order_payments(a.order)) and "void_payment" not in a.codenames:
        reason = permission_reason("void_payment", store=a.order.store)
        sentence = f"Cancel voids the open authorizations: {reason[0].lower()}{reason[1:]}"
        return permission_missing(a.operation, a.label, sentence)
    return a.ok()


_HOLDABLE = {OrderState.NEW, OrderState.PENDING_PAYMENT, OrderState.PROCESSING}


def _hold(a: _Ask) -> Availability:
    if a.order.state == OrderState.HOLDED:
        return a.no("the order is already on hold")
    if a.order.state not in _HOLDABLE:
        block = a.order.money_block()  # "the order is in payment review", "… is closed"
        state = a.order.get_state_display().lower()
        return a.no(block.why if block is not None else f"the order is {state}")
    return a.ok()


def _unhold(a: _Ask) -> Availability:
    if a.order.state != OrderState.HOLDED:
        return a.no("the order is not on hold")
    return a.ok()


def _mark_as_paid(a: _Ask) -> Availability:
    if (blocked := a.blocked()) is not None:
        return blocked
    return ops.availability(ops.MARK_AS_PAID, user=a.user, target=a.order)


def _refund_block(a: _Ask, limit: RefundLimit, *, what: str) -> Availability:
    if (blocked := a.blocked()) is not None:
        return blocked
    if limit.captured <= 0:
        return a.no(f"nothing was paid for {what} yet", "There is nothing to refund.")
    if limit.only_fees_left:
        fees = format_money(limit.left, limit.currency)
        return a.no(
            f"the {fees} left of {what} is the Adjustment Fee kept by its credit memos "
            f"({limit.figures})",
            "An Adjustment Fee is kept: it is not refunded later.",
        )
    if limit.available <= 0:
        return a.no(f"everything paid for {what} is refunded or being refunded ({limit.figures})")
    return a.ok()


def _refund(a: _Ask) -> Availability:
    """Credit Memo and Refund on the order: something paid is left to give back."""
    rows, memos = refund_facts(a.order)
    limit = order_refund_limit(order=a.order, rows=rows, memos=memos)
    return _refund_block(a, limit, what="this order")


def _edit(a: _Ask) -> Availability:
    """Edit: while something is not yet invoiced and no state blocks money."""
    if a.order.state == OrderState.COMPLETE:
        return a.no("the order is complete", "Every item is invoiced.")
    if (blocked := a.blocked()) is not None:
        return blocked
    if qty_left_to_invoice(a.order) <= 0:
        return a.no("every item is already invoiced", "Use Credit Memo to give money back.")
    return a.ok()


def _authorize_difference(a: _Ask) -> Availability:
    """A new authorization for the positive Outstanding, on the payment method on file."""
    if (blocked := a.blocked()) is not None:
        return blocked
    outstanding = order_figures(a.order).outstanding
    if outstanding <= 0:
        return a.no("nothing is outstanding")
    if (refusal := off_session_refusal(a.order)) is not None:
        return a.no(refusal.why, refusal.hint)
    return allowed(a.operation, a.label, max_amount=outstanding, currency=a.order.currency)


_ORDER_RULES: Mapping[OrderOperation, Callable[[_Ask], Availability]] = {
    OrderOperation.INVOICE: _invoice,
    OrderOperation.VOID: _void,
    OrderOperation.CANCEL: _cancel,
    OrderOperation.HOLD: _hold,
    OrderOperation.UNHOLD: _unhold,
    OrderOperation.MARK_AS_PAID: _mark_as_paid,
    OrderOperation.CREDIT_MEMO: _refund,
    OrderOperation.REFUND: _refund,
    OrderOperation.EDIT: _edit,
    OrderOperation.AUTHORIZE_DIFFERENCE: _authorize_difference,
}

# The permissions that may use each operation (any of them), checked before its rule.
_REQUIRES: Mapping[str, tuple[str, ...]] = {
    OrderOperation.INVOICE: ("invoice_order", "capture_online", "capture_offline"),
    OrderOperation.VOID: ("void_payment",),
    OrderOperation.CANCEL: ("cancel_order",),
    OrderOperation.HOLD: ("hold_order",),
    OrderOperation.UNHOLD: ("hold_order",),
    OrderOperation.MARK_AS_PAID: ("mark_as_paid",),
    OrderOperation.CREDIT_MEMO: REFUNDING,
    OrderOperation.REFUND: REFUNDING,
    OrderOperation.EDIT: ("edit_order",),
    OrderOperation.AUTHORIZE_DIFFERENCE: ("edit_order",),
}


def _answer(
    a: _Ask, requires: tuple[str, ...], rule: Callable[[_Ask], Availability]
) -> Availability:
    if not a.codenames.intersection(requires):
        return a.requires(*requires)
    return rule(a)


def order_operation_availability(
    *, user: User | None, order: Order, operation: OrderOperation
) -> Availability:
    ask = _ask(user, order, operation)
    return _answer(ask, _REQUIRES[operation], _ORDER_RULES[operation])


def order_operations(*, user: User, order: Order) -> dict[OrderOperation, Availability]:
    """Every order operation's availability at once (the header draws them all)."""
    codenames = ops.store_codenames(user, order.store)
    return {
        operation: _answer(_Ask(user, order, operation, codenames), _REQUIRES[operation], rule)
        for operation, rule in _ORDER_RULES.items()
    }


# ---- invoice operations --------------------------------------------------------------------


def _invoice_capture(a: _Ask, invoice: Invoice) -> Availability:
    if invoice.state != InvoiceState.OPEN:
        return a.no(f"the invoice is {invoice.get_state_display().lower()}")
    if (blocked := a.blocked()) is not None:
        return blocked
    amount = invoice_amount_to_capture(invoice)
    if amount <= 0:
        return a.no("a capture of this invoice is still waiting for the gateway")
    modes = capture_modes(user=a.user, order=a.order, amount=amount, with_not_capture=False)
    if any(modes.values()):
        return a.ok()
    refusals = [m for m in modes.values() if not m.is_permission]
    if not refusals:
        sentence = " ".join(m.reason for m in modes.values())
        return permission_missing(a.operation, a.label, sentence)
    if len(refusals) == 1:
        return refusals[0].as_operation(a.operation, a.label)
    return a.no(
        "neither Capture Online nor Capture Offline can take it",
        " ".join(m.reason for m in refusals),
    )


def _invoice_cancel(a: _Ask, invoice: Invoice) -> Availability:
    if invoice.state != InvoiceState.OPEN:
        return a.no(f"the invoice is {invoice.get_state_display().lower()}")
    if (blocked := a.blocked()) is not None:
        return blocked
    if invoice.amount_paid or invoice_pending_capture(invoice):
        return a.no("money was captured for this invoice", "Refund it with a Credit Memo instead.")
    return a.ok()


def _invoice_credit_memo(a: _Ask, invoice: Invoice) -> Availability:
    if invoice.state == InvoiceState.CANCELED:
        return a.no("the invoice is canceled")
    rows, memos = refund_facts(a.order)
    limit = invoice_refund_limit(invoice=invoice, order=a.order, rows=rows, memos=memos)
    return _refund_block(a, limit, what="this invoice")


_INVOICE_RULES: Mapping[InvoiceOperation, Callable[[_Ask, Invoice], Availability]] = {
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
    *, user: User | None, invoice: Invoice, operation: InvoiceOperation
) -> Availability:
    ask = _ask(user, invoice.order, f"invoice_{operation}")
    rule = _INVOICE_RULES[operation]
    return _answer(ask, _INVOICE_REQUIRES[operation], lambda a: rule(a, invoice))
