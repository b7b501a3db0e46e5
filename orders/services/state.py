"""The one service that changes an order's state, and writes the status comment saying so.

States are Magento's. `TRANSITIONS` is the whole table: a move not listed raises
`StateTransitionError`. Order state and payment status are separate axes: money services decide
*which* state the money implies (see `orders.services.money_state`) and call this module.

Two suspensions remember where to return:
- Hold: `state_before_hold` (Unhold returns there);
- Payment review (a gateway outcome is unknown): `state_before_review`. If review starts while
  the order is on hold, the order stays on hold and Unhold returns into review instead.

`order_change_state`, `order_enter_payment_review` and `order_leave_payment_review` expect the
caller to hold the order row lock; `order_hold` and `order_unhold` take it themselves.
"""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from backoffice.bulk import bulk_set
from backoffice.errors import DomainError, ErrorCode
from orders.enums import CommentSource, OrderState
from orders.history import comment_status
from orders.models import Order

S = OrderState

TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset(
        {S.PENDING_PAYMENT, S.PROCESSING, S.COMPLETE, S.CLOSED, S.CANCELED, S.HOLDED}
        | {S.PAYMENT_REVIEW}
    ),
    S.PENDING_PAYMENT: frozenset(
        {S.NEW, S.PROCESSING, S.COMPLETE, S.CLOSED, S.CANCELED, S.HOLDED, S.PAYMENT_REVIEW}
    ),
    # Back to pending payment: every authorization was released and nothing was captured.
    S.PROCESSING: frozenset(
        {S.PENDING_PAYMENT, S.COMPLETE, S.CLOSED, S.CANCELED, S.HOLDED, S.PAYMENT_REVIEW}
    ),
    S.COMPLETE: frozenset({S.CLOSED, S.PROCESSING, S.PAYMENT_REVIEW}),
    S.HOLDED: frozenset({S.NEW, S.PENDING_PAYMENT, S.PROCESSING, S.PAYMENT_REVIEW}),
    S.PAYMENT_REVIEW: frozenset(
        {S.NEW, S.PENDING_PAYMENT, S.PROCESSING, S.COMPLETE, S.CLOSED, S.CANCELED}
    ),
    # Final: nothing leaves them.
    S.CLOSED: frozenset(),
    S.CANCELED: frozenset(),
}

HOLDABLE = frozenset({S.NEW, S.PENDING_PAYMENT, S.PROCESSING})


class StateTransitionError(DomainError):
    """A state change the table does not allow; the message is written for staff."""

    default_code = ErrorCode.NOT_AVAILABLE

    def __init__(self, message: str) -> None:
        super().__init__(ErrorCode.NOT_AVAILABLE, message)


def can_change_state(order: Order, to: str) -> bool:
    return to in TRANSITIONS.get(order.state, frozenset())


def _label(state: str) -> str:
    return S(state).label if state in S.values else state


def order_change_state(
    *,
    order: Order,
    to: str,
    actor: User | None = None,
    reason: str = "",
    source: str = CommentSource.SYSTEM,
    save: bool = True,
) -> bool:
    """Move the order to `to` and write a status comment. False if it is already there.

    `save=False`: the caller saves the order (a batch job writes a chunk of orders at once).
    """
    if order.state == to:
        return False
    if not can_change_state(order, to):
        raise StateTransitionError(
            f"The order can't go from {_label(order.state)} to {_label(to)}."
        )
    before = order.state
    order.state = to
    if save:
        _save(order, "state")
    else:
        order.version += 1
    body = f"Order state changed from {_label(before)} to {_label(to)}."
    if reason:
        body = f"{body} {reason}"
    comment_status(order=order, body=body, author=actor, source=source)
    return True


def _save(order: Order, *fields: str) -> None:
    order.version += 1
    order.save(update_fields=[*fields, "version", "updated_at"])


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update(of=("self",)).select_related("store").get(pk=order.pk)


def order_hold(*, order: Order, actor: User | None, reason: str = "") -> Order:
    """Put the order on hold (Magento's Hold): money operations stop until Unhold."""
    with transaction.atomic():
        # The row lock makes two staff members' Hold/Unhold (and money writers) take turns.
        locked = _locked(order)
        if locked.state not in HOLDABLE:
            raise StateTransitionError(f"An order that is {_label(locked.state)} can't be held.")
        locked.state_before_hold = locked.state
        _change_state_with(locked, S.HOLDED, actor, reason, "state_before_hold")
    return locked


def order_unhold(*, order: Order, actor: User | None, reason: str = "") -> Order:
    """Return a held order to the state it had before Hold."""
    with transaction.atomic():
        locked = _locked(order)
        if locked.state != S.HOLDED:
            raise StateTransitionError("The order is not on hold.")
        target = locked.state_before_hold or S.PROCESSING
        if target == S.PAYMENT_REVIEW:
            # Review started during the hold; it resumes with the state it will return to.
            locked.state_before_review = locked.state_before_review or S.PROCESSING
        locked.state_before_hold = ""
        _change_state_with(
            locked, target, actor, reason, "state_before_hold", "state_before_review"
        )
    return locked


def _change_state_with(
    order: Order, to: str, actor: User | None, reason: str, *fields: str
) -> None:
    """A staff member's state change saved with `fields` in one UPDATE of the locked row."""
    order_change_state(
        order=order, to=to, actor=actor, reason=reason, source=CommentSource.UI, save=False
    )
    order.save(update_fields=["state", *fields, "version", "updated_at"])


def order_enter_payment_review(*, order: Order, reason: str, actor: User | None = None) -> bool:
    """Put the order in payment review (caller holds the lock). False if already there."""
    if order.state == S.PAYMENT_REVIEW:
        return False
    if order.state == S.HOLDED:
        if order.state_before_hold == S.PAYMENT_REVIEW:
            return False
        order.state_before_review = order.state_before_hold
        order.state_before_hold = S.PAYMENT_REVIEW
        _save(order, "state_before_hold", "state_before_review")
        comment_status(order=order, author=actor, body=f"Payment review started. {reason}")
        return True
    if not can_change_state(order, S.PAYMENT_REVIEW):
        # A final order keeps its state; the comment still tells staff what is unresolved.
        comment_status(order=order, author=actor, body=f"Payment needs review. {reason}")
        return False
    order.state_before_review = order.state
    _save(order, "state_before_review")
    return order_change_state(order=order, to=S.PAYMENT_REVIEW, actor=actor, reason=reason)


def order_leave_payment_review(*, order: Order, reason: str, actor: User | None = None) -> bool:
    """End the payment review (caller holds the lock): back to the remembered state."""
    if order.state == S.HOLDED and order.state_before_hold == S.PAYMENT_REVIEW:
        order.state_before_hold = order.state_before_review or S.PROCESSING
        order.state_before_review = ""
        _save(order, "state_before_hold", "state_before_review")
        comment_status(order=order, author=actor, body=f"Payment review ended. {reason}")
        return True
    if order.state != S.PAYMENT_REVIEW:
        return False
    target = order.state_before_review or S.PROCESSING
    order.state_before_review = ""
    _save(order, "state_before_review")
    return order_change_state(order=order, to=target, actor=actor, reason=reason)


# What a batch job's chunk changes on its orders, saved once for all of them.
CHUNK_ORDER_FIELDS = [
    "state",
    "state_before_hold",
    "state_before_review",
    "payment_status",
    "version",
    "updated_at",
]


def orders_save_chunk(orders: list[Order]) -> None:
    """The state, payment status and version a chunk gave each order, in one statement."""
    now = timezone.now()
    for order in orders:
        order.updated_at = now
    bulk_set(orders, CHUNK_ORDER_FIELDS)
