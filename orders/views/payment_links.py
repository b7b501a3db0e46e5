"""The order page's payment link actions: make (Copy payment link), e-mail, revoke.

Each has its own POST URL; the order comes through the scoped selector (404 outside the user's
stores) and the link must be that order's (404 otherwise). The service re-checks everything
under the lock: a missing permission is a 403, anything else is said on the order page.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from backoffice.decorators import operation_view, staff_required
from backoffice.errors import DomainError, raise_for_http
from backoffice.http import StaffRequest
from orders.models import PaymentLink
from orders.selectors import order_with_store
from orders.services.payment_link_checkout import payment_link_checkout_finish
from orders.services.payment_links import (
    PERMISSIONS,
    ensure_may_manage,
    payment_link_create,
    payment_link_revoke,
    payment_link_send,
)
from orders.views.action_responses import order_panels_response

ANCHOR = "payment-links"


def _answer(request: StaffRequest, order, message: str, level: int = messages.SUCCESS):
    return order_panels_response(
        request, order, message=message, level=level, anchor=ANCHOR, status=200
    )


def _refused(request: StaffRequest, order, exc: DomainError) -> HttpResponse:
    raise_for_http(exc)
    return order_panels_response(
        request, order, message=exc.message, level=messages.ERROR, anchor=ANCHOR, status=409
    )


@staff_required
@operation_view(*PERMISSIONS)
@require_POST
def payment_link_create_view(request: StaffRequest, number: str) -> HttpResponse:
    order = order_with_store(user=request.user, number=number)
    try:
        made = payment_link_create(order=order, user=request.user)
    except DomainError as exc:
        return _refused(request, order, exc)
    message = (
        "Payment link ready: copy it below and send it to the customer."
        if made.created
        else "The open payment link for this amount is below: copy it."
    )
    return _answer(request, order, message)


def _link(request: StaffRequest, number: str, link_id: int):
    order = order_with_store(user=request.user, number=number)
    return order, get_object_or_404(PaymentLink, pk=link_id, order=order)


@staff_required
@operation_view(*PERMISSIONS)
@require_POST
def payment_link_send_view(request: StaffRequest, number: str, link_id: int) -> HttpResponse:
    order, link = _link(request, number, link_id)
    try:
        payment_link_send(link=link, user=request.user, base_url=request.build_absolute_uri("/"))
    except DomainError as exc:
        return _refused(request, order, exc)
    return _answer(request, order, f"Payment link e-mailed to {order.customer_email}.")


@staff_required
@operation_view(*PERMISSIONS)
@require_POST
def payment_link_revoke_view(request: StaffRequest, number: str, link_id: int) -> HttpResponse:
    order, link = _link(request, number, link_id)
    try:
        payment_link_revoke(link=link, user=request.user)
    except DomainError as exc:
        return _refused(request, order, exc)
    return _answer(request, order, "Payment link revoked: it no longer works.")


@staff_required
@operation_view(*PERMISSIONS)
@require_POST
def payment_link_check_view(request: StaffRequest, number: str, link_id: int) -> HttpResponse:
    """Ask Stripe whether the customer paid the link's Checkout Session (the customer may
    never have come back to the return page): record the authorization if so."""
    order, link = _link(request, number, link_id)
    try:
        ensure_may_manage(user=request.user, order=order)
        outcome = payment_link_checkout_finish(link=link)
    except DomainError as exc:
        return _refused(request, order, exc)
    if outcome.status == "declined":
        return _answer(request, order, "Not paid at Stripe yet.", messages.INFO)
    return _answer(request, order, "The customer paid at Stripe: the authorization is recorded.")
