"""New Invoice (with live totals), the invoice page, and its Capture and Cancel."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from backoffice.availability import OperationUnavailable
from backoffice.confirmation import confirmation_response, is_preview
from backoffice.decorators import operation_view, staff_required
from backoffice.errors import DomainError, form_error, raise_for_http
from backoffice.http import StaffRequest
from backoffice.permissions import require_store_perm
from orders.capture_modes import capture_modes, capture_online_plan_lines
from orders.confirmations import invoice_capture_confirmation, invoice_confirmation
from orders.enums import CaptureMode
from orders.forms import EmailAgainForm
from orders.forms_invoice import ConfirmForm, InvoiceCaptureForm, InvoiceNewForm
from orders.invoice_selectors import invoice_by_key, invoice_detail, order_for_invoicing
from orders.invoice_totals import InvoiceLine, is_first_invoice
from orders.models import Invoice, Order
from orders.operations import (
    InvoiceOperation,
    OrderOperation,
    invoice_operation_availability,
    order_operation_availability,
)
from orders.order_amounts import invoice_amount_to_capture, new_invoice_split, order_figures
from orders.services.invoice_cancel import invoice_cancel
from orders.services.invoice_email import email_copy_availability
from orders.services.invoice_outcome import SpreadOutcome
from orders.services.invoicing import invoice_capture, invoice_create
from orders.services.order_documents import StaleOrder
from orders.views.action_responses import LEVEL_TAGS, invoice_url, unavailable_response

NEW_TEMPLATE = "orders/invoice_new.html"
DETAIL_TEMPLATE = "orders/invoice_detail.html"
# Any of these lets a user invoice (Not Capture, Capture Online, Capture Offline).
INVOICING = ("invoice_order", "capture_online", "capture_offline")
# The permission each Amount choice needs: a choice the user may not make is a 403, like any
# operation, not a form error (the form still shows it disabled with the reason).
CAPTURE_MODE_PERMISSIONS: dict[str, str] = {
    CaptureMode.ONLINE: "capture_online",
    CaptureMode.OFFLINE: "capture_offline",
    CaptureMode.NOT_CAPTURE: "invoice_order",
}


def _require_mode_permission(request: StaffRequest, order: Order) -> None:
    codename = CAPTURE_MODE_PERMISSIONS.get(request.POST.get("capture_mode", ""))
    if codename is not None and "update_totals" not in request.POST:
        require_store_perm(request.user, codename, order.store)


# ---- New Invoice ---------------------------------------------------------------------------


def _new_form(request: StaffRequest, order: Order, data=None) -> InvoiceNewForm:
    return InvoiceNewForm(
        data,
        order=order,
        items=order.items.all(),
        include_shipping=is_first_invoice(order.invoices.all()),
        capture_options=lambda total: capture_modes(
            user=request.user, order=order, amount=new_invoice_split(order, total)[1]
        ),
        online_plan=lambda total: capture_online_plan_lines(
            user=request.user, order=order, amount=new_invoice_split(order, total)[1]
        ),
        email_copy=email_copy_availability(user=request.user, order=order),
        prepaid=lambda total: new_invoice_split(order, total)[0],
    )


def _guard_invoice(request: StaffRequest, order: Order) -> HttpResponse | None:
    availability = order_operation_availability(
        user=request.user, order=order, operation=OrderOperation.INVOICE
    )
    if availability.is_permission:
        raise PermissionDenied(availability.reason)
    if not availability:
        return unavailable_response(request, order, availability, operation="Invoice")
    return None


@staff_required
@operation_view(*INVOICING)
@require_http_methods(["GET", "POST"])
def invoice_new(request: StaffRequest, number: str) -> HttpResponse:
    order = order_for_invoicing(user=request.user, number=number)
    if request.method == "POST":
        _require_mode_permission(request, order)
    if request.method == "POST" and (
        done := invoice_by_key(order=order, key=request.POST.get("idempotency_key"))
    ):
        if is_preview(request):  # already submitted: the real request shows what happened
            return confirmation_response(None)
        return _created(request, SpreadOutcome(invoice=done, mode=done.capture_mode, repeated=True))
    if refused := _guard_invoice(request, order):
        return refused
    form = _new_form(request, order, request.POST if request.method == "POST" else None)
    if "update_totals" in request.POST:
        # Without JavaScript, "Update Qty's" recalculates the totals; nothing is created.
        form.is_valid()
        return render(request, NEW_TEMPLATE, {"order": order, "form": form})
    if form.is_bound and form.is_valid():
        try:
            if is_preview(request):  # the money as read, to confirm: nothing is created
                confirm = invoice_confirmation(user=request.user, order=order, form=form)
                return confirmation_response(confirm)
            outcome = invoice_create(
                order=order,
                user=request.user,
                quantities=form.cleaned_data["quantities"],
                capture_mode=form.cleaned_data["capture_mode"],
                expected_version=form.cleaned_data["version"],
                idempotency_key=form.cleaned_data["idempotency_key"],
                comment=form.cleaned_data["comment"],
                notify_customer=form.cleaned_data["email_copy"],
            )
        except StaleOrder:
            form = _stale_form(request, number)
        except OperationUnavailable as exc:
            return unavailable_response(request, order, exc.availability, operation="Invoice")
        except DomainError as exc:
            raise_for_http(exc)
            form_error(form, exc)
        else:
            return _created(request, outcome)
    status = 422 if form.is_bound else 200
    return render(request, NEW_TEMPLATE, {"order": form.order, "form": form}, status=status)


def _stale_form(request: StaffRequest, number: str) -> InvoiceNewForm:
    """The form again on the order as it is now: same entries, new version, stale message."""
    order = order_for_invoicing(user=request.user, number=number)
    data = request.POST.copy()
    data["version"] = str(order.version)
    form = _new_form(request, order, data)
    form.is_valid()
    form.mark_stale()
    return form


def _created(request: StaffRequest, outcome: SpreadOutcome) -> HttpResponse:
    messages.add_message(request, outcome.level, outcome.message())
    return redirect(outcome.invoice.order.get_absolute_url() + "#invoices")


@staff_required
@operation_view(*INVOICING)
@require_POST
def invoice_new_totals(request: StaffRequest, number: str) -> HttpResponse:
    """htmx: the totals, line totals, Amount choices and messages for the quantities typed."""
    order = order_for_invoicing(user=request.user, number=number)
    if refused := _guard_invoice(request, order):
        return refused
    form = _new_form(request, order, request.POST)
    form.is_valid()
    return render(request, f"{NEW_TEMPLATE}#live", {"order": order, "form": form, "oob": True})


# ---- Invoice page --------------------------------------------------------------------------


def invoice_page_context(
    request: StaffRequest, invoice: Invoice, *, capture_form: InvoiceCaptureForm | None = None
) -> dict:
    user, order = request.user, invoice.order
    capture = invoice_operation_availability(
        user=user, invoice=invoice, operation=InvoiceOperation.CAPTURE
    )
    options = capture_modes(
        user=user, order=order, amount=invoice_amount_to_capture(invoice), with_not_capture=False
    )
    return {
        "order": order,
        "store": order.store,
        "invoice": invoice,
        "lines": [
            InvoiceLine(
                order_item=item.order_item,
                qty=item.qty,
                row_total=item.row_total,
                tax_amount=item.tax_amount,
                discount_amount=item.discount_amount,
            )
            for item in invoice.items.all()
        ],
        "capture": capture,
        "cancel": invoice_operation_availability(
            user=user, invoice=invoice, operation=InvoiceOperation.CANCEL
        ),
        "amount_to_capture": invoice_amount_to_capture(invoice),
        "capture_form": capture_form or InvoiceCaptureForm(order=order, capture_options=options),
        "capture_options": options,
        "online_plan": capture_online_plan_lines(
            user=user, order=order, amount=invoice_amount_to_capture(invoice)
        )
        if options[CaptureMode.ONLINE].allowed
        else [],
        "confirm_form": ConfirmForm(order=order),
        "figures": order_figures(order),  # the order's money, as its page shows it
        # Send Email (again, with the PDF): orders/views/document_pdfs.py
        "email_again": email_copy_availability(user=user, order=order),
        "email_form": EmailAgainForm(),
    }


@staff_required
@require_safe
def invoice_detail_view(request: StaffRequest, number: str, invoice_number: str) -> HttpResponse:
    invoice = invoice_detail(user=request.user, number=number, invoice_number=invoice_number)
    return render(request, DETAIL_TEMPLATE, invoice_page_context(request, invoice))


def _invoice_response(
    request: StaffRequest,
    invoice: Invoice,
    *,
    message: str,
    level: int = messages.SUCCESS,
    status: int = 200,
    capture_form: InvoiceCaptureForm | None = None,
) -> HttpResponse:
    """htmx: the invoice page's panels and a message; plain POST: redirect with the message,
    or the page again (422) when the Capture form has errors to show next to its fields."""
    if not request.htmx and capture_form is None:
        messages.add_message(request, level, message)
        return redirect(invoice_url(invoice))
    invoice = invoice_detail(
        user=request.user, number=invoice.order.number, invoice_number=invoice.number
    )
    context = invoice_page_context(request, invoice, capture_form=capture_form)
    if request.htmx:
        context |= {"flash": message, "flash_level": LEVEL_TAGS.get(level, "info")}
    response = render(request, DETAIL_TEMPLATE, context, status=status)
    if request.htmx:
        response["HX-Reswap"] = "none"
    return response


def _invoice_guard(
    request: StaffRequest, invoice: Invoice, operation: InvoiceOperation, label: str
) -> HttpResponse | None:
    availability = invoice_operation_availability(
        user=request.user, invoice=invoice, operation=operation
    )
    if availability.is_permission:
        raise PermissionDenied(availability.reason)
    if availability:
        return None
    return _refused(request, invoice, availability, label)


def _refused(request: StaffRequest, invoice: Invoice, availability, label: str) -> HttpResponse:
    def htmx_response(*, message: str, level: int, status: int) -> HttpResponse:
        return _invoice_response(request, invoice, message=message, level=level, status=status)

    return unavailable_response(
        request,
        invoice.order,
        availability,
        operation=label,
        back=invoice_url(invoice),
        htmx_response=htmx_response,
    )


@staff_required
@operation_view("capture_online", "capture_offline")
@require_POST
def invoice_capture_view(request: StaffRequest, number: str, invoice_number: str) -> HttpResponse:
    invoice = invoice_detail(user=request.user, number=number, invoice_number=invoice_number)
    _require_mode_permission(request, invoice.order)
    if refused := _invoice_guard(request, invoice, InvoiceOperation.CAPTURE, "Capture"):
        return refused
    options = capture_modes(
        user=request.user,
        order=invoice.order,
        amount=invoice_amount_to_capture(invoice),
        with_not_capture=False,
    )
    form = InvoiceCaptureForm(request.POST, order=invoice.order, capture_options=options)
    if form.is_valid():
        try:
            if is_preview(request):  # the money as read, to confirm: nothing is captured
                confirm = invoice_capture_confirmation(
                    user=request.user, invoice=invoice, form=form
                )
                return confirmation_response(confirm)
            outcome = invoice_capture(
                invoice=invoice,
                user=request.user,
                capture_mode=form.cleaned_data["capture_mode"],
                expected_version=form.cleaned_data["version"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except StaleOrder:
            form.mark_stale()
        except OperationUnavailable as exc:
            return _refused(request, invoice, exc.availability, "Capture")
        except DomainError as exc:
            raise_for_http(exc)
            form_error(form, exc)
        else:
            return _invoice_response(
                request, outcome.invoice, message=outcome.message(), level=outcome.level
            )
    message = "; ".join(form.stale_errors) or "Check the Capture choice."
    return _invoice_response(
        request, invoice, message=message, level=messages.ERROR, status=422, capture_form=form
    )


@staff_required
@operation_view("invoice_order")
@require_POST
def invoice_cancel_view(request: StaffRequest, number: str, invoice_number: str) -> HttpResponse:
    invoice = invoice_detail(user=request.user, number=number, invoice_number=invoice_number)
    if refused := _invoice_guard(request, invoice, InvoiceOperation.CANCEL, "Cancel"):
        return refused
    form = ConfirmForm(request.POST, order=invoice.order)
    stale = "The order changed since this page was drawn; check it and try again."
    if not form.is_valid():
        return _invoice_response(request, invoice, message=stale, level=messages.ERROR)
    try:
        invoice = invoice_cancel(
            invoice=invoice,
            user=request.user,
            expected_version=form.cleaned_data["version"],
            idempotency_key=form.cleaned_data["idempotency_key"],
        )
    except StaleOrder:
        return _invoice_response(request, invoice, message=stale, level=messages.ERROR, status=422)
    except OperationUnavailable as exc:
        return _refused(request, invoice, exc.availability, "Cancel")
    return _invoice_response(request, invoice, message=f"Invoice #{invoice.number} is canceled.")
