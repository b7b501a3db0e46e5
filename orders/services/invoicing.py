"""Invoices: create one and capture it as asked, capture an open one. (Mark as paid, which may
settle an open invoice: orders.services.mark_as_paid; cancel an invoice:
orders.services.invoice_cancel; Void and Cancel on the order: orders.services.order_cancel.)

Every money movement is one of the money engine's services (`payments.services`), which follow
DESIGN.md's skeleton on their own: lock, pending transaction with its idempotency key, commit,
gateway call outside any transaction, result in a new transaction. This module decides *what*
to move (quantities, totals, the Amount choice) and keeps the documents, item counters, order
version and history in step.

A workflow runs in up to three steps, each its own durable transaction or gateway call:
1. here, under the order lock: re-check the version (stale form), availability and amounts,
   write the documents, bump the version;
2. the money engine's operations, one per authorization, outside any transaction of ours;
3. under the lock again: settle the documents from the ledger and say in the history exactly
   what happened (2 and 3: orders.services.invoice_captures).
"""

from collections.abc import Mapping

from django.contrib.auth.models import User
from django.db import transaction

from backoffice.availability import ensure
from backoffice.errors import DomainError, ErrorCode
from backoffice.money import format_money
from backoffice.tasks import enqueue_with_transaction
from orders.capture_modes import capture_modes
from orders.capture_plan import CapturePlan
from orders.enums import CaptureMode, CommentSource, InvoiceState, OrderState
from orders.history import comment_invoice
from orders.invoice_totals import (
    InvoiceTotals,
    invoice_total_refusal,
    invoice_totals,
    is_first_invoice,
)
from orders.models import ApprovalRequest, Invoice, InvoiceItem, Order
from orders.operations import (
    InvoiceOperation,
    OrderOperation,
    invoice_operation_availability,
    order_operation_availability,
)
from orders.order_amounts import invoice_amount_to_capture
from orders.services.approval_asks import invoice_capture_offline_request
from orders.services.emails import email_invoice
from orders.services.invoice_captures import (
    invoice_capture_and_settle,
    invoice_capture_offline_locked,
    invoice_capture_plan,
)
from orders.services.invoice_email import email_copy_availability
from orders.services.invoice_outcome import SpreadOutcome, StepOutcome
from orders.services.order_documents import (
    DocumentError,
    acting_source,
    bump_version,
    check_version,
    items_qty_invoiced_refresh,
    order_progress,
)
from orders.services.state import order_change_state
from payments.locks import lock_order_and_payments
from payments.models import Transaction
from payments.recompute import order_payments_recompute

NO_ITEMS = "Enter a quantity for at least one item."


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
            raise DocumentError(ErrorCode.INVALID, "This item is not on the order.", field=field)
        if qty < 0:
            raise DocumentError(ErrorCode.INVALID, "The quantity cannot be negative.", field=field)
        if qty > item.qty_to_invoice:
            left = item.qty_to_invoice
            message = f"Only {left} left to invoice." if left else "Nothing left to invoice."
            raise DocumentError(ErrorCode.INVALID, message, field=field)
    if not any(qty > 0 for qty in quantities.values()):
        raise DocumentError(ErrorCode.NO_ITEMS, NO_ITEMS)
    totals = invoice_totals(
        order=order,
        items=items,
        quantities=quantities,
        include_shipping=is_first_invoice(order.invoices.all()),
    )
    if refusal := invoice_total_refusal(order=order, totals=totals):
        raise DocumentError(ErrorCode.INVALID_AMOUNT, refusal)
    return totals


def _check_capture_mode(*, user: User | None, order: Order, mode: str, amount: int) -> None:
    option = capture_modes(user=user, order=order, amount=amount)[mode]
    if option.is_permission:
        raise DomainError(ErrorCode.PERMISSION_DENIED, option.reason)
    if not option.allowed:
        raise DocumentError(ErrorCode.NOT_AVAILABLE, option.reason, field="capture_mode")


def new_invoice(
    *,
    order: Order,
    number: str,
    capture_mode: str,
    totals: InvoiceTotals,
    idempotency_key: str,
    **fields: object,
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
    user: User | None,
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
    recorded with source "batch". Raises DomainError before anything is written: StaleOrder,
    DocumentError (bad quantities or totals, an Amount choice not available),
    OperationUnavailable, or PERMISSION_DENIED.
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
            raise DomainError(ErrorCode.PERMISSION_DENIED, notify.reason)
        invoice = _invoice_write(
            order=order,
            user=user,
            totals=_validated_totals(order, quantities),
            capture_mode=capture_mode,
            idempotency_key=idempotency_key,
            comment=comment,
            notify_customer=notify_customer,
        )
        amount = invoice_amount_to_capture(invoice)
        _check_capture_mode(user=user, order=order, mode=capture_mode, amount=amount)
        awaiting = invoice_capture_offline_request(
            invoice=invoice, user=user, mode=capture_mode, key=idempotency_key
        )
        if awaiting is not None:
            return SpreadOutcome(invoice=invoice, mode=capture_mode, awaiting=awaiting)
        plan = invoice_capture_plan(payments, mode=capture_mode, amount=amount, user=user)
        offline = _offline_rows(
            invoice=invoice, mode=capture_mode, plan=plan, user=user, key=idempotency_key
        )
    return invoice_capture_and_settle(
        invoice=invoice,
        mode=capture_mode,
        plan=plan,
        user=user,
        key=idempotency_key,
        prepaid=invoice.amount_paid,
        offline_steps=offline,
    )


def _invoice_write(
    *,
    order: Order,
    user: User | None,
    totals: InvoiceTotals,
    capture_mode: str,
    idempotency_key: str,
    comment: str,
    notify_customer: bool,
) -> Invoice:
    """Step 1's writes, under the caller's order lock: the invoice, its items, the item
    counters, the version, history, the order's state; the invoice as the ledger now pays it."""
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
    _comment_created(invoice=invoice, totals=totals, user=user)
    if notify_customer:
        enqueue_with_transaction(email_invoice, invoice.pk)
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
    return invoice


def _comment_created(*, invoice: Invoice, totals: InvoiceTotals, user: User | None) -> None:
    order = invoice.order
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
            is_customer_notified=invoice.is_customer_notified,
        )


def invoice_capture(
    *,
    invoice: Invoice,
    user: User | None,
    capture_mode: str,
    expected_version: int,
    idempotency_key: str,
    approved: ApprovalRequest | None = None,
) -> SpreadOutcome:
    """Capture what an open invoice still owes, online (spread) or offline. Capture Offline
    above the store's threshold waits for a second person (the outcome's `awaiting`), unless
    this runs the `approved` request."""
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
        asker = user if approved is None else None  # an approved request asks nobody again
        awaiting = invoice_capture_offline_request(
            invoice=invoice, user=asker, mode=capture_mode, key=idempotency_key
        )
        if awaiting is not None:
            return SpreadOutcome(invoice=invoice, mode=capture_mode, awaiting=awaiting)
        bump_version(order)
        plan = invoice_capture_plan(payments, mode=capture_mode, amount=amount, user=user)
        offline = _offline_rows(
            invoice=invoice, mode=capture_mode, plan=plan, user=user, key=idempotency_key
        )
    return invoice_capture_and_settle(
        invoice=invoice,
        mode=capture_mode,
        plan=plan,
        user=user,
        key=idempotency_key,
        offline_steps=offline,
    )


def _offline_rows(
    *, invoice: Invoice, mode: str, plan: CapturePlan, user: User | None, key: str
) -> list[StepOutcome] | None:
    """Capture Offline's rows, booked in step 1 under the lock that let it pass four-eyes."""
    if mode != CaptureMode.OFFLINE:
        return None
    return invoice_capture_offline_locked(invoice=invoice, plan=plan, user=user, key=key)


def invoice_follow_outcome(
    *, transaction: Transaction, order: Order, actor: User | None, via: str
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
