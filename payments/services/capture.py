"""Capture an authorization: online through the gateway, or offline (money taken elsewhere)."""

from django.contrib.auth.models import User

from orders.models import Invoice
from payments import operations as ops
from payments.enums import TransactionSource, TransactionType
from payments.gateways import Gateway, GatewayResult
from payments.models import Payment, Transaction
from payments.services._checks import invoice_payment_cap
from payments.services._flow import MoneyRequest, money_service


def _call(gateway: Gateway, txn: Transaction) -> GatewayResult:
    return gateway.capture(
        reference=txn.payment.gateway_reference,
        amount=txn.amount,
        currency=txn.currency,
        idempotency_key=txn.idempotency_key,
    )


def capture_request(
    *,
    payment: Payment,
    amount: int,
    online: bool,
    actor: User | None,
    idempotency_key: str,
    invoice: Invoice | None = None,
    parent: Transaction | None = None,
    merchant_reference: str = "",
    usage: str = "",
    memo: str = "",
    source: str = TransactionSource.UI,
) -> MoneyRequest:
    """Capture `amount` (≤ what is left of the authorization) of `payment`.

    `parent`: the pre-authorization (Transaction Details); `invoice`: the invoice this pays,
    whose total caps the amount.
    """
    return MoneyRequest(
        type=TransactionType.CAPTURE,
        operation=ops.CAPTURE if online else ops.CAPTURE_OFFLINE,
        order_id=payment.order_id,
        payment_id=payment.pk,
        amount=amount,
        online=online,
        actor=actor,
        idempotency_key=idempotency_key,
        parent=parent,
        invoice=invoice,
        merchant_reference=merchant_reference,
        usage=usage,
        memo=memo,
        source=source,
        check=invoice_payment_cap(invoice),
        call=_call,
        gateway_request={"operation": "capture", "reference": payment.gateway_reference},
    )


# The request is built apart so that batch jobs can run it for a chunk (`services.bulk`).
payment_capture = money_service(capture_request)
