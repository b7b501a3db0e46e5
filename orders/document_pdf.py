"""PDF invoices and credit memos: an HTML template with print CSS, rendered by WeasyPrint.

One template (`orders/pdf/documents.html`) draws any number of documents, each starting on a
new page, so a bulk print is one PDF without merging files. What it prints, per document: the
store's name and address, the order and its customer (billing and shipping addresses), the
lines, the totals with tax, the payment summary, and the store's legal footer on every page.
Amounts are in the store's locale and times in its zone: the PDF goes to the customer.

WeasyPrint is imported when a PDF is rendered, never at import time, so the rest of the app
(and its tests) never depend on its system libraries (Pango, HarfBuzz).

Callers pass documents already loaded with what is printed: the order with its store and
addresses, each document's items with their order items (`orders.invoice_selectors
.invoices_for_print`, `credit_memos_for_print`).
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateformat import format as date_format

from backoffice.display import zone_or_none
from backoffice.money import format_money
from orders.enums import AddressKind
from orders.models import CreditMemo, Invoice, Order

TEMPLATE = "orders/pdf/documents.html"
PDF_CONTENT_TYPE = "application/pdf"


@dataclass(frozen=True)
class PrintLine:
    name: str
    sku: str
    qty: int
    price: str
    tax: str
    discount: str
    total: str


@dataclass
class PrintedDocument:
    """One document as printed: every figure already formatted in the store's locale."""

    title: str  # "Invoice #100000001-1"
    number: str
    order: Order
    created: str
    order_placed: str
    billing: list[str]
    shipping: list[str]
    lines: list[PrintLine] = field(default_factory=list)
    totals: list[tuple[str, str]] = field(default_factory=list)
    grand_total: tuple[str, str] = ("", "")
    summary: list[tuple[str, str]] = field(default_factory=list)


def _time(value: datetime | None, order: Order) -> str:
    """In the store's zone, with its abbreviation: "Nov 21, 2026, 14:05 CET"."""
    if value is None:
        return ""
    local = timezone.localtime(value, zone_or_none(order.store.timezone) or UTC)
    return f"{date_format(local, 'M j, Y, H:i')} {local.tzname()}"


def _addresses(order: Order) -> tuple[list[str], list[str]]:
    found = {a.kind: a.lines for a in order.addresses.all()}
    billing = found.get(AddressKind.BILLING) or [order.customer_name]
    return [*billing, order.customer_email], found.get(AddressKind.SHIPPING, [])


def _money(order: Order):
    locale = order.store.amount_locale

    def money(minor: int) -> str:
        return format_money(minor, order.currency, locale=locale)

    return money


def _lines(items: Iterable, money) -> list[PrintLine]:
    lines = []
    for item in items:
        order_item = item.order_item
        lines.append(
            PrintLine(
                name=order_item.name,
                sku=order_item.sku,
                qty=item.qty,
                price=money(order_item.unit_price),
                tax=money(item.tax_amount),
                discount=money(item.discount_amount),
                total=money(item.row_total + item.tax_amount - item.discount_amount),
            )
        )
    return lines


def _document(obj: Invoice | CreditMemo, title: str) -> PrintedDocument:
    order = obj.order
    billing, shipping = _addresses(order)
    return PrintedDocument(
        title=title,
        number=obj.number,
        order=order,
        created=_time(obj.created_at, order),
        order_placed=_time(order.placed_at, order),
        billing=billing,
        shipping=shipping,
        lines=_lines(obj.items.all(), _money(order)),
    )


def printed_invoice(invoice: Invoice) -> PrintedDocument:
    order, money = invoice.order, _money(invoice.order)
    doc = _document(invoice, f"Invoice #{invoice.number}")
    doc.totals = [
        ("Subtotal", money(invoice.subtotal)),
        ("Shipping & Handling", money(invoice.shipping_amount)),
        ("Discount", money(-invoice.discount_amount) if invoice.discount_amount else money(0)),
        ("Tax", money(invoice.tax_amount)),
    ]
    doc.grand_total = ("Grand Total", money(invoice.grand_total))
    doc.summary = [
        ("Payment method", order.payment_method_title or "—"),
        ("Status", invoice.get_state_display()),
        ("Paid", money(invoice.amount_paid)),
        ("Refunded", money(invoice.amount_refunded)),
        ("Amount due", money(invoice.amount_due)),
    ]
    return doc


def printed_credit_memo(memo: CreditMemo) -> PrintedDocument:
    order, money = memo.order, _money(memo.order)
    doc = _document(memo, f"Credit Memo #{memo.number}")
    doc.totals = [
        ("Subtotal", money(memo.subtotal)),
        ("Shipping & Handling", money(memo.shipping_amount)),
        ("Adjustment Refund", money(memo.adjustment_refund)),
        ("Adjustment Fee", money(-memo.adjustment_fee) if memo.adjustment_fee else money(0)),
        ("Discount", money(-memo.discount_amount) if memo.discount_amount else money(0)),
        ("Tax", money(memo.tax_amount)),
    ]
    if memo.earlier_adjustment:
        doc.totals.append(("Refunded by earlier adjustments", money(-memo.earlier_adjustment)))
    doc.grand_total = ("Grand Total (refund)", money(memo.grand_total))
    doc.summary = [
        ("Refunded to", order.payment_method_title or "—"),
        ("Refund", memo.get_mode_display()),
        ("Status", memo.get_state_display()),
    ]
    if memo.invoice is not None:
        doc.summary.insert(0, ("Invoice", f"#{memo.invoice.number}"))
    return doc


def documents_html(documents: list[PrintedDocument]) -> str:
    store = documents[0].order.store
    context = {
        "documents": documents,
        "store": store,
        "address_lines": [line for line in store.address.splitlines() if line.strip()],
    }
    return render_to_string(TEMPLATE, context)


def render_pdf(documents: list[PrintedDocument]) -> bytes:
    """The documents as one PDF, each from a new page (all of one store: one footer)."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # lazily: needs Pango

    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # a line per step

    pdf = HTML(string=documents_html(documents)).write_pdf()
    assert pdf is not None  # write_pdf without a target returns the bytes
    return bytes(pdf)


def invoices_pdf(invoices: Iterable[Invoice]) -> bytes:
    return render_pdf([printed_invoice(invoice) for invoice in invoices])


def credit_memos_pdf(memos: Iterable[CreditMemo]) -> bytes:
    return render_pdf([printed_credit_memo(memo) for memo in memos])


def pdf_filename(kind: str, number: str) -> str:
    """`invoice-100000001-1.pdf`: safe in a Content-Disposition header as it is."""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in number)
    return f"{kind}-{safe}.pdf"
