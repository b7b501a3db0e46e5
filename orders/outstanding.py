"""What the order page offers for its Outstanding amount (`payments.figures`, one definition).

Positive (to collect): Authorize the difference on the payment method on file, Mark as paid
(and the payment links' Copy payment link); negative (to refund): Refund the difference,
Transaction Details' Refund of a capture pre-filled with it. Reads the order's prefetched
payments and transactions; never writes.
"""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.urls import reverse

from backoffice.availability import Availability, Reason, unavailable
from orders.models import Order
from payments import operations as ops
from payments.availability_rules import NO_SAVED_CARD, has_saved_card
from payments.enums import CASH_IN_TYPES, TransactionStatus
from payments.gateways import GATEWAYS
from payments.models import Payment
from payments.services.manual import MANUAL_GATEWAY

_OTHER_WAYS = "Use Mark as paid or a payment link."


def payment_on_file(order: Order) -> Payment | None:
    """The newest payment made through a gateway (not Mark as paid): its card is on file."""
    online = [p for p in order.payments.all() if p.gateway != MANUAL_GATEWAY]
    return max(online, key=lambda p: p.pk) if online else None


def off_session_refusal(order: Order) -> Reason | None:
    """Why a new authorization can't be taken on the payment method on file (None: it can)."""
    payment = payment_on_file(order)
    if payment is None:
        return Reason("there is no payment method on file", _OTHER_WAYS)
    if payment.gateway_account_id is None:
        return Reason(f"the {payment.gateway} payment on file has no gateway account", _OTHER_WAYS)
    adapter = GATEWAYS.get(payment.gateway)
    if adapter is None or not adapter.can_authorize_on_file or not payment.gateway_reference:
        return Reason(
            f"the {payment.gateway} gateway can't charge the customer's saved payment method "
            "without them",
            _OTHER_WAYS,
        )
    rows = [t for t in order.transactions.all() if t.payment_id == payment.pk]
    if not has_saved_card(rows):
        return Reason(NO_SAVED_CARD, _OTHER_WAYS)
    return None


@dataclass(frozen=True)
class RefundDifference:
    """Where Refund the difference goes: Transaction Details' Refund (or Refund Offline) of the
    capture that can give back most of it, pre-filled with what that capture can take.

    Not a credit memo: the edit already lowered the order's total, and a memo would lower what
    the customer owes a second time (`payments.figures`: only a refund outside any memo leaves
    the Outstanding settled)."""

    availability: Availability
    url: str = ""
    amount: int = 0


_REFUND_DOORS = (
    (ops.REFUND, "payments:transaction_refund"),
    (ops.REFUND_OFFLINE, "payments:transaction_refund_offline"),
)


def refund_difference(*, user: User, order: Order, amount: int) -> RefundDifference:
    """The best capture to refund `amount` (the negative Outstanding) from, online first."""
    paid_in = [
        t
        for t in order.transactions.all()
        if t.type in CASH_IN_TYPES and t.status == TransactionStatus.SUCCESS
    ]
    first_no: Availability | None = None
    for operation, url_name in _REFUND_DOORS:
        for txn in paid_in:
            answer = ops.availability(operation, user=user, target=txn)
            if answer and answer.max_amount:
                take = min(amount, answer.max_amount)
                url = reverse(url_name, args=[txn.uuid]) + f"?amount={take}"
                return RefundDifference(_as_difference(answer), url, take)
            first_no = first_no or answer
    if first_no is None:
        return RefundDifference(
            unavailable(REFUND_DIFFERENCE, "Refund the difference", Reason("nothing was paid"))
        )
    return RefundDifference(_as_difference(first_no))


REFUND_DIFFERENCE = "refund_difference"


def _as_difference(answer: Availability) -> Availability:
    return answer.as_operation(REFUND_DIFFERENCE, "Refund the difference")
