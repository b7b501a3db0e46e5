"""Rebill: a new debit on the card of an earlier debit (OPPWA's RB)."""

from django.contrib.auth.models import User

from payments import operations as ops
from payments.enums import TransactionSource, TransactionType
from payments.gateways import Gateway, GatewayResult
from payments.hooks import ApprovalGate
from payments.models import Transaction
from payments.services._flow import MoneyRequest, OperationResult, run_online


def _call(gateway: Gateway, txn: Transaction) -> GatewayResult:
    return gateway.rebill(
        reference=txn.payment.gateway_reference,
        amount=txn.amount,
        currency=txn.currency,
        idempotency_key=txn.idempotency_key,
    )


def payment_rebill(
    *,
    parent: Transaction,
    amount: int,
    actor: User | None,
    idempotency_key: str,
    merchant_reference: str = "",
    usage: str = "",
    memo: str = "",
    source: str = TransactionSource.UI,
    approval: ApprovalGate | None = None,
) -> OperationResult:
    """Charge `amount` again on the payment of `parent` (a successful debit or rebill);
    `approval`: the four-eyes gate (Transaction Details), see `MoneyRequest.approval`."""
    return run_online(
        MoneyRequest(
            type=TransactionType.REBILL,
            operation=ops.REBILL,
            order_id=parent.order_id,
            payment_id=parent.payment_id,
            parent=parent,
            amount=amount,
            online=True,
            actor=actor,
            idempotency_key=idempotency_key,
            merchant_reference=merchant_reference,
            usage=usage,
            memo=memo,
            source=source,
            call=_call,
            gateway_request={"operation": "rebill", "parent": str(parent.uuid)},
            approval=approval,
        )
    )
