"""Replay a demo order's history on the sandbox PSP, so that it agrees with our ledger."""

from django.utils import timezone

from orders.models import Order
from payments.enums import PaymentAction, TransactionStatus, TransactionType
from payments.gateways import Gateway, GatewayStatus, UnknownGateway, gateway_for_payment
from payments.gateways.sandbox import SandboxGateway
from payments.models import SandboxOperation, Transaction

T = TransactionType


class DemoReplayError(Exception):
    """The sandbox refused part of a demo history: a bug in the demo data."""


def demo_gateway_replay(*, order: Order) -> None:
    """Bring the sandbox PSP in line with a demo order's history. Call after the commit.

    Registers each checkout payment, then sends the story's successful captures, voids and
    refunds under their own idempotency keys, so staff can go on capturing and refunding
    demo orders online. A capture whose outcome is unknown is not sent: the PSP never got
    it, which is what reconcile_payments will find out.
    """
    replayed = [T.CAPTURE, T.REVERSAL, T.REFUND, T.CHARGEBACK]
    for payment in order.payments.select_related("gateway_account").order_by("pk"):
        try:
            adapter = gateway_for_payment(payment)
        except UnknownGateway:
            continue
        operations = list(
            payment.transactions.filter(
                status=TransactionStatus.SUCCESS, type__in=replayed
            ).order_by("created_at", "pk")
        )
        expires_at = payment.expires_at
        if operations and expires_at and expires_at <= timezone.now():
            # These captures and voids happened while the authorization was valid; the
            # sandbox checks expiry against today. Nothing stays capturable after them.
            expires_at = None
        adapter.register_checkout_payment(
            reference=payment.gateway_reference,
            amount=payment.amount_requested,
            currency=payment.currency,
            captured=payment.payment_action == PaymentAction.AUTHORIZE_CAPTURE,
            expires_at=expires_at,
        )
        send = {T.CAPTURE: adapter.capture, T.REVERSAL: adapter.void, T.REFUND: adapter.refund}
        for txn in operations:
            if txn.type == T.CHARGEBACK:
                # The acquirer's doing, on the PSP's side: so that the ledger and the sandbox
                # agree (`reconcile_payments --against-gateway`).
                _chargeback_at_sandbox(adapter, payment.gateway_reference, txn)
                continue
            result = send[T(txn.type)](
                reference=payment.gateway_reference,
                amount=txn.amount,
                currency=txn.currency,
                idempotency_key=txn.idempotency_key,
            )
            if result.status != GatewayStatus.SUCCESS:
                raise DemoReplayError(
                    f"Order {order.number}: the sandbox answered {result.status} to "
                    f"{txn.get_type_display()} {txn.amount}: {result.message}"
                )


def _chargeback_at_sandbox(adapter: Gateway, reference: str, txn: Transaction) -> None:
    if not isinstance(adapter, SandboxGateway):
        return  # a real PSP knows its chargebacks
    op = adapter.apply_on_own_side(
        kind=SandboxOperation.Kind.CHARGEBACK,
        reference=reference,
        amount=txn.amount,
        currency=txn.currency,
    )
    if op.status != SandboxOperation.Status.SUCCESS:
        raise DemoReplayError(f"The sandbox refused the chargeback {txn.amount}: {op.message}")
