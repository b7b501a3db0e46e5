"""Approve or reject a request awaiting approval (four-eyes), or withdraw one's own, from the
order page (and the dashboard's Withdraw).

Each has its own POST URL. The order comes through the scoped selector (another store's order
is a 404); the service checks "approve refund" on the store (403), refuses deciding one's own
request (403) and decided or expired requests (422 with the reason), and runs the operation.
Withdrawing needs the permission of the operation asked (403) and being its requester (422).
"""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.views.decorators.http import require_POST

from backoffice.audit.events import APPROVAL_DECISION, record_event
from backoffice.audit.models import AuditOutcome
from backoffice.decorators import operation_view, staff_required
from backoffice.errors import DomainError, raise_for_http
from backoffice.http import StaffRequest
from orders import selectors
from orders.approvals import services
from orders.approvals.selectors import approval_get
from orders.models import ApprovalRequest, Order
from orders.views.action_responses import order_panels_response

REASON_MAX = 2000


def _record(
    request: StaffRequest, order: Order, approval: ApprovalRequest, decision: str, outcome: Any
) -> None:
    """Every approval decision in the audit stream (refusals are recorded as denied requests)."""
    record_event(
        type=APPROVAL_DECISION,
        request=request,
        outcome=AuditOutcome.SUCCESS if outcome.ok else AuditOutcome.FAILED,
        obj=approval,
        store_code=order.store.code,
        order_number=order.number,
        message=f"Request {decision}: {outcome.message}",
        details={"decision": decision, "kind": approval.kind, "amount": approval.amount},
    )


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
    _record(request, order, approval, "approved", outcome)
    level = messages.SUCCESS if outcome.ok else messages.WARNING
    return order_panels_response(request, order, message=outcome.message, level=level)


# Whoever may ask for approval: each request's own operation permission is checked.
REQUEST_PERMISSIONS = (
    "refund_online",
    "refund_offline",
    "mark_as_paid",
    "capture_offline",
    "rebill_payment",
    "record_chargeback",
)


@staff_required
@operation_view(*REQUEST_PERMISSIONS)
@require_POST
def approval_withdraw_view(request: StaffRequest, number: str, approval_id: int) -> HttpResponse:
    order = selectors.order_for_update(user=request.user, number=number)
    approval = approval_get(order=order, approval_id=approval_id)
    try:
        outcome = services.approval_withdraw(approval=approval, user=request.user)
    except DomainError as refused:
        raise_for_http(refused)
        return order_panels_response(
            request, order, message=refused.message, level=messages.ERROR, status=422
        )
    _record(request, order, approval, "withdrawn", outcome)
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
    _record(request, order, approval, "rejected", outcome)
    level = messages.SUCCESS if outcome.ok else messages.WARNING
    return order_panels_response(request, order, message=outcome.message, level=level)
