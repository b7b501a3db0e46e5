"""Chargebacks and their reversals: facts reported by the acquirer, recorded in one step."""

from django.contrib.auth.models import User

from payments import operations as ops
from payments.enums import TransactionSource, TransactionType
from payments.hooks import ApprovalGate
from payments.models import Payment, ReasonCode, Transaction
from payments.services._flow import MoneyRequest, OperationResult, run_offline


def payment_chargeback(
    *,
    payment: Payment,
    amount: int,
    actor: User | None,
    idempotency_key: str,
    parent: Transaction | None = None,
    merchant_reference: str = "",
    usage: str = "",
    memo: str = "",
    source: str = TransactionSource.UI,
    reason: ReasonCode | None = None,
) -> OperationResult:
    """Record a chargeback of `amount` ≤ captured − refunded − pending refunds − charged back,
    with the store's chargeback `reason` (None only from batch jobs, imports, webhooks)."""
    return run_offline(
        MoneyRequest(
            type=TransactionType.CHARGEBACK,
            operation=ops.CHARGEBACK,
            order_id=payment.order_id,
            payment_id=payment.pk,
            parent=parent,
            amount=amount,
            online=False,
            actor=actor,
            idempotency_key=idempotency_key,
            merchant_reference=merchant_reference,
            usage=usage,
            memo=memo,
            source=source,
            reason=reason,
        )
    )


def chargeback_reverse(
    *,
    chargeback: Transaction,
    amount: int,
    actor: User | None,
    idempotency_key: str,
    merchant_reference: str = "",
    usage: str = "",
    memo: str = "",
    source: str = TransactionSource.UI,
    reason: ReasonCode | None = None,
    approval: ApprovalGate | None = None,
) -> OperationResult:
    """Record that (part of) a chargeback was reversed: the money came back to the merchant;
    `approval`: the four-eyes gate (Transaction Details), see `MoneyRequest.approval`."""
    return run_offline(
        MoneyRequest(
            type=TransactionType.CHARGEBACK_REVERSAL,
            operation=ops.CHARGEBACK_REVERSAL,
            order_id=chargeback.order_id,
            payment_id=chargeback.payment_id,
            parent=chargeback,
            amount=amount,
            online=False,
            actor=actor,
            idempotency_key=idempotency_key,
            merchant_reference=merchant_reference,
            usage=usage,
            memo=memo,
            source=source,
            reason=reason,
            approval=approval,
        )
    )
