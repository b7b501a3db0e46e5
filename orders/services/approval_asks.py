"""Four-eyes at each entry point: decide under the operation's own order lock, and record the
request the move then waits as (nothing moves until a different person approves it).

- Transaction Details (Refund, Refund Offline, Rebill, Chargeback Reversal) and Mark as paid:
  the money flow calls a gate (`payments.hooks.ApprovalGate`) once every check passed, in the
  transaction that would write the ledger row (`transaction_approval`, `mark_as_paid_gate`);
- Capture Offline (New Invoice's Amount choice, an invoice's Capture): invoicing's step 1 asks
  `invoice_capture_offline_request`, the invoice staying open meanwhile;
- credit memos and goodwill refunds: `credit_memo_create` asks `approval_needed` itself.

The same form sent again (its idempotency key) is answered with its first request, whatever
the sums are now. The rule itself: `orders.services.approval_rule`.
"""

from collections.abc import Callable

from django.contrib.auth.models import User

from orders.enums import CaptureMode
from orders.models import ApprovalKind, ApprovalRequest, Invoice, Order
from orders.order_amounts import invoice_amount_to_capture
from orders.services.approval_requests import (
    INVOICE_CAPTURE_OFFLINE,
    TRANSACTION_KINDS,
    approval_request_add,
    awaiting_message,
    mark_as_paid_request_add,
    transaction_request_add,
)
from orders.services.approval_rule import approval_needed
from payments.hooks import ApprovalAsk, ApprovalGate, AwaitingApproval

# Records the request of `amount` on the locked order, given why it waits.
Add = Callable[[Order, int, str], ApprovalRequest]


def awaiting_of(approval: ApprovalRequest, *, order: Order, reference: str) -> AwaitingApproval:
    """The request as the page that asked shows it."""
    return AwaitingApproval(
        message=awaiting_message(approval),
        amount=approval.amount,
        currency=approval.currency,
        requested_by_label=approval.requested_by_label,
        merchant_reference=reference,
        expires_at=approval.expires_at,
        order_number=order.number,
    )


def _request_by_key(idempotency_key: str) -> ApprovalRequest | None:
    return ApprovalRequest.objects.filter(idempotency_key=idempotency_key).first()


def _ask(
    order: Order, amount: int, *, kind: str, idempotency_key: str, add: Add
) -> ApprovalRequest | None:
    """Under the order lock: the request `amount` now waits as (recorded by `add`), or None."""
    if (existing := _request_by_key(idempotency_key)) is not None:
        return existing
    need = approval_needed(order=order, amount=amount, kind=kind)
    return None if need is None else add(order, amount, need.why())


def _gate(*, kind: str, idempotency_key: str, reference: str, add: Add) -> ApprovalGate:
    def gate(order: Order, amount: int) -> AwaitingApproval | None:
        approval = _ask(order, amount, kind=kind, idempotency_key=idempotency_key, add=add)
        return None if approval is None else awaiting_of(approval, order=order, reference=reference)

    return gate


# ---- Transaction Details -------------------------------------------------------------------


def transaction_approval(ask: ApprovalAsk, *, order: Order) -> AwaitingApproval | None:
    """`payments.hooks.OrderHooks.operation_approval`: under the money flow's lock."""

    def add(locked: Order, amount: int, why: str) -> ApprovalRequest:
        return transaction_request_add(order=locked, ask=ask, why=why)

    gate = _gate(
        kind=TRANSACTION_KINDS[ask.operation],
        idempotency_key=ask.idempotency_key,
        reference=ask.merchant_reference,
        add=add,
    )
    return gate(order, ask.amount)


def transaction_approval_reason(ask: ApprovalAsk) -> str | None:
    """`payments.hooks.OrderHooks.operation_approval_reason`: read only, no lock."""
    need = approval_needed(
        order=ask.transaction.order, amount=ask.amount, kind=TRANSACTION_KINDS[ask.operation]
    )
    return None if need is None else need.why()


# ---- Mark as paid --------------------------------------------------------------------------


def mark_as_paid_gate(
    *,
    user: User,
    invoice_id: int | None,
    merchant_reference: str,
    memo: str,
    expected_version: int,
    idempotency_key: str,
) -> ApprovalGate:
    """Mark as paid's gate for the money flow (`payments.services.order_mark_as_paid`)."""

    def add(order: Order, amount: int, why: str) -> ApprovalRequest:
        return mark_as_paid_request_add(
            order=order,
            user=user,
            invoice_id=invoice_id,
            amount=amount,
            merchant_reference=merchant_reference,
            memo=memo,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
            why=why,
        )

    return _gate(
        kind=ApprovalKind.MARK_AS_PAID,
        idempotency_key=idempotency_key,
        reference=merchant_reference,
        add=add,
    )


# ---- Capture Offline of an invoice ---------------------------------------------------------


def invoice_capture_offline_request(
    *, invoice: Invoice, user: User | None, mode: str, key: str
) -> ApprovalRequest | None:
    """The Amount choice `mode` for what `invoice` still owes, under invoicing's order lock
    (`invoice.order` is the locked order): when it is a Capture Offline that four-eyes holds,
    the request it waits as; None when it may run now (Capture Online and Not Capture book
    nothing by hand; `user` None: a batch job, or an approved request running). Meanwhile the
    invoice stays open and nothing is captured; a new request for it replaces this one."""
    order, amount = invoice.order, invoice_amount_to_capture(invoice)
    if mode != CaptureMode.OFFLINE or user is None or amount <= 0:
        return None

    def add(locked: Order, amount: int, why: str) -> ApprovalRequest:
        return approval_request_add(
            order=locked,
            user=user,
            kind=ApprovalKind.CAPTURE_OFFLINE,
            action=INVOICE_CAPTURE_OFFLINE,
            amount=amount,
            payload={
                "label": "Capture Offline",
                "invoice_id": invoice.pk,
                "invoice_number": invoice.number,
            },
            target=f"invoice:{invoice.pk}:capture",
            idempotency_key=key,
            why=why,
        )

    return _ask(order, amount, kind=ApprovalKind.CAPTURE_OFFLINE, idempotency_key=key, add=add)
