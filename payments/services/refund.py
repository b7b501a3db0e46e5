"""Refund captured money: online through the gateway, or offline (paid back elsewhere)."""

from django.contrib.auth.models import User

from orders.models import CreditMemo, Invoice
from payments import operations as ops
from payments.enums import TransactionSource, TransactionType
from payments.gateways import Gateway, GatewayResult
from payments.hooks import ApprovalGate
from payments.models import Payment, ReasonCode, Transaction
from payments.services._checks import refund_documents_cap
from payments.services._flow import MoneyRequest, OperationResult, run_offline, run_online


def _call(gateway: Gateway, txn: Transaction) -> GatewayResult:
    return gateway.refund(
        reference=txn.payment.gateway_reference,
        amount=txn.amount,
        currency=txn.currency,
        idempotency_key=txn.idempotency_key,
    )


def payment_refund(
    *,
    payment: Payment,
    amount: int,
    online: bool,
    actor: User | None,
    idempotency_key: str,
    invoice: Invoice | None = None,
    credit_memo: CreditMemo | None = None,
    parent: Transaction | None = None,
    merchant_reference: str = "",
    usage: str = "",
    memo: str = "",
    source: str = TransactionSource.UI,
    reason: ReasonCode | None = None,
    approval: ApprovalGate | None = None,
) -> OperationResult:
    """Refund `amount` ≤ captured − refunded − pending refunds − charged back.

    `parent`: the capture/debit/rebill refunded (caps the amount at what is left of it);
    `invoice`/`credit_memo`: the documents it belongs to (each caps it too); `reason`: the
    store's reason code staff chose (required by every form; None from batch jobs and imports);
    `approval`: the four-eyes gate (Transaction Details), see `MoneyRequest.approval`.
    """
    request = MoneyRequest(
        type=TransactionType.REFUND,
        operation=ops.REFUND if online else ops.REFUND_OFFLINE,
        order_id=payment.order_id,
        payment_id=payment.pk,
        amount=amount,
        online=online,
        actor=actor,
        idempotency_key=idempotency_key,
        parent=parent,
        invoice=invoice,
        credit_memo=credit_memo,
        merchant_reference=merchant_reference,
        usage=usage,
        memo=memo,
        source=source,
        reason=reason,
        check=refund_documents_cap(invoice, credit_memo),
        approval=approval,
        call=_call,
        gateway_request={"operation": "refund", "reference": payment.gateway_reference},
    )
    return run_online(request) if online else run_offline(request)
