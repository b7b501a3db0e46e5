"""Print (the PDF) and Send Email (again, with the PDF) of invoices and credit memos.

Print is a GET answering `application/pdf` inline (the browser's viewer prints it), never
stored by a cache; the order is resolved through the scoped selectors first (another store's
is a 404). The bulk print of an order's invoices is one PDF, one invoice per page run. Send
Email is a POST with its own URL and the Notify the customer permission.
"""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from backoffice.decorators import operation_view, staff_required
from backoffice.errors import DomainError, raise_for_http
from backoffice.http import StaffRequest
from backoffice.permissions import require_store_perm
from orders.credit_memo_selectors import credit_memo_detail
from orders.document_pdf import (
    PDF_CONTENT_TYPE,
    credit_memos_pdf,
    invoices_pdf,
    pdf_filename,
)
from orders.forms import EmailAgainForm
from orders.invoice_selectors import (
    credit_memos_for_print,
    invoices_for_print,
    printable_order,
)
from orders.models import CreditMemo, Invoice
from orders.services.document_emails import (
    NOTIFY,
    EmailAgain,
    credit_memo_email_again,
    invoice_email_again,
)
from orders.views.action_responses import invoice_url

INVALID_FORM = "The page was out of date; reload it and press Send Email again."


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@staff_required
@require_safe
def invoice_pdf_view(request: StaffRequest, number: str, invoice_number: str) -> HttpResponse:
    order = printable_order(user=request.user, number=number)
    printed = invoices_for_print(Invoice.objects.filter(order=order, number=invoice_number), order)
    if not printed:
        raise Http404("No such invoice on this order.")
    return _pdf_response(invoices_pdf(printed), pdf_filename("invoice", invoice_number))


@staff_required
@require_safe
def order_invoices_pdf_view(request: StaffRequest, number: str) -> HttpResponse:
    """Every invoice of the order in one PDF (Print Invoices on the order's Invoices tab)."""
    order = printable_order(user=request.user, number=number)
    printed = invoices_for_print(Invoice.objects.filter(order=order).order_by("id"), order)
    if not printed:
        raise Http404("This order has no invoice to print.")
    return _pdf_response(invoices_pdf(printed), pdf_filename("invoices", order.number))


@staff_required
@require_safe
def credit_memo_pdf_view(request: StaffRequest, number: str, memo_number: str) -> HttpResponse:
    order = printable_order(user=request.user, number=number)
    printed = credit_memos_for_print(
        CreditMemo.objects.filter(order=order, number=memo_number), order
    )
    if not printed:
        raise Http404("No such credit memo on this order.")
    return _pdf_response(credit_memos_pdf(printed), pdf_filename("credit-memo", memo_number))


def _done(request: StaffRequest, outcome: EmailAgain, back: str) -> HttpResponse:
    level = messages.INFO if outcome.repeated else messages.SUCCESS
    messages.add_message(request, level, outcome.message())
    return redirect(back)


@staff_required
@operation_view(NOTIFY)
@require_POST
def invoice_email_view(request: StaffRequest, number: str, invoice_number: str) -> HttpResponse:
    """Send Email: the invoice's e-mail to the customer again, with the PDF attached."""
    order = printable_order(user=request.user, number=number)
    invoice = get_object_or_404(Invoice.objects.filter(order=order), number=invoice_number)
    invoice.order = order
    require_store_perm(request.user, NOTIFY, order.store)
    form = EmailAgainForm(request.POST)
    if not form.is_valid():
        messages.error(request, INVALID_FORM)
        return redirect(invoice_url(invoice))
    try:
        outcome = invoice_email_again(
            invoice=invoice, user=request.user, idempotency_key=form.cleaned_data["idempotency_key"]
        )
    except DomainError as exc:
        raise_for_http(exc)
        messages.error(request, exc.message)
        return redirect(invoice_url(invoice))
    return _done(request, outcome, invoice_url(invoice))


@staff_required
@operation_view(NOTIFY)
@require_POST
def credit_memo_email_view(request: StaffRequest, number: str, memo_number: str) -> HttpResponse:
    """Send Email: the credit memo's e-mail to the customer again, with the PDF attached."""
    memo = credit_memo_detail(user=request.user, number=number, memo_number=memo_number)
    require_store_perm(request.user, NOTIFY, memo.order.store)
    back = reverse("orders:credit_memo_detail", args=[memo.order.number, memo.number])
    form = EmailAgainForm(request.POST)
    if not form.is_valid():
        messages.error(request, INVALID_FORM)
        return redirect(back)
    try:
        outcome = credit_memo_email_again(
            memo=memo, user=request.user, idempotency_key=form.cleaned_data["idempotency_key"]
        )
    except DomainError as exc:
        raise_for_http(exc)
        messages.error(request, exc.message)
        return redirect(back)
    return _done(request, outcome, back)
