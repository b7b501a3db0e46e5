"""What expire_authorizations cancels with an order left with nothing captured: its unpaid open
invoices and its item units not invoiced (`cancel_documents`, for the one-order path), and the
words saying what was canceled, for the history and the result line (`canceled_documents`,
also used by the chunk path, which cancels the units in bulk).
"""

from django.db.models import F
from django.template.defaultfilters import pluralize

from orders.enums import CommentSource, InvoiceState
from orders.history import comment_invoice
from orders.models import Invoice, Order, OrderItem
from orders.services.order_documents import items_qty_invoiced_refresh


def cancel_documents(order: Order) -> tuple[str, str]:
    """Cancel the unpaid open invoices and the units not invoiced.

    Returns what was canceled, for the item's line, and the sentence for the history.
    """
    invoices = list(Invoice.objects.filter(order=order, state=InvoiceState.OPEN, amount_paid=0))
    for invoice in invoices:
        invoice.state = InvoiceState.CANCELED
        invoice.save(update_fields=["state"])
        comment_invoice(
            order=order,
            invoice=invoice,
            body=f"Invoice #{invoice.number} canceled: its authorization expired and nothing "
            "was captured.",
            source=CommentSource.BATCH,
        )
    if invoices:
        items_qty_invoiced_refresh(order)
    units = sum(item.qty_to_invoice for item in order.items.all())
    if units:
        OrderItem.objects.filter(order=order).update(
            qty_canceled=F("qty_ordered") - F("qty_invoiced")
        )
    return canceled_documents([f"invoice #{inv.number}" for inv in invoices], units)


def canceled_documents(invoices: list[str], units: int) -> tuple[str, str]:
    """What was canceled, for the item's line, and the sentence for the history."""
    parts = list(invoices)
    if units:
        parts.append(f"{units} item unit{pluralize(units)} not invoiced")
    if not parts:
        return "", ""
    return ", ".join(parts), f"Nothing was captured: canceled {' and '.join(parts)}."
