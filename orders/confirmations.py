"""What the order flows say before they move money: Mark as paid, the goodwill Refund, Submit
Invoice, an invoice's Capture, and the credit memo buttons — one sentence each, built here.

"Record a manual payment of $231.02 (Mark as paid)." — the amount as the server read it, in
the order currency, online or offline, and where it goes or comes from (the same plans the
services will run: `orders.refund_modes`, `orders.services.invoice_captures`). Each builder
first runs the read-only checks its service runs before writing (stale form, availability, the
button for this amount) and raises the same DomainErrors, so a view calls it where it would
call the service and answers a preview exactly as the real POST (`backoffice.confirmation`).
A request that would wait for a second person (four-eyes) says so instead of "can't be undone".
"""

from django.contrib.auth.models import User

from backoffice.confirmation import Confirmation, approval_confirmation
from backoffice.money import format_money
from orders.capture_plan import CapturePlan
from orders.enums import CaptureMode, RefundMode
from orders.forms_credit_memo import CreditMemoForm, GoodwillRefundForm
from orders.forms_invoice import InvoiceCaptureForm, InvoiceNewForm, MarkAsPaidForm
from orders.models import ApprovalKind, Invoice, Order
from orders.order_amounts import invoice_amount_to_capture, order_payments
from orders.refund_modes import refund_choices
from orders.refundable import RefundPlan
from orders.services.approval_rule import approval_needed
from orders.services.credit_memo_checks import check_refund_mode, ensure_memo_available
from orders.services.invoice_captures import invoice_capture_plan
from orders.services.invoicing import _next_invoice_number as next_invoice_number
from orders.services.order_documents import check_version
from payments.confirmations import CAN_T_UNDO, NOT_CALLED, payment_label
from payments.models import Payment

OFFLINE_RECEIVED = "money received outside the gateway"
TAKEN_NOW = "The gateway takes the money from the customer now"
REFUND_LABELS = {RefundMode.ONLINE: "Refund", RefundMode.OFFLINE: "Refund Offline"}
APPROVAL_NAMES = {RefundMode.ONLINE: "refund", RefundMode.OFFLINE: "offline refund"}


def _money(order: Order, amount: int) -> str:
    return format_money(amount, order.currency)


def _why(order: Order, amount: int, kind: str) -> str | None:
    """Why `amount` of `kind` would wait for a second person (the service's own rule, read
    here without its lock), None when it would run now."""
    need = approval_needed(order=order, amount=amount, kind=kind)
    return None if need is None else need.why()


def _authorization(payment: Payment) -> str:
    """ "Visa ····4242 (authorization psp-auth-1)"."""
    reference = payment.gateway_reference
    label = payment_label(payment)
    return f"{label} (authorization {reference})" if reference else label


def _capture_sources(order: Order, plan: CapturePlan) -> str:
    """ " from Visa ····4242 (authorization psp-auth-1)", or each authorization's part
    (": $61.00 from … and $5.00 from …")."""
    if len(plan.steps) == 1:
        return f" from {_authorization(plan.steps[0].payment)}"
    parts = [f"{_money(order, s.amount)} from {_authorization(s.payment)}" for s in plan.steps]
    return ": " + " and ".join(parts) if parts else ""


def refund_sentence(order: Order, plan: RefundPlan) -> str:
    """ "Refund €56.00 online to Mastercard ····5454.", spread over several cards when so
    planned, or "Refund €56.00 offline (money paid back outside the gateway)."."""
    money = _money(order, plan.amount)
    if not plan.online:
        return f"Refund {money} offline (money paid back outside the gateway)."
    if len(plan.steps) == 1:
        return f"Refund {money} online to {payment_label(plan.steps[0].payment)}."
    parts = [f"{_money(order, s.amount)} to {payment_label(s.payment)}" for s in plan.steps]
    return f"Refund {money} online: {' and '.join(parts)}."


def _refund_consequence(mode: str, document: str) -> str:
    if mode == RefundMode.ONLINE:
        return f"{document} The gateway sends the money back to the customer; {CAN_T_UNDO}."
    return (
        f"{document} {NOT_CALLED}: use this only when the money is (or will be) paid back "
        "another way."
    )


# ---- Mark as paid ----------------------------------------------------------------------------


def mark_as_paid_confirmation(*, user: User, order: Order, form: MarkAsPaidForm) -> Confirmation:
    """Mark as paid for the valid `form`. Raises StaleOrder as the service would."""
    data = form.cleaned_data
    amount = data["amount"]
    check_version(order, data["version"])
    if (why := _why(order, amount, ApprovalKind.MARK_AS_PAID)) is not None:
        return approval_confirmation(
            title="Mark as paid",
            what="manual payment (Mark as paid)",
            amount=_money(order, amount),
            why=why,
            consequence="Nothing is recorded until a manager approves it.",
        )
    pays = f"It pays invoice #{form.invoice.number}. " if form.invoice is not None else ""
    return Confirmation(
        title="Mark as paid",
        sentence=f"Record a manual payment of {_money(order, amount)} (Mark as paid).",
        consequence=f"{pays}{NOT_CALLED}; only a refund gives the money back.",
        ok_label="Mark as paid",
    )


# ---- refunds: the goodwill Refund and the credit memo buttons --------------------------------


def _refund_confirmation(
    *, user: User, order: Order, mode: str, amount: int, plan: RefundPlan, document: str
) -> Confirmation:
    label = REFUND_LABELS[RefundMode(mode)]
    if (why := _why(order, amount, ApprovalKind.REFUND)) is not None:
        return approval_confirmation(
            title=label,
            what=APPROVAL_NAMES[RefundMode(mode)],
            amount=_money(order, amount),
            why=why,
            consequence=f"{document} Nothing is refunded until a manager approves it.",
        )
    return Confirmation(
        title=label,
        sentence=refund_sentence(order, plan),
        consequence=_refund_consequence(mode, document),
        ok_label=label,
    )


def goodwill_confirmation(
    *, user: User, order: Order, mode: str, form: GoodwillRefundForm
) -> Confirmation:
    """The goodwill Refund / Refund Offline of the valid `form`. Raises what `goodwill_refund`
    raises before writing: StaleOrder, OperationUnavailable, DocumentError, PERMISSION_DENIED."""
    amount = form.cleaned_data["amount"]
    check_version(order, form.cleaned_data["version"])
    ensure_memo_available(user=user, order=order, invoice=None, goodwill=True)
    check_refund_mode(user=user, order=order, invoice=None, mode=mode, amount=amount)
    choices = refund_choices(user=user, order=order, invoice=None, amount=amount)
    plan = next(choice.plan for choice in choices if choice.mode == mode)
    return _refund_confirmation(
        user=user,
        order=order,
        mode=mode,
        amount=amount,
        plan=plan,
        document="It is kept as a credit memo with an adjustment only.",
    )


def credit_memo_confirmation(
    *, user: User, order: Order, invoice: Invoice | None, mode: str, form: CreditMemoForm
) -> Confirmation:
    """Refund / Refund Offline of the valid New Credit Memo `form` (its button checked by
    `form.check_mode`). Raises what `credit_memo_create` raises before writing."""
    check_version(order, form.cleaned_data["version"])
    ensure_memo_available(user=user, order=order, invoice=invoice, goodwill=False)
    amount = form.totals.grand_total
    check_refund_mode(user=user, order=order, invoice=invoice, mode=mode, amount=amount)
    source = f" for invoice #{invoice.number}" if invoice is not None else " for the order"
    return _refund_confirmation(
        user=user,
        order=order,
        mode=mode,
        amount=amount,
        plan=form.choice(mode).plan,
        document=f"A credit memo of {_money(order, amount)}{source} is created.",
    )


# ---- Submit Invoice and an invoice's Capture -------------------------------------------------


def _capture_clause(
    order: Order, mode: str, amount: int, user: User, *, remaining: bool
) -> tuple[str, str]:
    """What the Amount choice does with `amount` ("capture $66.00 online from …"), and what
    follows from it; `remaining`: money already captured on the order pays the rest."""
    money = f"the remaining {_money(order, amount)}" if remaining else _money(order, amount)
    if mode == CaptureMode.OFFLINE:
        return (
            f"record {money} as captured offline ({OFFLINE_RECEIVED})",
            f"{NOT_CALLED}: use this only when the money was received another way.",
        )
    plan = invoice_capture_plan(order_payments(order), mode=mode, amount=amount, user=user)
    return (
        f"capture {money} online{_capture_sources(order, plan)}",
        f"{TAKEN_NOW}; only a credit memo gives it back.",
    )


def _offline_approval(order: Order, mode: str, amount: int, *, title: str) -> Confirmation | None:
    """A Capture Offline that four-eyes would hold (as `invoice_capture_offline_request`)."""
    if mode != CaptureMode.OFFLINE or amount <= 0:
        return None
    if (why := _why(order, amount, ApprovalKind.CAPTURE_OFFLINE)) is None:
        return None
    return approval_confirmation(
        title=title,
        what="offline capture (Capture Offline)",
        amount=_money(order, amount),
        why=why,
        consequence="The invoice is created open; nothing is recorded as paid until a manager "
        "approves it."
        if title == "Submit Invoice"
        else "Nothing is recorded as paid until a manager approves it.",
    )


def invoice_confirmation(*, user: User, order: Order, form: InvoiceNewForm) -> Confirmation:
    """Submit Invoice for the valid New Invoice `form`. Raises StaleOrder as the service would."""
    check_version(order, form.cleaned_data["version"])
    mode = form.cleaned_data["capture_mode"]
    total, to_capture = form.totals.grand_total, form.to_capture
    head = f"Create invoice #{next_invoice_number(order)} for {_money(order, total)}"
    if mode == CaptureMode.NOT_CAPTURE:
        sentence, consequence = f"{head} without capturing it.", "Capture it later from its page."
    elif to_capture <= 0:
        sentence = f"{head}, paid by money already captured on this order."
        consequence = "No money moves."
    elif (waits := _offline_approval(order, mode, to_capture, title="Submit Invoice")) is not None:
        return waits
    else:
        clause, consequence = _capture_clause(
            order, mode, to_capture, user, remaining=to_capture != total
        )
        sentence = f"{head} and {clause}."
    return Confirmation(
        title="Submit Invoice",
        sentence=sentence,
        consequence=consequence,
        ok_label="Submit Invoice",
    )


def invoice_capture_confirmation(
    *, user: User, invoice: Invoice, form: InvoiceCaptureForm
) -> Confirmation:
    """Capture (online or offline) of what the open `invoice` still owes, for the valid `form`.
    Raises StaleOrder as the service would."""
    order = invoice.order
    check_version(order, form.cleaned_data["version"])
    amount = invoice_amount_to_capture(invoice)
    mode = form.cleaned_data["capture_mode"]
    money = _money(order, amount)
    if (waits := _offline_approval(order, mode, amount, title="Capture")) is not None:
        return waits
    if mode == CaptureMode.OFFLINE:
        sentence = (
            f"Record {money} as captured offline for invoice #{invoice.number} "
            f"({OFFLINE_RECEIVED})."
        )
        consequence = f"{NOT_CALLED}: use this only when the money was received another way."
    else:
        plan = invoice_capture_plan(order_payments(order), mode=mode, amount=amount, user=user)
        sources = _capture_sources(order, plan)
        sentence = f"Capture {money} online for invoice #{invoice.number}{sources}."
        consequence = f"{TAKEN_NOW}; only a credit memo gives it back."
    return Confirmation(
        title="Capture", sentence=sentence, consequence=consequence, ok_label="Capture"
    )
