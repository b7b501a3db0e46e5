"""Mark as paid: the money engine's manual payment, and the open invoice it settles.

Four-eyes decides under the money flow's lock (`approval_asks.mark_as_paid_gate`): above the
store's threshold the payment waits for a second person (`AwaitsApproval` is raised, the
request recorded, nothing moved).
"""

from django.contrib.auth.models import User
from django.db import transaction

from orders.models import ApprovalRequest, Invoice, Order
from orders.services.approval_asks import mark_as_paid_gate
from orders.services.invoice_captures import invoice_settle_from_ledger
from orders.services.order_documents import bump_version, check_version, order_progress
from payments.locks import lock_order_and_payments
from payments.models import Transaction
from payments.services import OperationResult, order_mark_as_paid


def order_mark_as_paid_for_invoice(
    *,
    order: Order,
    invoice: Invoice | None,
    user: User,
    amount: int,
    merchant_reference: str,
    memo: str,
    expected_version: int,
    idempotency_key: str,
    approved: ApprovalRequest | None = None,
) -> OperationResult:
    """The money engine's Mark as paid; when it pays an open invoice, that invoice is settled
    (paid once covered) and the order moves on like after any capture.

    Four-eyes decides under the money flow's lock (`approval_asks.mark_as_paid_gate`): above
    the store's threshold it raises `AwaitsApproval` (the request recorded, nothing moved).
    `approved`: the approved request this runs, which asks nobody again.
    """
    with transaction.atomic(durable=True):
        locked, _payments = lock_order_and_payments(order.pk)
        if not Transaction.objects.filter(idempotency_key=idempotency_key).exists():
            check_version(locked, expected_version)
    gate = None
    if approved is None:
        gate = mark_as_paid_gate(
            user=user,
            invoice_id=invoice.pk if invoice is not None else None,
            merchant_reference=merchant_reference,
            memo=memo,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )
    result = order_mark_as_paid(
        order=order,
        amount=amount,
        merchant_reference=merchant_reference,
        memo=memo,
        actor=user,
        idempotency_key=idempotency_key,
        invoice=invoice,
        approval=gate,
    )
    with transaction.atomic(durable=True):
        locked, _payments = lock_order_and_payments(order.pk)
        if invoice is not None:
            invoice_settle_from_ledger(invoice=invoice, order=locked)
        order_progress(order=locked, user=user)
        bump_version(locked)
    return result
