"""What an approved request runs: for each kind of request, the same service as the direct path.

Each action knows the permission the requester needed, how to tell whether the request still
fits the order (`check`, under the order lock: a changed amount or state voids it), how to run
it (`execute`, outside any transaction, through the operation's own service, which re-checks
everything under its own lock), and what to release when the request is closed unexecuted.

The operation runs as the requester (their permission is checked again); the approver is
recorded on the request and in the history.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import prefetch_related_objects

from backoffice.errors import DomainError
from backoffice.money import format_money
from orders.enums import CreditMemoState, RefundMode
from orders.models import ApprovalRequest, ApprovalState, CreditMemo, Invoice, Order
from orders.operations import OrderOperation, order_operation_availability
from orders.order_amounts import mark_as_paid_limit
from orders.services.approval_requests import CREDIT_MEMO, MARK_AS_PAID, TRANSACTION_REFUND
from orders.services.credit_memos import (
    credit_memo_cancel_unapproved,
    credit_memo_refund,
    credit_memo_refund_plan,
)
from orders.services.mark_as_paid import order_mark_as_paid_for_invoice
from orders.services.order_documents import StaleOrder
from payments import operations as ops
from payments.models import ReasonCode, Transaction
from payments.services import OperationResult, payment_refund

CHANGED = "the order changed after the request"


@dataclass(frozen=True)
class Executed:
    ok: bool
    message: str
    # The operation refused before doing anything (state or amount changed): the request is
    # void. False when it ran, even if the gateway declined.
    refused: bool = False


def _nothing(request: ApprovalRequest, order: Order) -> None:
    return None


@dataclass(frozen=True)
class ApprovalAction:
    code: str
    permission: Callable[[ApprovalRequest], str]
    check: Callable[[ApprovalRequest, Order, User], str]
    execute: Callable[[ApprovalRequest, User], Executed]
    approved: Callable[[ApprovalRequest, Order], None] = _nothing
    released: Callable[[ApprovalRequest, Order], None] = _nothing


def _ran(result: OperationResult) -> Executed:
    return Executed(ok=result.ok, message=result.message)


def _requested_reason(request: ApprovalRequest) -> ReasonCode | None:
    """The reason code the requester chose, kept in the payload (None for older requests)."""
    reason_id = request.payload.get("reason_id")
    return ReasonCode.objects.filter(pk=reason_id).first() if reason_id else None


def _less_left(request: ApprovalRequest, left: int, what: str) -> str:
    return (
        f"the amount changed: only {format_money(left, request.currency)} is {what} now "
        f"(the request was for {format_money(request.amount, request.currency)})"
    )


# ---- Refund / Refund Offline from Transaction Details ---------------------------------------


def _refund_operation(request: ApprovalRequest) -> ops.Operation:
    return ops.REFUND if request.payload.get("online") else ops.REFUND_OFFLINE


def _refunded_transaction(request: ApprovalRequest) -> Transaction:
    # `transaction_refund_request` always sets it, and the transaction is PROTECTed.
    assert request.transaction_id is not None
    return (
        Transaction.objects.select_related("payment__order__store", "payment__gateway_account")
        .prefetch_related("payment__transactions")
        .get(pk=request.transaction_id)
    )


def _check_transaction_refund(request: ApprovalRequest, order: Order, requester: User) -> str:
    answer = ops.availability(
        _refund_operation(request), user=requester, target=_refunded_transaction(request)
    )
    if not answer.allowed:
        return answer.reason
    if answer.max_amount is not None and request.amount > answer.max_amount:
        return _less_left(request, answer.max_amount, "left to refund")
    return ""


def _execute_transaction_refund(request: ApprovalRequest, requester: User) -> Executed:
    txn, data = _refunded_transaction(request), request.payload
    try:
        result = payment_refund(
            payment=txn.payment,
            parent=txn,
            online=bool(data.get("online")),
            amount=request.amount,
            actor=requester,
            idempotency_key=request.idempotency_key,
            merchant_reference=data.get("merchant_reference", ""),
            usage=data.get("usage", ""),
            memo=data.get("memo", ""),
            reason=_requested_reason(request),
        )
    except DomainError as error:
        return Executed(ok=False, message=error.message, refused=True)
    return _ran(result)


# ---- Mark as paid from the order page --------------------------------------------------------


def _mark_as_paid_invoice(request: ApprovalRequest, order: Order) -> Invoice | None:
    invoice_id = request.payload.get("invoice_id")
    return order.invoices.get(pk=invoice_id) if invoice_id else None


def _check_mark_as_paid(request: ApprovalRequest, order: Order, requester: User) -> str:
    if order.version != request.payload.get("expected_version"):
        return CHANGED
    prefetch_related_objects([order], "payments__transactions", "invoices", "transactions")
    answer = order_operation_availability(
        user=requester, order=order, operation=OrderOperation.MARK_AS_PAID
    )
    if not answer.allowed:
        return answer.reason
    left = mark_as_paid_limit(order, _mark_as_paid_invoice(request, order))
    if request.amount > left:
        return _less_left(request, left, "outstanding")
    return ""


def _execute_mark_as_paid(request: ApprovalRequest, requester: User) -> Executed:
    order = Order.objects.select_related("store").get(pk=request.order_id)
    data = request.payload
    try:
        result = order_mark_as_paid_for_invoice(
            order=order,
            invoice=_mark_as_paid_invoice(request, order),
            user=requester,
            amount=request.amount,
            merchant_reference=data.get("merchant_reference", ""),
            memo=data.get("memo", ""),
            expected_version=data["expected_version"],
            idempotency_key=request.idempotency_key,
            approved=request,
        )
    except StaleOrder as error:  # the order changed in between
        return Executed(ok=False, message=f"{CHANGED} ({error.message})", refused=True)
    except DomainError as error:
        return Executed(ok=False, message=error.message, refused=True)
    return _ran(result)


# ---- Credit memo refunds and goodwill refunds (the memo waits in "awaiting approval") --------


def _memo_id(request: ApprovalRequest) -> int:
    # `credit_memo_approval_add` always sets it, and the memo is PROTECTed.
    assert request.credit_memo_id is not None
    return request.credit_memo_id


def _memo(request: ApprovalRequest, order: Order) -> CreditMemo:
    memo = CreditMemo.objects.select_related("invoice").get(pk=_memo_id(request))
    memo.order = order
    return memo


def _memo_permission(request: ApprovalRequest) -> str:
    return "refund_online" if request.payload.get("online") else "refund_offline"


def _check_credit_memo(request: ApprovalRequest, order: Order, requester: User) -> str:
    memo = _memo(request, order)
    if memo.state != CreditMemoState.AWAITING_APPROVAL:
        return f"credit memo #{memo.number} is {memo.get_state_display().lower()}"
    plan = credit_memo_refund_plan(memo=memo, user=requester, order=order)
    if (refusal := plan.permission_refusal) is not None:
        return refusal.reason
    if memo.mode == RefundMode.ONLINE and plan.shortfall:
        return _less_left(request, plan.covered, "left to refund online")
    return ""


def _approve_credit_memo(request: ApprovalRequest, order: Order) -> None:
    CreditMemo.objects.filter(pk=_memo_id(request)).update(state=CreditMemoState.PENDING)


def _execute_credit_memo(request: ApprovalRequest, requester: User) -> Executed:
    order = Order.objects.select_related("store").get(pk=request.order_id)
    memo, reason = _memo(request, order), _requested_reason(request)
    outcome = credit_memo_refund(memo=memo, user=requester, reason=reason)
    return Executed(ok=outcome.memo.state == CreditMemoState.REFUNDED, message=outcome.message())


def _release_credit_memo(request: ApprovalRequest, order: Order) -> None:
    memo = _memo(request, order)
    if memo.state == CreditMemoState.AWAITING_APPROVAL:
        why = {
            ApprovalState.REJECTED: "its refund was rejected",
            ApprovalState.EXPIRED: "its refund was not approved in time",
            ApprovalState.WITHDRAWN: "its refund request was withdrawn",
        }.get(ApprovalState(request.state), "its refund request is void")
        credit_memo_cancel_unapproved(memo=memo, order=order, user=request.decided_by, why=why)


ACTIONS: dict[str, ApprovalAction] = {
    action.code: action
    for action in (
        ApprovalAction(
            code=TRANSACTION_REFUND,
            permission=lambda request: _refund_operation(request).permission,
            check=_check_transaction_refund,
            execute=_execute_transaction_refund,
        ),
        ApprovalAction(
            code=CREDIT_MEMO,
            permission=_memo_permission,
            check=_check_credit_memo,
            execute=_execute_credit_memo,
            approved=_approve_credit_memo,
            released=_release_credit_memo,
        ),
        ApprovalAction(
            code=MARK_AS_PAID,
            permission=lambda request: "mark_as_paid",
            check=_check_mark_as_paid,
            execute=_execute_mark_as_paid,
        ),
    )
}
