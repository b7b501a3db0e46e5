"""New Credit Memo (from an invoice or the order, with live totals), its Refund and Refund
Offline buttons (one POST URL each), the goodwill Refund, and the credit memo page.

Each POST asks the operations registry first (403 for a permission, the reason otherwise), then
binds the form and calls the one service that moves money (`credit_memo_create`).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from backoffice.availability import Availability, OperationUnavailable
from backoffice.confirmation import confirmation_response, is_preview
from backoffice.decorators import operation_view, staff_required
from backoffice.errors import DomainError, form_error, raise_for_http
from backoffice.http import StaffRequest
from backoffice.models import amount_locale
from backoffice.permissions import require_store_perm
from orders.confirmations import credit_memo_confirmation, goodwill_confirmation
from orders.credit_memo_selectors import (
    credit_memo_detail,
    credit_memo_reason,
    invoice_of,
    memo_by_key,
    order_for_refund,
    source_for,
)
from orders.credit_memo_totals import MemoLine
from orders.enums import RefundMode
from orders.forms import EmailAgainForm
from orders.forms_credit_memo import CreditMemoForm, goodwill_refund_form
from orders.list_selectors import figures_by_order
from orders.models import CreditMemo, Invoice, Order
from orders.operations import (
    REFUNDING,
    InvoiceOperation,
    OrderOperation,
    invoice_operation_availability,
    order_operation_availability,
)
from orders.refund_modes import refund_choices
from orders.refundable import invoice_refund_limit
from orders.services.credit_memo_create import credit_memo_create, goodwill_refund
from orders.services.credit_memo_outcome import CreditMemoOutcome
from orders.services.document_emails import credit_memo_email_refusal
from orders.services.invoice_email import email_copy_availability
from orders.services.order_documents import StaleOrder
from orders.views.action_responses import invoice_url, order_panels_response, unavailable_response
from payments.enums import TransactionType

NEW_TEMPLATE = "orders/credit_memo_new.html"
DETAIL_TEMPLATE = "orders/credit_memo_detail.html"
GOODWILL_TEMPLATE = "orders/goodwill_refund.html"
LABEL = "Credit Memo"


def memo_url(memo: CreditMemo) -> str:
    return reverse(
        "orders:credit_memo_detail",
        kwargs={"number": memo.order.number, "memo_number": memo.number},
    )


# ---- New Credit Memo -----------------------------------------------------------------------


def _availability(request: StaffRequest, order: Order, invoice: Invoice | None) -> Availability:
    if invoice is not None:
        return invoice_operation_availability(
            user=request.user, invoice=invoice, operation=InvoiceOperation.CREDIT_MEMO
        )
    return order_operation_availability(
        user=request.user, order=order, operation=OrderOperation.CREDIT_MEMO
    )


def _guard(request: StaffRequest, order: Order, invoice: Invoice | None) -> HttpResponse | None:
    availability = _availability(request, order, invoice)
    if availability.is_permission:
        raise PermissionDenied(availability.reason)
    if availability:
        return None
    back = invoice_url(invoice) if invoice is not None else ""
    return unavailable_response(request, order, availability, operation=LABEL, back=back)


def _resolve(request: StaffRequest, number: str, invoice_number: str | None):
    order = order_for_refund(user=request.user, number=number)
    invoice = invoice_of(order, invoice_number) if invoice_number else None
    return order, invoice


def _form(
    request: StaffRequest, order: Order, invoice: Invoice | None, data=None
) -> CreditMemoForm:
    return CreditMemoForm(
        data,
        source=source_for(order, invoice),
        locale=amount_locale(request.user, order.store),
        choices=lambda total: refund_choices(
            user=request.user, order=order, invoice=invoice, amount=total
        ),
    )


def _invoice_choices(request: StaffRequest, order: Order) -> list[dict]:
    """Order-level page: the invoices a memo can start from, each with what is left on it."""
    rows, memos = list(order.transactions.all()), list(order.credit_memos.all())
    choices = []
    for invoice in order.invoices.all():
        invoice.order = order
        choices.append(
            {
                "invoice": invoice,
                "limit": invoice_refund_limit(invoice=invoice, order=order, rows=rows, memos=memos),
                "availability": _availability(request, order, invoice),
            }
        )
    return choices


def _context(request: StaffRequest, form: CreditMemoForm, **extra: object) -> dict[str, object]:
    order, invoice = form.source.order, form.source.invoice
    context: dict[str, object] = {
        "order": order,
        "store": order.store,
        "invoice": invoice,
        "form": form,
        "source": form.source,
        "currency": order.currency,
    }
    if invoice is None:
        context["invoice_choices"] = _invoice_choices(request, order)
    return context | extra


def _new(request: StaffRequest, number: str, invoice_number: str | None) -> HttpResponse:
    order, invoice = _resolve(request, number, invoice_number)
    if refused := _guard(request, order, invoice):
        return refused
    return render(request, NEW_TEMPLATE, _context(request, _form(request, order, invoice)))


def _totals(request: StaffRequest, number: str, invoice_number: str | None) -> HttpResponse:
    """htmx: totals, line totals, buttons and messages for what is typed. Without JavaScript
    ("Update Totals") the whole page again; nothing is created either way."""
    order, invoice = _resolve(request, number, invoice_number)
    if refused := _guard(request, order, invoice):
        return refused
    form = _form(request, order, invoice, request.POST)
    form.is_valid()
    form.errors.pop("reason", None)  # asked when a button is pressed, not while totalling
    template = f"{NEW_TEMPLATE}#live" if request.htmx else NEW_TEMPLATE
    return render(request, template, _context(request, form, oob=bool(request.htmx)))


def _finished(request: StaffRequest, outcome: CreditMemoOutcome) -> HttpResponse:
    messages.add_message(request, outcome.level, outcome.message())
    return redirect(memo_url(outcome.memo))


MODE_PERMISSIONS: dict[str, str] = {
    RefundMode.ONLINE: "refund_online",
    RefundMode.OFFLINE: "refund_offline",
}


def _submit(
    request: StaffRequest, number: str, invoice_number: str | None, mode: str
) -> HttpResponse:
    order, invoice = _resolve(request, number, invoice_number)
    # Each button's own permission first: a 403 whatever the state of the order.
    require_store_perm(request.user, MODE_PERMISSIONS[mode], order.store)
    if done := memo_by_key(order=order, key=request.POST.get("idempotency_key")):
        if is_preview(request):  # already submitted: the real request shows what happened
            return confirmation_response(None)
        return _finished(request, CreditMemoOutcome(memo=done, repeated=True))
    if refused := _guard(request, order, invoice):
        return refused
    form = _form(request, order, invoice, request.POST)
    if form.is_valid() and form.check_mode(mode):
        try:
            if is_preview(request):  # the money as read, to confirm: nothing is created
                confirm = credit_memo_confirmation(
                    user=request.user, order=order, invoice=invoice, mode=mode, form=form
                )
                return confirmation_response(confirm)
            outcome = credit_memo_create(
                order=order, user=request.user, invoice=invoice, mode=mode, **form.service_kwargs()
            )
        except StaleOrder:
            form = _stale_form(request, number, invoice_number)
        except OperationUnavailable as exc:
            return unavailable_response(request, order, exc.availability, operation=LABEL)
        except DomainError as exc:
            raise_for_http(exc)
            form_error(form, exc)
        else:
            return _finished(request, outcome)
    return render(request, NEW_TEMPLATE, _context(request, form), status=422)


def _stale_form(request: StaffRequest, number: str, invoice_number: str | None) -> CreditMemoForm:
    """The form again on the order as it is now: same entries, new version, stale message."""
    order, invoice = _resolve(request, number, invoice_number)
    data = request.POST.copy()
    data["version"] = str(order.version)
    form = _form(request, order, invoice, data)
    form.is_valid()
    form.mark_stale()
    return form


@staff_required
@operation_view(*REFUNDING)
@require_safe
def credit_memo_new(request: StaffRequest, number: str, invoice_number: str) -> HttpResponse:
    return _new(request, number, invoice_number)


@staff_required
@operation_view(*REFUNDING)
@require_POST
def credit_memo_totals(request: StaffRequest, number: str, invoice_number: str) -> HttpResponse:
    return _totals(request, number, invoice_number)


@staff_required
@operation_view("refund_online")
@require_POST
def credit_memo_refund(request: StaffRequest, number: str, invoice_number: str) -> HttpResponse:
    """Refund: online, through the gateway, against the invoice's captures."""
    return _submit(request, number, invoice_number, RefundMode.ONLINE)


@staff_required
@operation_view("refund_offline")
@require_POST
def credit_memo_refund_offline(
    request: StaffRequest, number: str, invoice_number: str
) -> HttpResponse:
    """Refund Offline: the money was (or will be) paid back outside the gateway."""
    return _submit(request, number, invoice_number, RefundMode.OFFLINE)


@staff_required
@operation_view(*REFUNDING)
@require_safe
def order_credit_memo_new(request: StaffRequest, number: str) -> HttpResponse:
    """The order's Credit Memo: pick an invoice to refund from, or Refund Offline the order."""
    return _new(request, number, None)


@staff_required
@operation_view(*REFUNDING)
@require_POST
def order_credit_memo_totals(request: StaffRequest, number: str) -> HttpResponse:
    return _totals(request, number, None)


@staff_required
@operation_view("refund_offline")
@require_POST
def order_credit_memo_refund_offline(request: StaffRequest, number: str) -> HttpResponse:
    return _submit(request, number, None, RefundMode.OFFLINE)


# ---- goodwill Refund -----------------------------------------------------------------------


def _goodwill(request: StaffRequest, number: str, mode: str) -> HttpResponse:
    order = order_for_refund(user=request.user, number=number)
    if request.method == "POST":
        require_store_perm(request.user, MODE_PERMISSIONS[mode], order.store)
    availability = order_operation_availability(
        user=request.user, order=order, operation=OrderOperation.REFUND
    )
    if availability.is_permission:
        raise PermissionDenied(availability.reason)
    if not availability:
        return unavailable_response(request, order, availability, operation="Refund")
    data = request.POST if request.method == "POST" else None
    locale = amount_locale(request.user, order.store)
    form = goodwill_refund_form(order=order, user=request.user, locale=locale, data=data)
    if form.is_bound and form.is_valid():
        try:
            if is_preview(request):  # the money as read, to confirm: nothing is refunded
                confirm = goodwill_confirmation(
                    user=request.user, order=order, mode=mode, form=form
                )
                return confirmation_response(confirm)
            outcome = goodwill_refund(
                order=order,
                user=request.user,
                amount=form.cleaned_data["amount"],
                note=form.cleaned_data["note"],
                mode=mode,
                email_copy=form.cleaned_data["email_copy"],
                expected_version=form.cleaned_data["version"],
                idempotency_key=form.cleaned_data["idempotency_key"],
                reason=form.cleaned_data["reason"],
            )
        except StaleOrder:
            form.mark_stale()
        except OperationUnavailable as exc:
            return unavailable_response(request, order, exc.availability, operation="Refund")
        except DomainError as exc:
            raise_for_http(exc)
            form_error(form, exc, field=exc.field or "amount")
        else:
            return order_panels_response(
                request,
                order,
                message=outcome.message(),
                level=outcome.level,
                anchor="credit-memos",
            )
    template = f"{GOODWILL_TEMPLATE}#goodwill_form" if request.htmx else GOODWILL_TEMPLATE
    context = {"order": order, "form": form, "in_dialog": bool(request.htmx)}
    return render(request, template, context, status=422 if form.is_bound else 200)


@staff_required
@operation_view(*REFUNDING)  # the GET form serves Refund and Refund Offline
@require_http_methods(["GET", "POST"])
def goodwill_refund_view(request: StaffRequest, number: str) -> HttpResponse:
    """GET: the Refund form as a page (the header opens it as a dialog); POST: refund online."""
    return _goodwill(request, number, RefundMode.ONLINE)


@staff_required
@operation_view("refund_offline")
@require_POST
def goodwill_refund_offline_view(request: StaffRequest, number: str) -> HttpResponse:
    return _goodwill(request, number, RefundMode.OFFLINE)


# ---- the credit memo page --------------------------------------------------------------------


@staff_required
@require_safe
def credit_memo_detail_view(request: StaffRequest, number: str, memo_number: str) -> HttpResponse:
    memo = credit_memo_detail(user=request.user, number=number, memo_number=memo_number)
    refunds = [t for t in memo.transactions.all() if t.type == TransactionType.REFUND]
    context = {
        "order": memo.order,
        "store": memo.order.store,
        "memo": memo,
        "lines": [
            MemoLine(
                order_item=item.order_item,
                qty=item.qty,
                row_total=item.row_total,
                tax_amount=item.tax_amount,
                discount_amount=item.discount_amount,
                back_to_stock=item.back_to_stock,
            )
            for item in memo.items.all()
        ],
        "refunds": refunds,
        "reason": credit_memo_reason(memo, refunds),
        "refunded": sum(t.amount for t in refunds if t.is_settled),
        "pending": sum(t.amount for t in refunds if t.is_open),
        # The order's money, as its page shows it (one query).
        "figures": figures_by_order([memo.order])[memo.order.pk],
        # Send Email (again, with the PDF): orders/views/document_pdfs.py
        "email_again": email_copy_availability(user=request.user, order=memo.order),
        "email_refusal": credit_memo_email_refusal(memo),
        "email_form": EmailAgainForm(),
    }
    return render(request, DETAIL_TEMPLATE, context)
