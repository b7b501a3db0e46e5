"""Capture (mass action): invoice what is left of an order and capture it online.

As on the order page: each open invoice that still owes money is captured (its Capture
button, Capture Online), then the items not invoiced yet are invoiced with Amount: Capture
Online (Submit Invoice), spread over the order's authorizations, soonest-expiring first; money
captured on the order without an invoice pays the new invoice first. It reuses
capture_authorized's pieces (`orders.batch.capture_results`): the same expired-authorization
skip and the same words per outcome ("captured", "declined" with the gateway's reason).

Capture Online is not a four-eyes move (`orders.services.approval_rule`: refunds and money
booked in by hand are): as on the order page, a row above the store's threshold is captured.
Keys: `mass:<job>:<order>:invoice-<pk>` for an open invoice, `mass:<job>:<order>:new` for the
new invoice (its captures add `:<payment pk>`), so a resumed job never captures twice.
"""

from django.db.models import Prefetch
from django.utils import timezone

from backoffice.batch.results import ItemResult, Status, done, failed, skipped
from backoffice.errors import DomainError
from backoffice.job_models import Job
from backoffice.permissions import permission_reason
from orders.batch.capture_results import expired_skip, item_result, quantities_to_invoice
from orders.enums import CaptureMode
from orders.mass.rows import NOT_PERMITTED, refusal, refused, row_key
from orders.models import Invoice, Order
from orders.operations import (
    InvoiceOperation,
    OrderOperation,
    invoice_operation_availability,
    order_operation_availability,
)
from orders.order_amounts import invoice_amount_to_capture, open_invoices, qty_left_to_invoice
from orders.services.invoicing import invoice_capture, invoice_create
from payments import operations as ops
from payments.models import Payment


def _load(order_id: int) -> Order:
    payments = Payment.objects.select_related("gateway_account").prefetch_related("transactions")
    return (
        Order.objects.select_related("store")
        .prefetch_related(
            "items",
            Prefetch("invoices", queryset=Invoice.objects.order_by("pk")),
            "transactions",
            Prefetch("payments", queryset=payments),
        )
        .get(pk=order_id)
    )


def _capture_invoice(job: Job, order: Order, invoice: Invoice) -> ItemResult:
    user = job.created_by
    answer = invoice_operation_availability(
        user=user, invoice=invoice, operation=InvoiceOperation.CAPTURE
    )
    if not answer:
        return refusal(answer)
    try:
        outcome = invoice_capture(
            invoice=invoice,
            user=user,
            capture_mode=CaptureMode.ONLINE,
            expected_version=order.version,
            idempotency_key=f"{row_key(job, order)}:invoice-{invoice.pk}",
        )
    except DomainError as exc:
        return refused(exc)
    return item_result(outcome)


def _invoice_rest(job: Job, order: Order) -> ItemResult:
    user = job.created_by
    answer = order_operation_availability(user=user, order=order, operation=OrderOperation.INVOICE)
    if not answer:
        return refusal(answer)
    try:
        outcome = invoice_create(
            order=order,
            user=user,
            quantities=quantities_to_invoice(order),
            capture_mode=CaptureMode.ONLINE,
            expected_version=order.version,
            idempotency_key=f"{row_key(job, order)}:new",
        )
    except DomainError as exc:
        return refused(exc)
    return item_result(outcome)


def capture_row(job: Job, row: Order) -> ItemResult:
    order = _load(row.pk)
    if "capture_online" not in ops.store_codenames(job.created_by, order.store):
        return skipped(NOT_PERMITTED, permission_reason("capture_online", store=order.store))
    expired = expired_skip(order, now=timezone.now())
    if expired is not None:
        return expired
    owing = [
        invoice.pk
        for invoice in open_invoices(order)
        if invoice_amount_to_capture(invoice, order.transactions.all()) > 0
    ]
    results: list[ItemResult] = []
    for invoice_id in owing:
        order = _load(order.pk) if results else order  # each capture moves the version on
        invoice = next(i for i in order.invoices.all() if i.pk == invoice_id)
        results.append(_capture_invoice(job, order, invoice))
    if qty_left_to_invoice(order) > 0:
        results.append(_invoice_rest(job, _load(order.pk) if results else order))
    if not results:
        return _nothing_left(job, order)
    return combined(results)


def _nothing_left(job: Job, order: Order) -> ItemResult:
    """Nothing to capture: said so, or "already done" when this job captured it (a resumed
    job whose row was done but not recorded)."""
    mine = f"{row_key(job, order)}:"
    if any((row.idempotency_key or "").startswith(mine) for row in order.transactions.all()):
        return skipped("already done", "an earlier run of this job captured it")
    return skipped("nothing to capture", "every item is invoiced and no invoice is open")


def combined(results: list[ItemResult]) -> ItemResult:
    """One row's result from its steps: the worst status, every step's sentence."""
    if len(results) == 1:
        return results[0]
    message = " ".join(r.message for r in results if r.message)
    amount = sum(r.amount for r in results if r.status == Status.DONE)
    currency = next((r.currency for r in results if r.currency), "")
    if bad := [r for r in results if r.status == Status.FAILED]:
        return failed(bad[0].outcome, message, amount=amount, currency=currency)
    if good := [r for r in results if r.status == Status.DONE]:
        return done(good[0].outcome, message, amount=amount, currency=currency)
    return skipped(results[0].outcome, message)
