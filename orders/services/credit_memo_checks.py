"""Step 1 of a credit memo, before anything is written: what may be refunded, read fresh under
the order lock, and every check of the request against it.

The same rules as the New Credit Memo form (`orders.credit_memo_totals`, the operations
registry, `orders.refund_modes`), asked again under the lock because the order may have changed
since the form was drawn. Each check raises a DomainError and writes nothing.
"""

from collections.abc import Iterable, Mapping

from django.contrib.auth.models import User

from backoffice.availability import ensure
from backoffice.errors import DomainError, ErrorCode
from orders.credit_memo_totals import (
    MemoSource,
    MemoTotals,
    memo_source,
    memo_totals,
    qty_error,
    shipping_error,
    total_error,
)
from orders.models import Invoice, Order, OrderItem
from orders.operations import (
    InvoiceOperation,
    OrderOperation,
    invoice_operation_availability,
    order_operation_availability,
)
from orders.refund_modes import refund_modes
from orders.services.order_documents import DocumentError
from payments.models import Transaction


def memo_source_under_lock(order: Order, invoice: Invoice | None) -> MemoSource:
    """What may be refunded, read fresh. The caller holds the order lock."""
    if invoice is not None:
        invoice = Invoice.objects.prefetch_related("items").get(pk=invoice.pk, order=order)
    return memo_source(
        order=order,
        invoice=invoice,
        items=OrderItem.objects.filter(order=order),
        invoices=order.invoices.all(),
        memos=order.credit_memos.prefetch_related("items"),
        rows=Transaction.objects.filter(order=order),
    )


def memo_totals_checked(
    source: MemoSource,
    *,
    quantities: Mapping[int, int],
    back_to_stock: Iterable[int],
    shipping_amount: int,
    adjustment_refund: int,
    adjustment_fee: int,
) -> MemoTotals:
    """The memo's totals; DocumentError next to the field (or for the total) when they can't
    be refunded."""
    for pk, qty in quantities.items():
        if qty and (error := qty_error(source.item(pk), qty)):
            raise DocumentError(ErrorCode.INVALID, error, field=f"qty_{pk}")
    for name, amount in (
        ("shipping_amount", shipping_amount),
        ("adjustment_refund", adjustment_refund),
        ("adjustment_fee", adjustment_fee),
    ):
        if amount < 0:
            raise DocumentError(ErrorCode.INVALID, "The amount cannot be negative.", field=name)
    if error := shipping_error(source, shipping_amount):
        raise DocumentError(ErrorCode.INVALID, error, field="shipping_amount")
    totals = memo_totals(
        source,
        quantities=quantities,
        back_to_stock=back_to_stock,
        shipping_amount=shipping_amount,
        adjustment_refund=adjustment_refund,
        adjustment_fee=adjustment_fee,
    )
    if problem := total_error(source, totals):
        code, message = problem
        raise DocumentError(code, message)
    return totals


def ensure_memo_available(
    *, user: User, order: Order, invoice: Invoice | None, goodwill: bool
) -> None:
    """The operations registry: Credit Memo on the invoice or the order, or Refund (goodwill).
    Raises OperationUnavailable."""
    if invoice is not None:
        invoice.order = order
        ensure(
            invoice_operation_availability(
                user=user, invoice=invoice, operation=InvoiceOperation.CREDIT_MEMO
            )
        )
        return
    operation = OrderOperation.REFUND if goodwill else OrderOperation.CREDIT_MEMO
    ensure(order_operation_availability(user=user, order=order, operation=operation))


def check_refund_mode(
    *, user: User, order: Order, invoice: Invoice | None, mode: str, amount: int
) -> None:
    """The button pressed (Refund or Refund Offline) for this total: a missing permission is
    PERMISSION_DENIED, anything else a DocumentError (NOT_AVAILABLE) with the reason."""
    option = refund_modes(user=user, order=order, invoice=invoice, amount=amount)[mode]
    if option.is_permission:
        raise DomainError(ErrorCode.PERMISSION_DENIED, option.reason)
    if not option.allowed:
        raise DocumentError(ErrorCode.NOT_AVAILABLE, option.reason)
