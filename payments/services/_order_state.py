"""Move the order's state to where its money now stands (caller holds the order lock).

The state machine itself lives in `orders.services.state`; this module only decides, from the
ledger, which move the money implies.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from orders.enums import OrderState
from orders.models import Order
from orders.services.state import (
    can_change_state,
    order_change_state,
    order_enter_payment_review,
    order_leave_payment_review,
)
from payments.enums import TransactionStatus
from payments.ledger import order_money, order_state_for_money
from payments.models import Payment, Transaction
from payments.services._messages import NOUNS

_REASONS = {
    OrderState.CLOSED: "Everything captured was paid back and no authorization is open.",
    OrderState.CANCELED: "Every authorization was voided and nothing was captured.",
    OrderState.PROCESSING: "The payment was authorized or received.",
}


def needs_review(txn: Transaction) -> bool:
    """Unknown outcome, or the gateway answered "pending": a person or reconcile must look.

    A pending row without an answer is an operation still talking to the gateway, not a
    reason for review.
    """
    if txn.status == TransactionStatus.UNKNOWN:
        return True
    answered = (txn.gateway_response or {}).get("status") == TransactionStatus.PENDING
    return txn.status == TransactionStatus.PENDING and answered


def order_state_sync(
    *,
    order: Order,
    payments: list[Payment],
    actor: AbstractBaseUser | None,
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
        what = ", ".join(sorted({NOUNS[t.type].lower() for t in unresolved}))
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
