"""Invoices: create, capture and cancel one, and Mark as paid when it settles an open invoice.
(Void and Cancel on the order: orders.services.order_cancel.)

Every money movement is one of the money engine's services (`payments.services`), which follow
DESIGN.md's skeleton on their own: lock, pending transaction with its idempotency key, commit,
gateway call outside any transaction, result in a new transaction. This module decides *what*
to move (quantities, totals, the spread over the authorizations) and keeps the documents, item
counters, order version and history in step.

A workflow runs in up to three steps, each its own durable transaction or gateway call:
1. under the order lock: re-check the version (stale form), availability and amounts, write the
   documents, bump the version;
2. the money engine's operations, one per authorization, outside any transaction of ours;
3. under the lock again: settle the documents from the ledger and say in the history exactly
   what happened.
"""

import logging
from collections.abc import Mapping

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from backoffice.availability import Availability, allowed, ensure, permission_missing
from backoffice.errors import DomainError
from backoffice.money import format_money
from backoffice.permissions import permission_reason, store_permissions
from orders.capture_modes import capture_modes
from orders.capture_plan import CapturePlan, CaptureStep, plan_capture
from orders.enums import CaptureMode, CommentSource, InvoiceState, OrderState
from orders.history import comment_invoice
from orders.invoice_totals import InvoiceTotals, invoice_totals, is_first_invoice
from orders.models import Invoice, InvoiceItem, Order
from orders.operations import (
    InvoiceOperation,
    OrderOperation,
    invoice_operation_availability,
    order_operation_availability,
)
from orders.order_amounts import invoice_amount_to_capture
from orders.services.invoice_outcome import SpreadOutcome, StepOutcome, describe_spread
from orders.services.order_documents import (
    InvoicingError,
    StaleOrder,
    acting_source,
    bump_version,
    check_version,
    items_qty_invoiced_refresh,
    order_progress,
)
from orders.services.state import order_change_state
from payments.locks import lock_order_and_payments
from payments.models import Payment, Transaction
from payments.recompute import order_payments_recompute
from payments.services import OperationResult, order_mark_as_paid, payment_capture

# The shared document helpers stay importable from here, where other workflows found them.
__all__ = [
    "InvoicingError",
    "StaleOrder",
    "acting_source",
    "bump_version",
    "check_version",
    "email_copy_availability",
    "invoice_cancel",
    "invoice_capture",
    "invoice_create",
    "invoice_follow_outcome",
    "items_qty_invoiced_refresh",
    "order_mark_as_paid_for_invoice",
    "order_progress",
]

logger = logging.getLogger(__name__)

NO_ITEMS = "Enter a quantity for at least one item."
ZERO_TOTAL = "The invoice total must be more than zero."


def _next_invoice_number(order: Order) -> str:
    taken = set(Invoice.objects.filter(order=order).values_list("number", flat=True))
    n = len(taken) + 1
    while f"{order.number}-{n}" in taken or Invoice.objects.filter(number=f"{order.number}-{n}"):
        n += 1
    return f"{order.number}-{n}"


def _validated_totals(order: Order, quantities: Mapping[int, int]) -> InvoiceTotals:
    items = list(order.items.all())
    known = {item.pk: item for item in items}
    for pk, qty in quantities.items():
        item = known.get(pk)
        field = f"qty_{pk}"
        if item is None:
            raise InvoicingError("This item is not on the order.", field=field)
        if qty < 0:
            raise InvoicingError("The quantity cannot be negative.", field=field)
        if qty > item.qty_to_invoice:
            left = item.qty_to_invoice
            message = f"Only {left} left to invoice." if left else "Nothing left to invoice."
            raise InvoicingError(message, field=field)
    if not any(qty > 0 for qty in quantities.values()):
        raise InvoicingError(NO_ITEMS, code="no_items")
    totals = invoice_totals(
        order=order,
        items=items,
        quantities=quantities,
        include_shipping=is_first_invoice(order.invoices.all()),
    )
    if totals.grand_total <= 0:
        raise InvoicingError(ZERO_TOTAL, code="zero_total")
    return totals


def _check_capture_mode(*, user: AbstractBaseUser, order: Order, mode: str, amount: int) -> None:
    option = capture_modes(user=user, order=order, amount=amount)[mode]
    if option.is_permission:
        raise PermissionDenied(option.reason)
    if not option.allowed:
        raise InvoicingError(option.reason, field="capture_mode")


EMAIL_COPY = "Email Copy of Invoice"


def email_copy_availability(*, user: AbstractBaseUser | None, order: Order) -> Availability:
    """Email Copy of Invoice writes to the customer: the Notify the customer permission."""
    if user is None or store_permissions(user).has("notify_customer", order.store):
        return allowed("email_copy", EMAIL_COPY)
    reason = permission_reason("notify_customer", store=order.store)
    return permission_missing("email_copy", EMAIL_COPY, reason)


def new_invoice(
    *,
    order: Order,
    number: str,
    capture_mode: str,
    totals: InvoiceTotals,
    idempotency_key: str,
    **fields,
) -> Invoice:
    """The invoice of `totals` (not saved yet); `fields`: the rest of what the caller knows."""
    return Invoice(
        order=order,
        number=number,
        capture_mode=capture_mode,
        subtotal=totals.subtotal,
        shipping_amount=totals.shipping_amount,
        tax_amount=totals.tax_amount,
        discount_amount=totals.discount_amount,
        grand_total=totals.grand_total,
        idempotency_key=idempotency_key,
        **fields,
    )


def invoice_items(*, invoice: Invoice, totals: InvoiceTotals) -> list[InvoiceItem]:
    """The invoice's lines (not saved yet), one per item it takes units of."""
    return [
        InvoiceItem(
            invoice=invoice,
            order_item=line.order_item,
            qty=line.qty,
            row_total=line.row_total,
            tax_amount=line.tax_amount,
            discount_amount=line.discount_amount,
        )
        for line in totals.lines
    ]


def invoice_created_text(*, invoice: Invoice, totals: InvoiceTotals) -> str:
    """The history line of a new invoice: its total, its items and its Amount choice."""
    amount = format_money(totals.grand_total, totals.currency)
    items = ", ".join(f"{line.qty} × {line.order_item.sku}" for line in totals.lines)
    mode = CaptureMode(invoice.capture_mode).label
    return f"Invoice #{invoice.number} created for {amount} ({items}). Amount: {mode}."


def invoice_create(
    *,
    order: Order,
    user: AbstractBaseUser | None,
    quantities: Mapping[int, int],
    capture_mode: str,
    expected_version: int,
    idempotency_key: str,
    comment: str = "",
    notify_customer: bool = False,
) -> SpreadOutcome:
    """Create an invoice for `quantities` ({order item pk: qty}) and capture it as asked.

    A second call with the same `idempotency_key` returns the first call's invoice and does
    nothing else (a double-clicked Submit Invoice). `user` None: a batch job (capture_authorized),
    recorded with source "batch".
    """
    with transaction.atomic(durable=True):
        order, payments = lock_order_and_payments(order.pk)
        existing = Invoice.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return SpreadOutcome(invoice=existing, mode=existing.capture_mode, repeated=True)
        check_version(order, expected_version)
        ensure(
            order_operation_availability(user=user, order=order, operation=OrderOperation.INVOICE)
        )
        if notify_customer and not (notify := email_copy_availability(user=user, order=order)):
            raise PermissionDenied(notify.reason)
        totals = _validated_totals(order, quantities)
        invoice = new_invoice(
            order=order,
            number=_next_invoice_number(order),
            capture_mode=capture_mode,
            totals=totals,
            idempotency_key=idempotency_key,
            comment=comment.strip(),
            is_customer_notified=notify_customer,
            created_by=user,
        )
        invoice.save(force_insert=True)
        InvoiceItem.objects.bulk_create(invoice_items(invoice=invoice, totals=totals))
        items_qty_invoiced_refresh(order)
        bump_version(order)
        comment_invoice(
            order=order,
            invoice=invoice,
            author=user,
            body=invoice_created_text(invoice=invoice, totals=totals),
            source=acting_source(user),
        )
        if invoice.comment:
            comment_invoice(
                order=order,
                invoice=invoice,
                author=user,
                body=invoice.comment,
                is_customer_notified=notify_customer,
            )
        if notify_customer:
            transaction.on_commit(lambda: _email_invoice(invoice=invoice), robust=True)
        if order.state in {OrderState.NEW, OrderState.PENDING_PAYMENT}:
            order_change_state(
                order=order,
                to=OrderState.PROCESSING,
                actor=user,
                reason=f"Invoice #{invoice.number} created.",
            )
        # Money already captured on the order without an invoice pays this one first (the
        # recompute links it); the Amount choice applies to the rest.
        order_payments_recompute(order=order)
        invoice = Invoice.objects.get(pk=invoice.pk)
        invoice.order = order
        amount = invoice_amount_to_capture(invoice)
        _check_capture_mode(user=user, order=order, mode=capture_mode, amount=amount)
        plan = _plan(payments, mode=capture_mode, amount=amount, user=user)
    return _capture_and_settle(
        invoice=invoice,
        mode=capture_mode,
        plan=plan,
        user=user,
        key=idempotency_key,
        prepaid=invoice.amount_paid,
    )


def invoice_capture(
    *,
    invoice: Invoice,
    user: AbstractBaseUser | None,
    capture_mode: str,
    expected_version: int,
    idempotency_key: str,
) -> SpreadOutcome:
    """Capture what an open invoice still owes, online (spread) or offline."""
    with transaction.atomic(durable=True):
        order, payments = lock_order_and_payments(invoice.order_id)
        if Transaction.objects.filter(idempotency_key__startswith=f"{idempotency_key}:").exists():
            invoice.refresh_from_db()
            return SpreadOutcome(invoice=invoice, mode=capture_mode, repeated=True)
        invoice = Invoice.objects.select_related("order__store").get(pk=invoice.pk)
        invoice.order = order
        check_version(order, expected_version)
        ensure(
            invoice_operation_availability(
                user=user, invoice=invoice, operation=InvoiceOperation.CAPTURE
            )
        )
        amount = invoice_amount_to_capture(invoice)
        _check_capture_mode(user=user, order=order, mode=capture_mode, amount=amount)
        bump_version(order)
        plan = _plan(payments, mode=capture_mode, amount=amount, user=user)
    return _capture_and_settle(
        invoice=invoice, mode=capture_mode, plan=plan, user=user, key=idempotency_key
    )


def _capture_and_settle(
    *,
    invoice: Invoice,
    mode: str,
    plan: CapturePlan,
    user: AbstractBaseUser,
    key: str,
    prepaid: int = 0,
) -> SpreadOutcome:
    if mode == CaptureMode.ONLINE:
        steps = _capture_online(invoice=invoice, plan=plan, user=user, key=key)
    elif mode == CaptureMode.OFFLINE:
        steps = _capture_offline(invoice=invoice, plan=plan, user=user, key=key)
    else:
        steps = []
    return _invoice_settle(
        invoice=invoice, mode=mode, amount=plan.amount, steps=steps, user=user, prepaid=prepaid
    )


def _plan(
    payments: list[Payment], *, mode: str, amount: int, user: AbstractBaseUser
) -> CapturePlan:
    if mode == CaptureMode.NOT_CAPTURE:
        return CapturePlan(amount=amount, steps=[])
    return plan_capture(payments, amount=amount, user=user, online=mode == CaptureMode.ONLINE)


def _capture_step(
    *, step: CaptureStep, invoice: Invoice, online: bool, user: AbstractBaseUser, key: str
) -> StepOutcome:
    try:
        result = payment_capture(
            payment=step.payment,
            amount=step.amount,
            online=online,
            actor=user,
            idempotency_key=f"{key}:{step.payment.pk}",
            invoice=invoice,
            source=acting_source(user),
        )
    except DomainError as exc:
        # Refused before anything was written: the authorization changed since the plan.
        return StepOutcome(payment=step.payment, amount=step.amount, refusal=exc.message)
    return StepOutcome(payment=step.payment, amount=step.amount, transaction=result.transaction)


def _capture_online(
    *, invoice: Invoice, plan: CapturePlan, user: AbstractBaseUser, key: str
) -> list[StepOutcome]:
    """One capture per authorization; stop at the first that does not succeed.

    Stopping keeps the history simple to act on: what was captured stays captured, the rest is
    still owed on the invoice and its Capture button takes it from wherever it is open then.
    An unknown outcome also puts the order in payment review, where nothing more may move.
    """
    steps: list[StepOutcome] = []
    for step in plan.steps:
        if steps and not steps[-1].succeeded:
            steps.append(StepOutcome(payment=step.payment, amount=step.amount))
            continue
        steps.append(_capture_step(step=step, invoice=invoice, online=True, user=user, key=key))
    return steps


def _capture_offline(
    *, invoice: Invoice, plan: CapturePlan, user: AbstractBaseUser, key: str
) -> list[StepOutcome]:
    """Magento's Capture Offline: an offline capture per authorization, and a manual payment for
    what no authorization covers (money received outside the gateway)."""
    steps = [
        _capture_step(step=step, invoice=invoice, online=False, user=user, key=key)
        for step in plan.steps
    ]
    if plan.shortfall > 0:
        try:
            result = order_mark_as_paid(
                order=invoice.order,
                amount=plan.shortfall,
                merchant_reference="",
                memo=f"Capture Offline of invoice #{invoice.number}.",
                actor=user,
                idempotency_key=f"{key}:manual",
                invoice=invoice,
                source=acting_source(user),
            )
        except DomainError as exc:
            steps.append(StepOutcome(payment=None, amount=plan.shortfall, refusal=exc.message))
        else:
            txn = result.transaction
            steps.append(StepOutcome(payment=txn.payment, amount=plan.shortfall, transaction=txn))
    return steps


def _invoice_settle(
    *,
    invoice: Invoice,
    mode: str,
    amount: int,
    steps: list[StepOutcome],
    user: AbstractBaseUser,
    prepaid: int = 0,
) -> SpreadOutcome:
    """After the money moved: invoice paid or still open, order state, one clear history line."""
    with transaction.atomic(durable=True):
        order, _payments = lock_order_and_payments(invoice.order_id)
        invoice = _invoice_refresh(invoice=invoice, order=order)
        outcome = SpreadOutcome(
            invoice=invoice, mode=mode, amount=amount, steps=steps, prepaid=prepaid
        )
        if outcome.needs_history:
            comment_invoice(
                order=order,
                invoice=invoice,
                author=user,
                body=describe_spread(outcome),
                source=acting_source(user),
            )
        order_progress(order=order, user=user)
        bump_version(order)
    return outcome


def _invoice_refresh(*, invoice: Invoice, order: Order) -> Invoice:
    """Under the lock: the invoice's paid amount from the ledger, and paid once it is covered."""
    order_payments_recompute(order=order)
    invoice = Invoice.objects.get(pk=invoice.pk)
    invoice.order = order
    if invoice.state == InvoiceState.OPEN and invoice.amount_paid >= invoice.grand_total:
        invoice.state = InvoiceState.PAID
        invoice.save(update_fields=["state"])
    return invoice


def invoice_follow_outcome(
    *, transaction: Transaction, order: Order, actor: AbstractBaseUser | None, via: str
) -> None:
    """The money engine's outcome listener: a capture of an invoice resolved after the invoice's
    own flow ended (reconciliation of a timeout) settles the invoice, under the same lock."""
    if transaction.invoice_id is None and transaction.is_settled:
        # Captured without an invoice: the recompute let it pay the open invoices; the order
        # may be complete now.
        order_progress(order=order, user=actor)
        return
    if not via or transaction.invoice_id is None or not transaction.is_settled:
        return  # the invoice's own step 3 settles it; failures leave it open as it is
    invoice = Invoice.objects.get(pk=transaction.invoice_id)
    if invoice.state != InvoiceState.OPEN or invoice.amount_paid < invoice.grand_total:
        return
    invoice.state = InvoiceState.PAID
    invoice.save(update_fields=["state"])
    comment_invoice(
        order=order,
        invoice=invoice,
        author=actor,
        source=CommentSource.GATEWAY,
        body=f"{via}: invoice #{invoice.number} is paid "
        f"({format_money(invoice.grand_total, order.currency)}).",
    )
    order_progress(order=order, user=actor)


def order_mark_as_paid_for_invoice(
    *,
    order: Order,
    invoice: Invoice | None,
    user: AbstractBaseUser,
    amount: int,
    merchant_reference: str,
    memo: str,
    expected_version: int,
    idempotency_key: str,
) -> OperationResult:
    """The money engine's Mark as paid; when it pays an open invoice, that invoice is settled
    (paid once covered) and the order moves on like after any capture."""
    with transaction.atomic(durable=True):
        locked, _payments = lock_order_and_payments(order.pk)
        if not Transaction.objects.filter(idempotency_key=idempotency_key).exists():
            check_version(locked, expected_version)
    result = order_mark_as_paid(
        order=order,
        amount=amount,
        merchant_reference=merchant_reference,
        memo=memo,
        actor=user,
        idempotency_key=idempotency_key,
        invoice=invoice,
    )
    with transaction.atomic(durable=True):
        locked, _payments = lock_order_and_payments(order.pk)
        if invoice is not None:
            _invoice_refresh(invoice=invoice, order=locked)
        order_progress(order=locked, user=user)
        bump_version(locked)
    return result


def invoice_cancel(
    *, invoice: Invoice, user: AbstractBaseUser, expected_version: int, idempotency_key: str
) -> Invoice:
    """Cancel an open invoice nothing was captured for: its items can be invoiced again."""
    with transaction.atomic(durable=True):
        order, _payments = lock_order_and_payments(invoice.order_id)
        invoice = Invoice.objects.get(pk=invoice.pk)
        if invoice.state == InvoiceState.CANCELED:
            return invoice  # a double submit: already done
        invoice.order = order
        check_version(order, expected_version)
        ensure(
            invoice_operation_availability(
                user=user, invoice=invoice, operation=InvoiceOperation.CANCEL
            )
        )
        invoice.state = InvoiceState.CANCELED
        invoice.save(update_fields=["state"])
        items_qty_invoiced_refresh(order)
        bump_version(order)
        comment_invoice(
            order=order,
            invoice=invoice,
            author=user,
            body=f"Invoice #{invoice.number} for "
            f"{format_money(invoice.grand_total, order.currency)} canceled; "
            "its items can be invoiced again.",
        )
    return invoice


def _email_invoice(*, invoice: Invoice) -> None:
    order = invoice.order
    context = {"invoice": invoice, "order": order, "store": order.store}
    send_mail(
        subject=f"{order.store.name}: invoice #{invoice.number} for your order #{order.number}",
        message=render_to_string("emails/invoice.txt", context),
        from_email=None,
        recipient_list=[order.customer_email],
    )
    logger.info("Emailed invoice %s to the customer of order %s", invoice.number, order.number)
