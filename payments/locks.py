"""Locked querysets for money writes. Call inside `transaction.atomic()`."""

from orders.models import Order
from payments.models import Payment


def lock_order_and_payments(order_id: int) -> tuple[Order, list[Payment]]:
    """Lock the order row, then its payments in pk order, and return them.

    Every money writer takes the locks in this one order (order first, then payments by pk),
    so two writers never wait on each other crosswise and can't deadlock; holding the order
    row also serialises writers that create a new payment on the order (Mark as paid,
    authorize), which no payment lock could.
    """
    order = Order.objects.select_for_update(of=("self",)).select_related("store").get(pk=order_id)
    payments = list(
        Payment.objects.select_for_update(of=("self",))
        .select_related("gateway_account")
        .filter(order_id=order_id)
        .order_by("pk")
    )
    for payment in payments:
        payment.order = order
    return order, payments
