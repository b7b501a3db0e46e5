"""The order header's POST actions: Void, Cancel, Hold, Unhold, Mark as paid.

Each has its own URL and the same guard as its button (the operations registry): a missing
permission is a 403, anything else answers with the reason and writes nothing.
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from backoffice.availability import OperationUnavailable
from backoffice.confirmation import confirmation_response, is_preview
from backoffice.decorators import operation_view, staff_required
from backoffice.errors import DomainError, form_error, raise_for_http
from backoffice.http import StaffRequest
from backoffice.models import amount_locale
from orders.confirmations import mark_as_paid_confirmation
from orders.forms_invoice import ConfirmForm, mark_as_paid_form
from orders.invoice_selectors import order_for_invoicing
from orders.models import Order
from orders.operations import OrderOperation, order_operation_availability
from orders.selectors import order_with_store
from orders.services.mark_as_paid import order_mark_as_paid_for_invoice
from orders.services.order_cancel import order_cancel, order_void
from orders.services.order_documents import StaleOrder
from orders.services.state import StateTransitionError, order_hold, order_unhold
from orders.views.action_responses import order_panels_response, unavailable_response
from payments.hooks import AwaitsApproval

MARK_AS_PAID_TEMPLATE = "orders/mark_as_paid.html"
MARK_AS_PAID_PARTIAL = f"{MARK_AS_PAID_TEMPLATE}#mark_as_paid_form"
STALE_MESSAGE = "The order changed since this page was drawn; check it and try again."
LABELS = {
    OrderOperation.VOID: "Void",
    OrderOperation.CANCEL: "Cancel",
    OrderOperation.HOLD: "Hold",
    OrderOperation.UNHOLD: "Unhold",
    OrderOperation.MARK_AS_PAID: "Mark as paid",
}

DONE_MESSAGES = {
    OrderOperation.HOLD: "The order is on hold.",
    OrderOperation.UNHOLD: "The order is released from hold.",
}

# Runs the operation's service; returns the message and its level.
Runner = Callable[[StaffRequest, Order, dict], tuple[str, int]]


def _guarded(
    request: StaffRequest,
    number: str,
    operation: OrderOperation,
    run: Runner,
    *,
    load: Callable[..., Order] = order_for_invoicing,
):
    """`load`: the order with what the operation's rule reads (Hold and Unhold read only the
    order's state: the bare order, not its money)."""
    order = load(user=request.user, number=number)
    label = LABELS[operation]
    availability = order_operation_availability(user=request.user, order=order, operation=operation)
    if availability.is_permission:
        raise PermissionDenied(availability.reason)
    form = ConfirmForm(request.POST, order=order)
    if not form.is_valid():
        return order_panels_response(
            request, order, message=STALE_MESSAGE, level=messages.ERROR, status=422
        )
    try:
        message, level = run(request, order, form.cleaned_data)
    except OperationUnavailable as exc:
        return unavailable_response(request, order, exc.availability, operation=label)
    except (StaleOrder, StateTransitionError):
        return order_panels_response(
            request, order, message=STALE_MESSAGE, level=messages.ERROR, status=422
        )
    except DomainError as exc:
        raise_for_http(exc)
        return order_panels_response(
            request, order, message=exc.message, level=messages.ERROR, status=422
        )
    return order_panels_response(request, order, message=message, level=level)


def _void(request: StaffRequest, order: Order, data: dict) -> tuple[str, int]:
    outcome = order_void(
        order=order,
        user=request.user,
        expected_version=data["version"],
        idempotency_key=data["idempotency_key"],
    )
    return outcome.message(), outcome.level


def _cancel(request: StaffRequest, order: Order, data: dict) -> tuple[str, int]:
    outcome = order_cancel(
        order=order,
        user=request.user,
        expected_version=data["version"],
        idempotency_key=data["idempotency_key"],
    )
    return outcome.message(), outcome.level


def _hold(request: StaffRequest, order: Order, data: dict) -> tuple[str, int]:
    order_hold(order=order, actor=request.user)
    return DONE_MESSAGES[OrderOperation.HOLD], messages.SUCCESS


def _unhold(request: StaffRequest, order: Order, data: dict) -> tuple[str, int]:
    order_unhold(order=order, actor=request.user)
    return DONE_MESSAGES[OrderOperation.UNHOLD], messages.SUCCESS


@staff_required
@operation_view("void_payment")
@require_POST
def order_void_view(request: StaffRequest, number: str) -> HttpResponse:
    return _guarded(request, number, OrderOperation.VOID, _void)


@staff_required
@operation_view("cancel_order")
@require_POST
def order_cancel_view(request: StaffRequest, number: str) -> HttpResponse:
    return _guarded(request, number, OrderOperation.CANCEL, _cancel)


@staff_required
@operation_view("hold_order")
@require_POST
def order_hold_view(request: StaffRequest, number: str) -> HttpResponse:
    return _guarded(request, number, OrderOperation.HOLD, _hold, load=order_with_store)


@staff_required
@operation_view("hold_order")
@require_POST
def order_unhold_view(request: StaffRequest, number: str) -> HttpResponse:
    return _guarded(request, number, OrderOperation.UNHOLD, _unhold, load=order_with_store)


@staff_required
@operation_view("mark_as_paid")
@require_http_methods(["GET", "POST"])
def order_mark_as_paid_view(request: StaffRequest, number: str) -> HttpResponse:
    """GET: the form as a page (the header opens it as a dialog); POST: record the payment."""
    order = order_for_invoicing(user=request.user, number=number)
    availability = order_operation_availability(
        user=request.user, order=order, operation=OrderOperation.MARK_AS_PAID
    )
    if availability.is_permission:
        raise PermissionDenied(availability.reason)
    if not availability:
        return unavailable_response(request, order, availability, operation="Mark as paid")
    data = request.POST if request.method == "POST" else None
    locale = amount_locale(request.user, order.store)
    form = mark_as_paid_form(order=order, locale=locale, data=data)
    if form.is_bound and form.is_valid():
        try:
            if is_preview(request):  # the money as read, to confirm: nothing is recorded
                confirm = mark_as_paid_confirmation(user=request.user, order=order, form=form)
                return confirmation_response(confirm)
            result = order_mark_as_paid_for_invoice(
                order=order,
                invoice=form.invoice,
                user=request.user,
                amount=form.cleaned_data["amount"],
                merchant_reference=form.cleaned_data["merchant_reference"],
                memo=form.cleaned_data["memo"],
                expected_version=form.cleaned_data["version"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except AwaitsApproval as waiting:  # four-eyes: the request recorded, nothing moved
            message = waiting.awaiting.message
            return order_panels_response(request, order, message=message, level=messages.INFO)
        except StaleOrder:
            form.mark_stale()
        except DomainError as exc:
            raise_for_http(exc)
            form_error(form, exc)
        else:
            return order_panels_response(request, order, message=result.message)
    template = MARK_AS_PAID_PARTIAL if request.htmx else MARK_AS_PAID_TEMPLATE
    context = {"order": order, "form": form, "in_dialog": bool(request.htmx)}
    return render(request, template, context, status=422 if form.is_bound else 200)
