"""Move the order's state to where its money now stands (caller holds the order lock).

The state machine itself lives in `orders.services.state`; this module only decides, from the
ledger (`payments.ledger.order_money`), which move the money implies.
"""

from django.contrib.auth.models import User
from django.utils import timezone

from orders.enums import OrderState
from orders.models import Order
from orders.services.state import (
    can_change_state,
    order_change_state,
    order_enter_payment_review,
    order_leave_payment_review,
)
from payments.enums import TransactionStatus, TransactionType
from payments.ledger import OrderMoney, needs_review, order_money
from payments.models import Payment, Transaction
from payments.services import TRANSACTION_NOUNS

_REASONS = {
    OrderState.CLOSED: "Everything captured was paid back and no authorization is open.",
    OrderState.CANCELED: "Every authorization was voided and nothing was captured.",
    OrderState.PROCESSING: "The payment was authorized or received.",
}


_FROZEN = frozenset(
    {OrderState.HOLDED, OrderState.PAYMENT_REVIEW, OrderState.CLOSED, OrderState.CANCELED}
)


def order_state_for_money(state: str, money: OrderMoney) -> OrderState | None:
    """The state the order's money implies, or None to leave the state as it is.

    - closed: something was captured, all of it went back (refunds, chargebacks) and no
      authorization is open;
    - canceled: nothing captured and every authorization voided;
    - processing: a new or pending-payment order got an authorization or a payment.
    Held, in-review and final orders, and orders with money still reserved, are left alone.
    """
    if state in _FROZEN or money.reserved:
        return None
    if money.open_authorization == 0:
        if money.captured > 0 and money.captured - money.refunded - money.charged_back <= 0:
            return OrderState.CLOSED
        if money.captured == 0 and money.authorized > 0 and money.voided >= money.authorized:
            return OrderState.CANCELED
    new = state in {OrderState.NEW, OrderState.PENDING_PAYMENT}
    if new and (money.captured > 0 or money.open_authorization > 0):
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
    target = order_state_for_money(order.state, order_money(payments, now=timezone.now()))
    if target and can_change_state(order, target):
        order_change_state(order=order, to=target, actor=actor, reason=_REASONS[target], save=save)
