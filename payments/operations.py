"""The one registry of payment operations: what each needs and whether it is available now.

Buttons, their disabled reasons and each operation's POST guard all ask this module, and the
services ask it again under the order lock, so a button and its POST never disagree.

    from payments import operations as ops

    # One operation on one target (a Transaction, a Payment, or an Order for Mark as paid):
    a = ops.availability(ops.CAPTURE, user=request.user, target=transaction)
    a.allowed       # bool (also `if a:`)
    a.reason        # "Capture is not available: the authorization expired on 8 Nov 2026."
    a.why           # "the authorization expired on 8 Nov 2026" (the reason's own part)
    a.is_permission # True: only a permission is missing (→ 403), else → 409
    a.max_amount    # minor units the amount field may hold (None: no upper limit, Rebill)
    a.amount_editable  # False: the gateway only takes the full max_amount (no partial)
    a.error()       # the DomainError a POST guard raises

    # Everything a page shows for a target, in display order (one permission query per store):
    for op, a in ops.available_operations(user=request.user, target=transaction):
        ...  # op.code, op.label; render disabled with a.reason when not a.allowed

    ops.OPERATIONS["refund"]          # look an operation up by its code (URLs use the code)
    ops.TRANSACTION_OPERATIONS["PA"]  # (CAPTURE, VOID): Transaction Details, by type

`a` is the one `backoffice.availability.Availability` both registries answer with.

Rules, checked in this order; the first that fails gives the reason:
1. the store permission (`backoffice.models.OPERATION_PERMISSIONS`, read once per request by
   `backoffice.permissions.store_permissions`); `user=None` is the system (batch jobs) and is
   always allowed. First, so a POST without it is a 403 whatever the target's state;
2. the target's transaction type (pre-authorization → Capture, Reversal; capture → Refund,
   Chargeback; debit/rebill → Rebill, Refund, Chargeback; chargeback → Chargeback Reversal;
   refund → none) and its status (only successful transactions are acted on);
3. the order: on hold, in payment review, canceled or closed block every operation except
   recording chargebacks and their reversals, which are facts reported by the acquirer
   (`Order.money_block`: the one table of state reasons, `orders.enums.MONEY_BLOCKING_STATES`);
4. the payment: gateway able to work online, authorization not expired, gateway capability
   (multiple captures, partial capture/refund), and something left (amounts reserved by
   operations waiting for the gateway count as spent).

Targets should come with `payment__order__store` (or `order__store`) selected; the payment's
transactions are read once per payment (prefetch `transactions` for lists).
"""

from dataclasses import replace
from datetime import datetime

from django.contrib.auth.models import User
from django.utils import timezone

from backoffice.availability import (
    Availability,
    Reason,
    allowed,
    permission_missing,
    unavailable,
)
from backoffice.models import Store
from backoffice.permissions import ALL_CODENAMES, permission_reason, store_permissions
from payments.availability_rules import (
    CASH_IN,
    RULES,
    RuleContext,
    Target,
    Unavailable,
    capture_note,
    check_target,
    split_target,
)
from payments.availability_rules import Operation as Operation  # the registry's public type
from payments.enums import TransactionType
from payments.ledger import open_authorization
from payments.models import Payment, Transaction

T = TransactionType


CAPTURE = Operation(
    "capture", "Capture", "capture_online", frozenset({T.AUTHORIZATION}), online=True,
    wrong_type="only a pre-authorization can be captured",
)  # fmt: skip
CAPTURE_OFFLINE = Operation(
    "capture_offline", "Capture Offline", "capture_offline", frozenset({T.AUTHORIZATION}),
    online=False, wrong_type="only a pre-authorization can be captured",
)  # fmt: skip
VOID = Operation(
    "void", "Reversal", "void_payment", frozenset({T.AUTHORIZATION}), online=True,
    wrong_type="only a pre-authorization can be reversed",
)  # fmt: skip
# Records that an authorization lapsed or was released outside the gateway (expiry job).
VOID_OFFLINE = Operation(
    "void_offline", "Reversal Offline", "void_payment", frozenset({T.AUTHORIZATION}),
    online=False, wrong_type="only a pre-authorization can be reversed",
)  # fmt: skip
# The expiry job's attempt to release an authorization past its expiry date: some gateways still
# release the cardholder's hold, others answer that it expired. Offered to no one in the UI.
VOID_EXPIRED = Operation(
    "void_expired", "Reversal", "void_payment", frozenset({T.AUTHORIZATION}), online=True,
    wrong_type="only a pre-authorization can be reversed",
)  # fmt: skip
REFUND = Operation(
    "refund", "Refund", "refund_online", frozenset({T.CAPTURE, T.DEBIT, T.REBILL}), online=True,
    wrong_type="only a capture, debit or rebill can be refunded",
)  # fmt: skip
REFUND_OFFLINE = Operation(
    "refund_offline", "Refund Offline", "refund_offline", CASH_IN, online=False,
    wrong_type="only a capture, debit, rebill or manual payment can be refunded",
)  # fmt: skip
CHARGEBACK = Operation(
    "chargeback", "Chargeback", "record_chargeback", frozenset({T.CAPTURE, T.DEBIT, T.REBILL}),
    online=False, blocked_by_order_state=False,
    wrong_type="only a capture, debit or rebill can be charged back",
)  # fmt: skip
CHARGEBACK_REVERSAL = Operation(
    "chargeback_reversal", "Chargeback Reversal", "record_chargeback",
    frozenset({T.CHARGEBACK}), online=False, blocked_by_order_state=False,
    wrong_type="only a chargeback can be reversed",
)  # fmt: skip
REBILL = Operation(
    "rebill", "Rebill", "rebill_payment", frozenset({T.DEBIT, T.REBILL}), online=True,
    wrong_type="only a debit or rebill can be rebilled",
)  # fmt: skip
MARK_AS_PAID = Operation(
    "mark_as_paid", "Mark as paid", "mark_as_paid", frozenset(), online=False,
    wrong_type="it applies to an order, not to a transaction",
)  # fmt: skip

OPERATIONS: dict[str, Operation] = {
    op.code: op
    for op in [
        CAPTURE,
        CAPTURE_OFFLINE,
        VOID,
        VOID_OFFLINE,
        VOID_EXPIRED,
        REFUND,
        REFUND_OFFLINE,
        CHARGEBACK,
        CHARGEBACK_REVERSAL,
        REBILL,
        MARK_AS_PAID,
    ]
}

# Transaction Details: the operations each type offers (DESIGN.md's contract), in order.
TRANSACTION_OPERATIONS: dict[str, tuple[Operation, ...]] = {
    T.AUTHORIZATION: (CAPTURE, VOID),
    T.CAPTURE: (REFUND, CHARGEBACK),
    T.DEBIT: (REBILL, REFUND, CHARGEBACK),
    T.REBILL: (REBILL, REFUND, CHARGEBACK),
    T.CHARGEBACK: (CHARGEBACK_REVERSAL,),
    T.MANUAL: (REFUND_OFFLINE,),
    T.REFUND: (),
    T.REVERSAL: (),
    T.CHARGEBACK_REVERSAL: (),
}
# The order page's payment panel, in order.
PAYMENT_OPERATIONS: tuple[Operation, ...] = (
    CAPTURE,
    CAPTURE_OFFLINE,
    VOID,
    REFUND,
    REFUND_OFFLINE,
    CHARGEBACK,
)
ORDER_OPERATIONS: tuple[Operation, ...] = (MARK_AS_PAID,)


# -- permissions ---------------------------------------------------------------------------


def store_codenames(user: User | None, store: Store) -> frozenset[str]:
    """Operation codenames `user` holds on `store` (global ones apply to every store).

    Read through `backoffice.permissions.store_permissions`: one query per user object for
    every store, shared with the order registry and the store scoping of lists.
    """
    if user is None:  # the system: batch jobs, as in `availability`
        return ALL_CODENAMES
    return store_permissions(user).codenames(store)


def availability(
    operation: Operation | str,
    *,
    user: User | None,
    target: Target,
    now: datetime | None = None,
) -> Availability:
    """Whether `user` may run `operation` on `target` now, and if not, why (see module doc)."""
    op = OPERATIONS[operation] if isinstance(operation, str) else operation
    order, payment, txn = split_target(target)
    c = RuleContext(op, order, payment, txn, now or timezone.now())
    # Permission first: a user who may not run the operation gets the same answer (403) in
    # every state, and learns nothing about the target's state from the refusal.
    if user is not None and op.permission not in store_codenames(user, order.store):
        reason = permission_reason(op.permission, store=order.store)
        return permission_missing(op.code, op.label, reason)
    try:
        check_target(c)
        block = order.money_block() if op.blocked_by_order_state else None
        if block is not None:
            return unavailable(op.code, op.label, block)
        max_amount, editable = RULES[op.code](c)
    except Unavailable as no:
        return unavailable(op.code, op.label, Reason(no.why))
    answer = allowed(
        op.code, op.label, max_amount=max_amount, amount_editable=editable, currency=order.currency
    )
    if op.code == "capture" and payment is not None:
        return replace(answer, note=capture_note(payment))
    return answer


def available_operations(
    *, user: User | None, target: Target, now: datetime | None = None
) -> list[tuple[Operation, Availability]]:
    """The operations a page offers for `target`, each with its availability, in order."""
    if isinstance(target, Transaction):
        operations = TRANSACTION_OPERATIONS.get(target.type, ())
    elif isinstance(target, Payment):
        operations = PAYMENT_OPERATIONS
    else:
        operations = ORDER_OPERATIONS
    moment = now or timezone.now()
    return [(op, availability(op, user=user, target=target, now=moment)) for op in operations]


def capturable_now(payment: Payment, *, now: datetime | None = None) -> int:
    """Open authorization on one payment (0 once expired): for capture planning."""
    return open_authorization(payment, now=now or timezone.now())
