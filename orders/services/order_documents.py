"""What every order document workflow shares: its refusals (`DocumentError`, `StaleOrder`), the
stale-form check, the order version, item counters and the order's progress to complete.

Invoices, credit memos, Void and Cancel all lock the order, compare the version a form was
drawn with, write, and bump the version with `F("version") + 1` so any other open form becomes
stale. Item counters are recomputed from the documents' items, never incremented.
"""

from django.contrib.auth.models import User
from django.db.models import F, Q, Sum

from backoffice.errors import DomainError, ErrorCode
from orders.enums import InvoiceState, OrderState
from orders.models import Invoice, InvoiceItem, Order, OrderItem
from orders.services.state import can_change_state, order_change_state
from payments.enums import TransactionSource


class DocumentError(DomainError):
    """An invoice or credit memo refused under the order lock (bad quantities or totals, an
    Amount choice or refund button no longer available, a stale form): nothing was written."""


class StaleOrder(DocumentError):
    """The order changed since the form was drawn (its version moved on)."""

    default_code = ErrorCode.STALE

    def __init__(self) -> None:
        super().__init__(ErrorCode.STALE, "The order changed since this page was opened.")


def check_version(order: Order, expected_version: int) -> None:
    if order.version != expected_version:
        raise StaleOrder()


def bump_version(order: Order) -> None:
    Order.objects.filter(pk=order.pk).update(version=F("version") + 1)
    order.refresh_from_db(fields=["version"])


def items_qty_invoiced_refresh(order: Order) -> None:
    """Item counters from the invoice items of the open and paid invoices."""
    counted = ~Q(invoice__state=InvoiceState.CANCELED)
    totals = dict(
        InvoiceItem.objects.filter(counted, invoice__order=order)
        .values("order_item")
        .annotate(qty=Sum("qty"))
        .values_list("order_item", "qty")
    )
    for item in order.items.all():
        qty = totals.get(item.pk, 0)
        if item.qty_invoiced != qty:
            OrderItem.objects.filter(pk=item.pk).update(qty_invoiced=qty)


def acting_source(user: User | None) -> str:
    """Who acts, for transactions and comments: staff, or the system (`user` None: batch jobs)."""
    return TransactionSource.UI if user is not None else TransactionSource.BATCH


def order_progress(
    *,
    order: Order,
    user: User | None,
    invoices: list[Invoice] | None = None,
    save: bool = True,
) -> None:
    """processing → complete once every item is invoiced (or canceled) and every invoice paid.

    `invoices`: the order's invoices as they now stand, when the caller has them; `save=False`:
    the caller saves the order (a batch job's chunk).
    """
    if order.state != OrderState.PROCESSING:
        return
    items = list(order.items.all())
    invoices = list(order.invoices.all()) if invoices is None else invoices
    fully_invoiced = all(item.qty_to_invoice == 0 for item in items)
    has_paid = any(inv.state == InvoiceState.PAID for inv in invoices)
    none_open = not any(inv.state == InvoiceState.OPEN for inv in invoices)
    if fully_invoiced and has_paid and none_open and can_change_state(order, OrderState.COMPLETE):
        order_change_state(
            order=order,
            to=OrderState.COMPLETE,
            actor=user,
            reason="Every item is invoiced and paid.",
            save=save,
        )
