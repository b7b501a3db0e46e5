"""Reads for the invoice screens, scoped to the stores the user may view and prefetched."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.shortcuts import get_object_or_404

from backoffice.prebuilt_reads import statements_prepared
from orders.models import (
    CreditMemo,
    CreditMemoItem,
    Invoice,
    InvoiceCapture,
    InvoiceItem,
    Order,
    OrderComment,
)
from orders.selectors import orders_visible_to, read_order_rows, with_documents_known
from payments.models import Transaction


def order_for_invoicing(*, user: User | AnonymousUser, number: str) -> Order:
    """The order with what New Invoice, the Edit page and the operations registry read
    (`read_order_rows`: the order page's reads); 404 outside scope."""
    queryset = with_documents_known(orders_visible_to(user=user).select_related("store"))
    with statements_prepared():
        order = get_object_or_404(queryset, number=number)
    read_order_rows(order)
    return order


def invoice_detail(*, user: User | AnonymousUser, number: str, invoice_number: str) -> Invoice:
    """The invoice page's invoice: items, the transactions that paid it, its comments."""
    order = order_for_invoicing(user=user, number=number)
    queryset = (
        Invoice.objects.filter(order=order)
        .select_related("created_by")
        .prefetch_related(
            Prefetch("items", queryset=InvoiceItem.objects.select_related("order_item")),
            Prefetch(
                "transactions",
                queryset=Transaction.objects.select_related("payment").order_by("created_at", "id"),
            ),
            # Money captured without an invoice that paid this one (the recompute's links).
            Prefetch(
                "capture_links",
                queryset=InvoiceCapture.objects.select_related("transaction__payment"),
            ),
            Prefetch("comments", queryset=OrderComment.objects.select_related("transaction")),
            "credit_memos",
        )
    )
    invoice = get_object_or_404(queryset, number=invoice_number)
    invoice.order = order
    return invoice


# ---- what a PDF prints (orders/document_pdf.py) ----------------------------------------------

_PRINTED_ORDER = ("order__store",)


def _with_order_addresses(documents: list, order: Order | None = None) -> list:
    """Each document's order (one object per order) with its addresses, in one query."""
    orders = {d.order_id: order or d.order for d in documents}
    prefetch_related_objects(list(orders.values()), "addresses")
    for document in documents:
        document.order = orders[document.order_id]
    return documents


def invoices_for_print(queryset: QuerySet[Invoice], order: Order | None = None) -> list[Invoice]:
    """The invoices of `queryset` with their items, order, store and addresses, as printed."""
    invoices = list(
        queryset.select_related(*_PRINTED_ORDER).prefetch_related(
            Prefetch("items", queryset=InvoiceItem.objects.select_related("order_item"))
        )
    )
    return _with_order_addresses(invoices, order)


def credit_memos_for_print(
    queryset: QuerySet[CreditMemo], order: Order | None = None
) -> list[CreditMemo]:
    """The credit memos of `queryset` with their items, invoice, order, store and addresses."""
    memos = list(
        queryset.select_related("invoice", *_PRINTED_ORDER).prefetch_related(
            Prefetch("items", queryset=CreditMemoItem.objects.select_related("order_item"))
        )
    )
    return _with_order_addresses(memos, order)


def printable_order(*, user: User | AnonymousUser, number: str) -> Order:
    """The order whose documents are printed (404 outside the user's stores)."""
    return get_object_or_404(orders_visible_to(user=user).select_related("store"), number=number)


def invoice_by_key(*, order: Order, key: str | None) -> Invoice | None:
    """The invoice a New Invoice form already created (its one-time key), if any."""
    if not key:
        return None
    return Invoice.objects.filter(order=order, idempotency_key=key).first()
