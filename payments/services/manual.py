"""Mark as paid: money received outside any gateway, recorded in one atomic step."""

from django.contrib.auth.models import User

from orders.models import Invoice, Order
from payments import operations as ops
from payments.enums import PaymentAction, TransactionSource, TransactionType
from payments.hooks import ApprovalGate
from payments.models import Payment
from payments.services._checks import invoice_payment_cap
from payments.services._flow import MoneyRequest, money_service

MANUAL_GATEWAY = "manual"


def mark_as_paid_request(
    *,
    order: Order,
    amount: int,
    merchant_reference: str,
    memo: str,
    actor: User | None,
    idempotency_key: str,
    invoice: Invoice | None = None,
    source: str = TransactionSource.UI,
    approval: ApprovalGate | None = None,
) -> MoneyRequest:
    """A manual payment of `amount` (≤ the outstanding amount) on a new payment.

    Also Capture Offline for an invoice of an order without an open authorization: pass the
    `invoice`, whose remaining total caps the amount. `approval`: the four-eyes gate, see
    `MoneyRequest.approval`.
    """

    def new_payment(locked: Order) -> Payment:
        return Payment.objects.create(
            order=locked,
            gateway=MANUAL_GATEWAY,
            payment_action=PaymentAction.AUTHORIZE_CAPTURE,
            method_title="Manual payment (Mark as paid)",
            currency=locked.currency,
            amount_requested=amount,
        )

    return MoneyRequest(
        type=TransactionType.MANUAL,
        operation=ops.MARK_AS_PAID,
        order_id=order.pk,
        amount=amount,
        online=False,
        actor=actor,
        idempotency_key=idempotency_key,
        invoice=invoice,
        merchant_reference=merchant_reference,
        memo=memo,
        source=source,
        new_payment=new_payment,
        check=invoice_payment_cap(invoice),
        approval=approval,
    )


# Built apart so that Capture Offline can record it inside its own locked step.
order_mark_as_paid = money_service(mark_as_paid_request)
