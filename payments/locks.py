"""Locked querysets for money writes. Call inside `transaction.atomic()`."""

from django.db.models import Prefetch, prefetch_related_objects

from orders.models import Order
from payments.models import Payment, Transaction


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


def lock_orders_and_payments(order_ids: list[int], *, related: tuple[str, ...] = ()) -> list[Order]:
    """A chunk of orders for a batch job: each locked as above, orders first (pk order), then
    every payment of the chunk (pk order), in two statements.

    Each order comes with its `payments` (with `gateway_account`; `payment.order` set) and
    their `transactions` loaded; `related` names more of the order's relations to load
    ("items", "invoices"). Other writers lock an order before its payments too: no deadlock.
    """
    orders = list(
        Order.objects.select_for_update(of=("self",)).filter(pk__in=order_ids).order_by("pk")
    )
    locked_payments = Payment.objects.select_for_update(of=("self",)).order_by("pk")
    # The store and the gateway account are prefetched, not joined: a chunk shares a handful of
    # them, loaded once. The JSON of the requests sent is left unread: nothing here needs it.
    ledger = Transaction.objects.defer("gateway_request")
    prefetch_related_objects(
        orders,
        "store",
        Prefetch("payments", queryset=locked_payments),
        "payments__gateway_account",
        Prefetch("payments__transactions", queryset=ledger),
        *related,
    )
    return orders
