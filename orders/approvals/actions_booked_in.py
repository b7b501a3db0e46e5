"""What an approved Capture Offline, Rebill or Chargeback Reversal runs, and the registry of
every action (`ACTIONS`: these and the refunds and Mark as paid of `orders.approvals.actions`).

Like the others, each re-checks under the order lock that the request still fits (the
requester's permission, the state, the amount: a change voids it), then runs the operation's
own service as the requester, with the request's idempotency key, asking nobody again.
"""

from django.contrib.auth.models import User

from backoffice.errors import DomainError
from orders.approvals.actions import (
    ACTIONS as REFUND_AND_PAYMENT_ACTIONS,
)
from orders.approvals.actions import (
    CHANGED,
    ApprovalAction,
    Executed,
    _less_left,
    _ran,
    _refunded_transaction,
    _requested_reason,
)
from orders.capture_modes import capture_modes
from orders.enums import CaptureMode, InvoiceState
from orders.models import ApprovalRequest, Invoice, Order
from orders.operations import InvoiceOperation, invoice_operation_availability
from orders.order_amounts import invoice_amount_to_capture
from orders.services.approval_requests import INVOICE_CAPTURE_OFFLINE, TRANSACTION_OPERATION
from orders.services.invoicing import invoice_capture
from orders.services.order_documents import StaleOrder
from payments import operations as ops
from payments.services import OperationResult, chargeback_reverse, payment_rebill

# ---- Capture Offline of an invoice (New Invoice's Amount choice, the invoice page) -----------


def _invoice(request: ApprovalRequest, order: Order) -> Invoice:
    invoice = Invoice.objects.get(pk=request.payload["invoice_id"], order_id=order.pk)
    invoice.order = order
    return invoice


def _check_invoice_capture(request: ApprovalRequest, order: Order, requester: User) -> str:
    invoice = _invoice(request, order)
    if invoice.state != InvoiceState.OPEN:
        return f"invoice #{invoice.number} is {invoice.get_state_display().lower()}"
    answer = invoice_operation_availability(
        user=requester, invoice=invoice, operation=InvoiceOperation.CAPTURE
    )
    if not answer.allowed:
        return answer.reason
    left = invoice_amount_to_capture(invoice)
    option = capture_modes(user=requester, order=order, amount=left, with_not_capture=False)
    if not (offline := option[CaptureMode.OFFLINE]).allowed:
        return offline.reason
    if left != request.amount:
        return _less_left(request, left, f"owed on invoice #{invoice.number}")
    return ""


def _execute_invoice_capture(request: ApprovalRequest, requester: User) -> Executed:
    order = Order.objects.select_related("store").get(pk=request.order_id)
    try:
        outcome = invoice_capture(
            invoice=_invoice(request, order),
            user=requester,
            capture_mode=CaptureMode.OFFLINE,
            expected_version=order.version,
            idempotency_key=request.idempotency_key,
            approved=request,
        )
    except StaleOrder as error:  # the order changed in between
        return Executed(ok=False, message=f"{CHANGED} ({error.message})", refused=True)
    except DomainError as error:
        return Executed(ok=False, message=error.message, refused=True)
    return Executed(ok=outcome.failure is None, message=outcome.message())


# ---- Rebill and Chargeback Reversal from Transaction Details ---------------------------------


def _operation(request: ApprovalRequest) -> ops.Operation:
    return ops.OPERATIONS[request.payload["operation"]]


def _check_transaction_operation(request: ApprovalRequest, order: Order, requester: User) -> str:
    answer = ops.availability(
        _operation(request), user=requester, target=_refunded_transaction(request)
    )
    if not answer.allowed:
        return answer.reason
    if answer.max_amount is not None and request.amount > answer.max_amount:
        return _less_left(request, answer.max_amount, f"left for {answer.label}")
    return ""


def _run_transaction_operation(request: ApprovalRequest, requester: User) -> OperationResult:
    txn, data = _refunded_transaction(request), request.payload
    reference, usage, memo = (data.get(k, "") for k in ("merchant_reference", "usage", "memo"))
    if _operation(request) == ops.REBILL:
        return payment_rebill(
            parent=txn, amount=request.amount, actor=requester,
            idempotency_key=request.idempotency_key, merchant_reference=reference,
            usage=usage, memo=memo,
        )  # fmt: skip
    return chargeback_reverse(
        chargeback=txn, amount=request.amount, actor=requester,
        idempotency_key=request.idempotency_key, merchant_reference=reference, usage=usage,
        memo=memo, reason=_requested_reason(request),
    )  # fmt: skip


def _execute_transaction_operation(request: ApprovalRequest, requester: User) -> Executed:
    try:
        return _ran(_run_transaction_operation(request, requester))
    except DomainError as error:
        return Executed(ok=False, message=error.message, refused=True)


ACTIONS: dict[str, ApprovalAction] = {
    **REFUND_AND_PAYMENT_ACTIONS,
    INVOICE_CAPTURE_OFFLINE: ApprovalAction(
        code=INVOICE_CAPTURE_OFFLINE,
        permission=lambda request: "capture_offline",
        check=_check_invoice_capture,
        execute=_execute_invoice_capture,
    ),
    TRANSACTION_OPERATION: ApprovalAction(
        code=TRANSACTION_OPERATION,
        permission=lambda request: _operation(request).permission,
        check=_check_transaction_operation,
        execute=_execute_transaction_operation,
    ),
}
