"""How an order or invoice action answers: htmx panel swaps, or a redirect with a message.

With htmx the response is the affected panels of the page (the triggering element's
`hx-select-oob` picks them by id) plus a flash message, so nothing reloads. Without JavaScript
the same POST redirects back to the page with the message (Post/Redirect/Get).
"""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from backoffice.availability import Availability
from backoffice.denials import note_denied
from backoffice.errors import raise_for_http
from backoffice.http import StaffRequest
from orders import selectors
from orders.models import Invoice, Order
from orders.views.order_detail import order_page_context

ORDER_PANELS_TEMPLATE = "orders/_order_panels.html"
UNAVAILABLE_TEMPLATE = "orders/operation_unavailable.html"

LEVEL_TAGS = {
    messages.SUCCESS: "success",
    messages.WARNING: "warning",
    messages.ERROR: "error",
    messages.INFO: "info",
}


def order_panels_response(
    request: StaffRequest,
    order: Order,
    *,
    message: str,
    level: int = messages.SUCCESS,
    status: int = 200,
    anchor: str = "",
) -> HttpResponse:
    if not request.htmx:
        messages.add_message(request, level, message)
        return redirect(order.get_absolute_url() + (f"#{anchor}" if anchor else ""))
    order = selectors.order_detail(user=request.user, number=order.number)
    context = {
        **order_page_context(request, order),
        "flash": message,
        "flash_level": LEVEL_TAGS.get(level, "info"),
    }
    response = render(request, ORDER_PANELS_TEMPLATE, context, status=status)
    # The form may target a dialog for its errors; a success swaps only the panels.
    response["HX-Reswap"] = "none"
    return response


def invoice_url(invoice: Invoice) -> str:
    return reverse(
        "orders:invoice_detail",
        kwargs={"number": invoice.order.number, "invoice_number": invoice.number},
    )


def unavailable_response(
    request: StaffRequest,
    order: Order,
    availability: Availability,
    *,
    operation: str,
    back: str = "",
    htmx_response: Callable[..., HttpResponse] | None = None,
) -> HttpResponse:
    """The registry refused the POST (state or amounts changed since the page was drawn).

    A missing permission is Django's 403. Otherwise, htmx: the panels as they are now (the
    button disabled with its reason) and the reason as a message, status 422; plain POST: a
    409 page saying why, with the way back.
    """
    raise_for_http(availability.error())
    message = availability.as_operation(availability.operation, operation).reason
    note_denied(request, message)
    if request.htmx:
        if htmx_response is not None:
            return htmx_response(message=message, level=messages.ERROR, status=422)
        return order_panels_response(
            request, order, message=message, level=messages.ERROR, status=422
        )
    context = {
        "order": order,
        "operation": operation,
        "reason": message,
        "back": back or order.get_absolute_url(),
    }
    return render(request, UNAVAILABLE_TEMPLATE, context, status=409)
