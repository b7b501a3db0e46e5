"""Void (Reversal): release the uncaptured remainder of an authorization."""

from django.contrib.auth.models import User

from payments import operations as ops
from payments.enums import TransactionSource, TransactionType
from payments.gateways import Gateway, GatewayResult
from payments.models import Payment, Transaction
from payments.services._flow import MoneyRequest, money_service


def _call(gateway: Gateway, txn: Transaction) -> GatewayResult:
    return gateway.void(
        reference=txn.payment.gateway_reference,
        amount=txn.amount,
        currency=txn.currency,
        idempotency_key=txn.idempotency_key,
    )


def void_request(
    *,
    payment: Payment,
    actor: User | None,
    idempotency_key: str,
    online: bool = True,
    amount: int | None = None,
    parent: Transaction | None = None,
    merchant_reference: str = "",
    usage: str = "",
    memo: str = "",
    source: str = TransactionSource.UI,
    after_expiry: bool = False,
) -> MoneyRequest:
    """Void what is left of the authorization (`amount` None: all of it, decided under lock).

    `online=False` records a reversal without the gateway: an authorization that expired
    or was released elsewhere (the expiry job), allowed even after expiry.
    `after_expiry=True` (the expiry job) asks the gateway even though the expiry date passed:
    it may still release the hold, or decline because the authorization expired.
    """
    operation = ops.VOID_OFFLINE
    if online:
        operation = ops.VOID_EXPIRED if after_expiry else ops.VOID
    return MoneyRequest(
        type=TransactionType.REVERSAL,
        operation=operation,
        order_id=payment.order_id,
        payment_id=payment.pk,
        amount=amount,
        online=online,
        actor=actor,
        idempotency_key=idempotency_key,
        parent=parent,
        merchant_reference=merchant_reference,
        usage=usage,
        memo=memo,
        source=source,
        call=_call,
        gateway_request={"operation": "void", "reference": payment.gateway_reference},
    )


# The request is built apart so that batch jobs can run it for a chunk (`services.bulk`).
payment_void = money_service(void_request)
