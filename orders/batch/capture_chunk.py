"""capture_authorized for a claimed chunk of orders at once: the common case, fast.

The common order waiting for capture has nothing invoiced yet and one open authorization that
covers it. For those orders this does, for the whole chunk, exactly what `invoice_create`
(Amount: Capture Online) does for one order, in the same three steps of DESIGN.md's skeleton:

1. one transaction under the chunk's locks: the same re-checks (invoice and Capture Online
   availability from the registries, the capture plan), the invoice with its items, the item
   counters, the history, the state change to processing, and the pending capture rows with
   the keys the one-by-one path uses (`capture_authorized:<order>:1:<payment>`);
2. the gateway asked once for the chunk (`Gateway.capture_many`), outside any transaction;
3. one transaction: each answer recorded as `record_outcome` records it, the invoices paid
   once covered, the orders complete when everything is invoiced and paid.

Orders that need more go through `CaptureAuthorized.process` one by one: an invoice already
there (a crash left one unstarted, or staff invoiced part), money already captured, a capture
spread over several authorizations, an operation still waiting for its answer.

A crash after step 1 leaves pending captures with their keys, exactly as a crash of the
one-by-one path does: reconcile_payments asks the gateway and settles the invoices.
"""

import logging
from dataclasses import dataclass, replace
from typing import Protocol

from django.db import transaction
from django.utils import timezone

from backoffice.batch.results import ItemResult, failed
from backoffice.bulk import bulk_insert, bulk_set
from orders import history
from orders.batch.capture_results import (
    CAPTURABLE_STATES,
    expired_skip,
    item_result,
    quantities_to_invoice,
)
from orders.capture_modes import capture_online_availability
from orders.capture_plan import plan_capture
from orders.enums import CaptureMode, InvoiceState, OrderState
from orders.invoice_totals import InvoiceTotals, invoice_totals
from orders.models import Invoice, Order
from orders.operations import OrderOperation, order_operation_availability
from orders.services.invoice_outcome import SpreadOutcome, StepOutcome, describe_spread
from orders.services.invoicing import invoice_created_text, invoice_items, new_invoice
from orders.services.order_documents import order_progress
from orders.services.state import order_change_state, orders_save_chunk
from payments.enums import TransactionSource
from payments.locks import lock_orders_and_payments
from payments.models import Payment
from payments.services.bulk import call_many, open_many, record_many
from payments.services.capture import capture_request

logger = logging.getLogger("payments.batch")
BATCH = TransactionSource.BATCH


class CaptureJob(Protocol):
    """What this module asks of the job (`CaptureAuthorized`): its idempotency keys."""

    def key(self, item: Order) -> str: ...


@dataclass(frozen=True)
class _Planned:
    invoice: Invoice
    totals: InvoiceTotals
    payment: Payment  # the one authorization that covers it


def capture_chunk(job: CaptureJob, claimed: list[Order]) -> dict[int, ItemResult]:
    """{order pk: result} for the orders settled here; the others go one by one."""
    settled: dict[int, ItemResult] = {}
    with transaction.atomic(durable=True), history.batched():
        orders = lock_orders_and_payments(
            [order.pk for order in claimed], related=("items", "invoices")
        )
        planned = _invoice(job, orders, settled)
        if not planned:
            return settled
        invoices = [entry.invoice for entry in planned]
        requests = [
            # The request's own check caps the capture at what its invoice has left to collect:
            # three reads per order. The invoice was written just now, under this lock, and
            # nothing else can have collected for it: what it has left is its total, the amount.
            replace(
                capture_request(
                    payment=entry.payment,
                    amount=entry.invoice.grand_total,
                    online=True,
                    actor=None,
                    idempotency_key=f"{entry.invoice.idempotency_key}:{entry.payment.pk}",
                    invoice=entry.invoice,
                    source=BATCH,
                ),
                check=None,
            )
            for entry in planned
        ]
        opened = open_many(requests, orders=[invoice.order for invoice in invoices])
        rows = [entry.transaction for entry in opened if entry.transaction is not None]
        if len(rows) != len(opened):
            # The plan was made under this very lock: a refusal now is a bug. Roll back; the
            # runner takes the chunk one by one, and the services say what is wrong.
            raise RuntimeError("A capture planned under the lock was refused.")
        orders_save_chunk([invoice.order for invoice in invoices])
    answers = call_many(rows)
    try:
        return settled | _settle(invoices, answers)
    except Exception:
        # The gateway answered and its answers are not recorded: never capture again with a
        # new key; the rows stay pending and reconcile_payments settles them.
        logger.exception("capture_authorized: recording %d answers failed", len(answers))
        lost = "the gateway's answer could not be recorded; reconcile_payments will settle it"
        return settled | {invoice.order_id: failed("not recorded", lost) for invoice in invoices}


def _invoice(job: CaptureJob, orders: list[Order], settled: dict) -> list[_Planned]:
    """Step 1's documents for the orders this path takes; refusals into `settled`."""
    numbers = {order.pk: f"{order.number}-1" for order in orders}
    taken = set(
        Invoice.objects.filter(number__in=numbers.values()).values_list("number", flat=True)
    )
    planned = []
    for order in orders:
        expired = expired_skip(order, now=timezone.now())
        if expired is not None:
            settled[order.pk] = expired
            continue
        if numbers[order.pk] in taken or not _first_capture(order):
            continue
        entry = _plan(job, order, number=numbers[order.pk])
        if isinstance(entry, ItemResult):
            settled[order.pk] = entry
        elif entry is not None:
            planned.append(entry)
    _write(planned)
    return planned


def _plan(job: CaptureJob, order: Order, *, number: str) -> _Planned | ItemResult | None:
    """The order's invoice (not saved yet) when one authorization covers it, the refusal when
    the re-checks refuse it, or None when the capture spreads over several: one by one."""
    availability = order_operation_availability(
        user=None, order=order, operation=OrderOperation.INVOICE
    )
    items = list(order.items.all())
    totals = invoice_totals(
        order=order, items=items, quantities=quantities_to_invoice(order), include_shipping=True
    )
    if availability.allowed:
        availability = capture_online_availability(
            user=None, order=order, amount=totals.grand_total
        )
    if not availability.allowed:
        return failed("refused", availability.reason)
    plan = plan_capture(order.payments.all(), amount=totals.grand_total, user=None)
    if len(plan.steps) != 1:
        return None  # spread over several authorizations: one by one
    invoice = new_invoice(
        order=order,
        number=number,
        capture_mode=CaptureMode.ONLINE,
        totals=totals,
        idempotency_key=f"{job.key(order)}:1",
    )
    return _Planned(invoice=invoice, totals=totals, payment=plan.steps[0].payment)


def _write(planned: list[_Planned]) -> None:
    """The planned invoices inserted with their items and the items' counters; each order's
    history queued and its state changed in memory (`capture_chunk` saves the orders)."""
    counted = []
    for entry in planned:
        for line in entry.totals.lines:
            # The counter from the invoice items, as `items_qty_invoiced_refresh` counts it:
            # this is the order's only invoice.
            line.order_item.qty_invoiced = line.qty
            counted.append(line.order_item)
    bulk_insert([entry.invoice for entry in planned])
    bulk_insert(
        [
            item
            for entry in planned
            for item in invoice_items(invoice=entry.invoice, totals=entry.totals)
        ]
    )
    bulk_set(counted, ["qty_invoiced"])
    for entry in planned:
        invoice, order = entry.invoice, entry.invoice.order
        order.version += 1
        history.comment_invoice(
            order=order,
            invoice=invoice,
            body=invoice_created_text(invoice=invoice, totals=entry.totals),
            source=BATCH,
        )
        if order.state in {OrderState.NEW, OrderState.PENDING_PAYMENT}:
            order_change_state(
                order=order,
                to=OrderState.PROCESSING,
                reason=f"Invoice #{invoice.number} created.",
                save=False,
            )


def _first_capture(order: Order) -> bool:
    """What this path takes: a capturable order with nothing invoiced, nothing captured and
    no operation waiting for its answer."""
    payments = list(order.payments.all())
    return (
        order.state in CAPTURABLE_STATES
        and not order.invoices.all()
        and not any(p.amount_captured for p in payments)
        and not any(row.is_open for p in payments for row in p.transactions.all())
    )


def _settle(invoices: list[Invoice], answers: list) -> dict[int, ItemResult]:
    """Step 3: the answers, the invoices paid once covered, the orders' progress."""
    results = {}
    with transaction.atomic(durable=True), history.batched():
        orders = lock_orders_and_payments(
            [invoice.order_id for invoice in invoices], related=("items",)
        )
        recorded = record_many(answers, orders=orders)
        rows = {row.invoice_id: row for row in recorded.rows}
        by_order = {order.pk: order for order in orders}
        fresh = {i.pk: i for group in recorded.invoices.values() for i in group}
        missing = [invoice.pk for invoice in invoices if invoice.pk not in fresh]
        fresh |= Invoice.objects.in_bulk(missing)  # answers resolved meanwhile by another
        paid = []
        for invoice in invoices:
            order = by_order[invoice.order_id]
            current = fresh[invoice.pk]
            current.order = order
            if current.state == InvoiceState.OPEN and current.amount_paid >= current.grand_total:
                current.state = InvoiceState.PAID
                paid.append(current)
            row = rows[invoice.pk]
            step = StepOutcome(payment=row.payment, amount=row.amount, transaction=row)
            outcome = SpreadOutcome(
                invoice=current, mode=CaptureMode.ONLINE, amount=row.amount, steps=[step]
            )
            if outcome.needs_history:
                history.comment_invoice(
                    order=order, invoice=current, body=describe_spread(outcome), source=BATCH
                )
            order_progress(order=order, user=None, invoices=[current], save=False)
            order.version += 1
            results[order.pk] = item_result(outcome)
        bulk_set(paid, ["state"])
        orders_save_chunk(orders)
    return results
