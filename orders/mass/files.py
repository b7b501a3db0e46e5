"""Print invoices and Export CSV (mass actions): a row is "done" once it is in the file; the
file is made of the rows done when the job ends, and kept with the job ("Download file").

Printing many orders or exporting them makes a file of customers' data: both need the export
permission on the row's store (`actions.EXPORTING`).
"""

from collections.abc import Iterator
from itertools import groupby

from django.db.models import QuerySet
from django.http import QueryDict
from django.template.defaultfilters import pluralize

from backoffice.batch.results import ItemResult, done, skipped
from backoffice.job_models import Job
from backoffice.jobs.registry import JobFile
from backoffice.permissions import permission_reason
from orders.document_pdf import PDF_CONTENT_TYPE, documents_html, printed_invoice
from orders.enums import InvoiceState
from orders.exports import order_csv_lines
from orders.grid import ORDER_GRID
from orders.invoice_selectors import invoices_for_print
from orders.mass.actions import EXPORTING
from orders.mass.rows import NOT_PERMITTED
from orders.models import Invoice, Order
from payments import operations as ops

CHUNK = 500


def _exporting_refusal(job: Job, order: Order) -> ItemResult | None:
    codenames = ops.store_codenames(job.created_by, order.store)
    if codenames.intersection(EXPORTING):
        return None
    return skipped(NOT_PERMITTED, permission_reason(*EXPORTING, store=order.store))


def _printable(queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
    return queryset.exclude(state=InvoiceState.CANCELED)


def print_row(job: Job, order: Order) -> ItemResult:
    if (refusal := _exporting_refusal(job, order)) is not None:
        return refusal
    numbers = list(
        _printable(Invoice.objects.filter(order=order))
        .order_by("pk")
        .values_list("number", flat=True)
    )
    if not numbers:
        return skipped("no invoice", "the order has no invoice to print")
    listed = ", ".join(f"#{n}" for n in numbers)
    return done("printed", f"invoice{pluralize(len(numbers))} {listed}")


def _in_chunks(keys: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(keys), CHUNK):
        yield keys[start : start + CHUNK]


def print_file(job: Job, keys: list[str]) -> JobFile | None:
    """One PDF of every invoice of the orders done, each from a new page; the documents of each
    store are drawn with that store's footer (`orders.document_pdf`), then joined."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # lazily: needs Pango

    invoices: list[Invoice] = []
    for chunk in _in_chunks(keys):
        queryset = _printable(Invoice.objects.filter(order__number__in=chunk))
        invoices += invoices_for_print(queryset.order_by("order__store_id", "order_id", "pk"))
    if not invoices:
        return None
    invoices.sort(key=lambda invoice: (invoice.order.store_id, invoice.order_id, invoice.pk))
    rendered = [
        HTML(string=documents_html([printed_invoice(i) for i in group])).render()
        for _store, group in groupby(invoices, key=lambda invoice: invoice.order.store_id)
    ]
    pages = [page for document in rendered for page in document.pages]
    pdf = rendered[0].copy(pages).write_pdf()
    return JobFile(f"invoices-job-{job.pk}.pdf", PDF_CONTENT_TYPE, bytes(pdf))


def export_row(job: Job, order: Order) -> ItemResult:
    if (refusal := _exporting_refusal(job, order)) is not None:
        return refusal
    return done("exported")


def _orders(keys: list[str]) -> Iterator[Order]:
    for chunk in _in_chunks(keys):
        yield from Order.objects.filter(number__in=chunk).select_related("store").order_by("pk")


def export_file(job: Job, keys: list[str]) -> JobFile:
    """The orders CSV (`orders.exports`, the grid's Export CSV) with the grid's columns as the
    job was started."""
    columns = [column.key for column in ORDER_GRID.columns_of(QueryDict(job.params["query"]))]
    data = "".join(order_csv_lines(_orders(keys), columns=columns)).encode()
    return JobFile(f"orders-job-{job.pk}.csv", "text/csv", data)
