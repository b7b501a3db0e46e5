"""Move the order's state to where its money now stands (caller holds the order lock).

The state machine itself lives in `orders.services.state`; this module only decides, from the
order's money figures (`payments.figures`, as every page shows them), which move the money
implies.
"""

from django.contrib.auth.models import User
from django.utils import timezone

from orders.enums import InvoiceState, OrderState
from orders.models import Order
from orders.services.state import (
    can_change_state,
    order_change_state,
    order_enter_payment_review,
    order_leave_payment_review,
)
from payments.enums import TransactionStatus, TransactionType
from payments.figures import OrderFigures, figures_of
from payments.ledger import needs_review
from payments.models import Payment, Transaction
from payments.services import TRANSACTION_NOUNS

_REASONS = {
    OrderState.CLOSED: "Everything captured was paid back and no authorization is open.",
    OrderState.PENDING_PAYMENT: "Every authorization was released and nothing was captured: "
    "the order awaits payment.",
    OrderState.PROCESSING: "The payment was authorized or received.",
}


_FROZEN = frozenset(
    {OrderState.HOLDED, OrderState.PAYMENT_REVIEW, OrderState.CLOSED, OrderState.CANCELED}
)


def order_state_for_money(state: str, money: OrderFigures) -> OrderState | None:
    """The state the order's money implies, or None to leave the state as it is.

    - closed: something was captured, all of it went back (refunds, chargebacks) and no
      authorization is open;
    - pending payment: nothing captured and every authorization released (a void or an
      expiry): the order still owes its total. Only Cancel cancels an order (the expiry job
      cancels the orders it leaves with nothing, `orders/batch/expiry_plan.py`);
    - processing: a new or pending-payment order got an authorization or a payment.
    Held, in-review and final orders, and orders with money still reserved, are left alone.
    """
    if state in _FROZEN or money.reserved:
        return None
    paid = money.total_paid
    if money.open_to_capture == 0:
        if paid > 0 and paid - money.total_refunded - money.total_charged_back <= 0:
            return OrderState.CLOSED
        released = money.authorized > 0 and money.voided >= money.authorized
        if paid == 0 and released and state == OrderState.PROCESSING:
            return OrderState.PENDING_PAYMENT
    new = state in {OrderState.NEW, OrderState.PENDING_PAYMENT}
    if new and (paid > 0 or money.open_to_capture > 0):
        return OrderState.PROCESSING
    return None


def order_state_sync(
    *,
    order: Order,
    payments: list[Payment],
    actor: User | None,
    open_rows: list[Transaction] | None = None,
    save: bool = True,
) -> None:
    """`open_rows`: the order's pending and unknown rows when the caller has them (read here
    otherwise). `save=False`: the caller saves the order's state and version (a batch job's
    chunk); entering or leaving payment review, rare there, still saves at once."""
    if open_rows is None:
        open_rows = list(
            Transaction.objects.filter(
                order=order, status__in=[TransactionStatus.PENDING, TransactionStatus.UNKNOWN]
            ).only("type", "status", "gateway_response", "amount")
        )
    unresolved = [t for t in open_rows if needs_review(t)]
    if unresolved:
        what = ", ".join(
            sorted({TRANSACTION_NOUNS[TransactionType(t.type)].lower() for t in unresolved})
        )
        order_enter_payment_review(
            order=order, actor=actor, reason=f"The outcome of a {what} is not known yet."
        )
        return
    order_leave_payment_review(
        order=order, actor=actor, reason="Every payment outcome is known again."
    )
    # The state reads no credit-memo figure: `credited` is not fetched under the lock.
    figures = figures_of(order, now=timezone.now(), payments=payments, credited=0)
    target = order_state_for_money(order.state, figures)
    if target == OrderState.PENDING_PAYMENT and not _awaits_payment(order):
        target = None  # nothing left to pay for (the expiry job canceled it): it cancels
    if target and can_change_state(order, target):
        order_change_state(order=order, to=target, actor=actor, reason=_REASONS[target], save=save)


def _awaits_payment(order: Order) -> bool:
    """Units still to invoice or an open invoice: the order still expects money. Reads the
    prefetched items and invoices when the caller has them (a batch chunk changes them in
    memory before it saves them)."""
    items = list(order.items.all())
    if not items or any(item.qty_to_invoice > 0 for item in items):
        return True  # an order without item lines owes its grand total
    return any(invoice.state == InvoiceState.OPEN for invoice in order.invoices.all())
