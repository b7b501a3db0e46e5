"""The words expire_authorizations writes into order history (what expired; what was canceled
with it, which `cancel_documents` also cancels) and into its result lines.

Shared by the one-order path (`expiry.py`) and the chunk path (`expiry_chunk.py`).
"""

from typing import TYPE_CHECKING

from django.db.models import F
from django.template.defaultfilters import pluralize

from backoffice.money import format_money
from orders.enums import CommentSource, InvoiceState
from orders.history import comment_invoice
from orders.models import Invoice, Order, OrderItem
from orders.services.invoice_outcome import authorization_label
from orders.services.invoicing import items_qty_invoiced_refresh
from payments.gateways import capabilities_for_payment

if TYPE_CHECKING:
    from orders.batch.expiry import Release, Released


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


def expiry_comment(release: "Release") -> str:
    payment = release.payment
    money = format_money(release.amount, payment.currency)
    head = f"{authorization_label(payment).capitalize()} expired on {release.expired_on}"
    if release.online:
        return f"{head}: asking the gateway to release its uncaptured {money}."
    days = capabilities_for_payment(payment).authorization_validity_days
    return (
        f"{head} (the gateway keeps authorizations {days} days): its uncaptured {money} is "
        "recorded as expired."
    )


def describe(release: "Release", how: str | None) -> str:
    payment = release.payment
    money = format_money(release.amount, payment.currency)
    what = how or "would be recorded as expired"
    return f"{authorization_label(payment)} expired on {release.expired_on}, {money} {what}"


def how_text(released: "Released") -> str:
    if released.how == "online":
        return "voided online"
    if released.how == "offline":
        return "recorded as expired"
    return f"not released: {released.problem.rstrip('.')}"
