"""Approve or reject a refund or Mark as paid awaiting approval (four-eyes), from the order page.

Each decision has its own POST URL. The order comes through the scoped selector (another
store's order is a 404); the service checks "approve refund" on the store (403), refuses
self-approval and decided or expired requests (422 with the reason), and runs the operation.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.views.decorators.http import require_POST

from backoffice.decorators import operation_view, staff_required
from backoffice.errors import DomainError, raise_for_http
from backoffice.http import StaffRequest
from orders import selectors
from orders.approvals import services
from orders.approvals.selectors import approval_get
from orders.views.action_responses import order_panels_response

REASON_MAX = 2000


@staff_required
@operation_view("approve_refund")
@require_POST
def approval_approve_view(request: StaffRequest, number: str, approval_id: int) -> HttpResponse:
    order = selectors.order_for_update(user=request.user, number=number)
    approval = approval_get(order=order, approval_id=approval_id)
    try:
        outcome = services.approval_approve(approval=approval, user=request.user)
    except DomainError as refused:
        raise_for_http(refused)
        return order_panels_response(
            request, order, message=refused.message, level=messages.ERROR, status=422
        )
    level = messages.SUCCESS if outcome.ok else messages.WARNING
    return order_panels_response(request, order, message=outcome.message, level=level)


@staff_required
@operation_view("approve_refund")
@require_POST
def approval_reject_view(request: StaffRequest, number: str, approval_id: int) -> HttpResponse:
    order = selectors.order_for_update(user=request.user, number=number)
    approval = approval_get(order=order, approval_id=approval_id)
    reason = request.POST.get("reason", "")[:REASON_MAX]
    try:
        outcome = services.approval_reject(approval=approval, user=request.user, reason=reason)
    except DomainError as refused:
        raise_for_http(refused)
        return order_panels_response(
            request, order, message=refused.message, level=messages.ERROR, status=422
        )
    level = messages.SUCCESS if outcome.ok else messages.WARNING
    return order_panels_response(request, order, message=outcome.message, level=level)
