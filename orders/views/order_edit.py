"""Edit (the page, its live totals, Save changes) and Authorize the difference."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from backoffice.availability import OperationUnavailable
from backoffice.confirmation import confirmation_response, is_preview
from backoffice.decorators import operation_view, staff_required
from backoffice.errors import DomainError, form_error, raise_for_http
from backoffice.http import StaffRequest
from backoffice.models import amount_locale
from orders.edit_confirmations import authorize_difference_confirmation, order_edit_confirmation
from orders.forms_invoice import ConfirmForm
from orders.forms_order_edit import OrderEditForm
from orders.invoice_selectors import order_for_invoicing
from orders.models import Order
from orders.operations import OrderOperation, order_operation_availability
from orders.services.order_documents import StaleOrder
from orders.services.order_edit import order_authorize_difference, order_edit, shipping_invoiced
from orders.views.action_responses import order_panels_response, unavailable_response
from orders.views.order_actions import STALE_MESSAGE

EDIT_TEMPLATE = "orders/order_edit.html"


def _edit_form(request: StaffRequest, order: Order, data: object = None) -> OrderEditForm:
    return OrderEditForm(
        data,
        order=order,
        items=list(order.items.all()),
        locale=amount_locale(request.user, order.store),
        shipping_invoiced=shipping_invoiced(order),
    )


def _guard(request: StaffRequest, order: Order, operation: OrderOperation, label: str):
    availability = order_operation_availability(user=request.user, order=order, operation=operation)
    if availability.is_permission:
        raise PermissionDenied(availability.reason)
    if not availability:
        return unavailable_response(request, order, availability, operation=label)
    return None


def _render(request: StaffRequest, order: Order, form: OrderEditForm, status: int = 200):
    context = {"order": order, "store": order.store, "form": form, "plan": form.plan}
    return render(request, EDIT_TEMPLATE, context, status=status)


@staff_required
@operation_view("edit_order")
@require_http_methods(["GET", "POST"])
def order_edit_view(request: StaffRequest, number: str) -> HttpResponse:
    """GET: the Edit page; POST: Save changes (first as a preview for the confirmation)."""
    order = order_for_invoicing(user=request.user, number=number)
    if refused := _guard(request, order, OrderOperation.EDIT, "Edit"):
        return refused
    form = _edit_form(request, order, request.POST if request.method == "POST" else None)
    if not form.is_bound:
        return _render(request, order, form)
    if form.is_valid() and form.plan is not None:
        data = form.cleaned_data
        try:
            if is_preview(request):  # what will be saved, to confirm: nothing is written
                confirm = order_edit_confirmation(
                    order=order, plan=form.plan, version=data["version"]
                )
                return confirmation_response(confirm)
            edit = order_edit(
                order=order,
                actor=request.user,
                changes=data["changes"],
                reason=data["reason"],
                expected_version=data["version"],
                idempotency_key=data["idempotency_key"],
            )
        except StaleOrder:
            form.mark_stale()
        except OperationUnavailable as exc:
            return unavailable_response(request, order, exc.availability, operation="Edit")
        except DomainError as exc:
            raise_for_http(exc)
            form_error(form, exc)
        else:
            message = f"Order #{order.number} edited (version {edit.number}): {edit.summary}."
            return order_panels_response(request, order, message=message, anchor="order-edits")
    return _render(request, order, form, status=422)


@staff_required
@operation_view("edit_order")
@require_safe
def order_edit_totals(request: StaffRequest, number: str) -> HttpResponse:
    """htmx: the Edit page's totals for the form as typed (old → new, difference); reads only."""
    order = order_for_invoicing(user=request.user, number=number)
    if refused := _guard(request, order, OrderOperation.EDIT, "Edit"):
        return refused
    form = _edit_form(request, order, request.GET)
    form.is_valid()
    return render(request, f"{EDIT_TEMPLATE}#edit_totals", {"order": order, "form": form})


@staff_required
@operation_view("edit_order")
@require_POST
def order_authorize_difference_view(request: StaffRequest, number: str) -> HttpResponse:
    """Authorize the difference: a new authorization for the Outstanding, on the card on file."""
    order = order_for_invoicing(user=request.user, number=number)
    label = "Authorize the difference"
    availability = order_operation_availability(
        user=request.user, order=order, operation=OrderOperation.AUTHORIZE_DIFFERENCE
    )
    if availability.is_permission:
        raise PermissionDenied(availability.reason)
    form = ConfirmForm(request.POST, order=order)
    if not form.is_valid():
        return order_panels_response(
            request, order, message=STALE_MESSAGE, level=messages.ERROR, status=422
        )
    version, key = form.cleaned_data["version"], form.cleaned_data["idempotency_key"]
    try:
        if is_preview(request):
            confirm = authorize_difference_confirmation(
                user=request.user, order=order, version=version
            )
            return confirmation_response(confirm)
        result = order_authorize_difference(
            order=order, user=request.user, expected_version=version, idempotency_key=key
        )
    except OperationUnavailable as exc:
        return unavailable_response(request, order, exc.availability, operation=label)
    except StaleOrder:
        return order_panels_response(
            request, order, message=STALE_MESSAGE, level=messages.ERROR, status=422
        )
    except DomainError as exc:
        raise_for_http(exc)
        return order_panels_response(
            request, order, message=exc.message, level=messages.ERROR, status=422
        )
    level = messages.SUCCESS if result.ok else messages.ERROR
    return order_panels_response(request, order, message=result.message, level=level)
