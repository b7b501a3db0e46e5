"""Step 3 of a credit memo: its state from its refund rows, under the order lock.

A memo is pending while one of its refunds is open (unknown outcome, or the gateway said
pending), refunded when all of its total went back, failed when none did (its items are given
back so they can be refunded again), partially refunded when a spread stopped part way.

`credit_memo_settle` runs at the end of the memo's own flow; `credit_memo_follow_outcome` is
the money engine's outcome listener (registered in `OrdersConfig.ready`) for refunds resolved
later by reconciliation. Either way the email copy goes out after commit, once refunded.
"""

import logging
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum

from backoffice.money import format_money
from backoffice.tasks import enqueue_with_transaction
from orders.enums import CommentSource, CreditMemoState
from orders.history import comment_credit_memo
from orders.models import CreditMemo, CreditMemoItem, Order, OrderItem
from orders.refundable import COUNTED_MEMO_STATES, memo_refund_rows
from orders.services.credit_memo_outcome import NOT_REFUNDED, CreditMemoOutcome, StepOutcome
from orders.services.emails import email_credit_memo
from orders.services.order_documents import bump_version
from payments.locks import lock_order_and_payments
from payments.models import Transaction

logger = logging.getLogger(__name__)
S = CreditMemoState
EMAILED = " A copy was emailed to the customer."


def items_qty_refunded_refresh(order: Order) -> None:
    """Item counters from the items of the memos that stand (failed ones give theirs back)."""
    totals = dict(
        CreditMemoItem.objects.filter(
            credit_memo__order=order, credit_memo__state__in=COUNTED_MEMO_STATES
        )
        .values("order_item")
        .annotate(qty=Sum("qty"))
        .values_list("order_item", "qty")
    )
    for item in OrderItem.objects.filter(order=order):
        qty = totals.get(item.pk, 0)
        if item.qty_refunded != qty:
            OrderItem.objects.filter(pk=item.pk).update(qty_refunded=qty)


def memo_state_from_ledger(memo: CreditMemo, rows: Iterable[Transaction]) -> CreditMemoState:
    """pending while a refund is open; refunded when all of it went back; failed when none
    did; partially refunded in between (a spread stopped part way)."""
    refunds = memo_refund_rows(memo, rows)
    if any(r.is_open for r in refunds):
        return S.PENDING
    done = sum(r.amount for r in refunds if r.is_settled)
    if done >= memo.grand_total:
        return S.REFUNDED
    return S.FAILED if done == 0 else S.PARTIALLY_REFUNDED


def _apply_state(*, memo: CreditMemo, order: Order, state: str) -> bool:
    """Save the memo's new state and give back the items of a failed memo. True if changed."""
    if memo.state == state:
        return False
    memo.state = state
    memo.save(update_fields=["state"])
    items_qty_refunded_refresh(order)
    if state == S.REFUNDED and memo.email_copy:
        enqueue_with_transaction(email_credit_memo, memo.pk)
    return True


def credit_memo_settle(
    *,
    memo: CreditMemo,
    user: User | None,
    steps: list[StepOutcome],
    unplanned: int,
    unplanned_reason: str,
) -> CreditMemoOutcome:
    with transaction.atomic(durable=True):
        order, _payments = lock_order_and_payments(memo.order_id)
        memo = CreditMemo.objects.select_related("invoice").get(pk=memo.pk)
        memo.order = order
        state = memo_state_from_ledger(memo, Transaction.objects.filter(credit_memo=memo))
        _apply_state(memo=memo, order=order, state=state)
        outcome = CreditMemoOutcome(
            memo=memo, steps=steps, unplanned=unplanned, unplanned_reason=unplanned_reason
        )
        emailed = state == S.REFUNDED and memo.email_copy
        comment_credit_memo(
            order=order,
            credit_memo=memo,
            author=user,
            source=CommentSource.SYSTEM if user is None else CommentSource.UI,
            body=outcome.history() + (EMAILED if emailed else ""),
            is_customer_notified=emailed,
        )
        bump_version(order)
    return outcome


def credit_memo_follow_outcome(
    *, transaction: Transaction, order: Order, actor: User | None, via: str
) -> None:
    """The money engine's outcome listener: a refund of a memo resolved after the memo's own
    flow ended (reconciliation) settles the memo, under the same lock and transaction."""
    if not via or transaction.credit_memo_id is None:
        return  # the memo's own step 3 settles it
    memo = CreditMemo.objects.select_related("invoice").get(pk=transaction.credit_memo_id)
    if memo.state not in {S.PENDING, S.PARTIALLY_REFUNDED}:
        return
    memo.order = order
    state = memo_state_from_ledger(memo, Transaction.objects.filter(credit_memo=memo))
    if not _apply_state(memo=memo, order=order, state=state):
        return
    amount = format_money(memo.grand_total, order.currency)
    bodies = {
        S.REFUNDED: f"credit memo #{memo.number} is refunded ({amount}).",
        S.FAILED: f"credit memo #{memo.number} failed: its refund was not applied. {NOT_REFUNDED}",
        S.PARTIALLY_REFUNDED: f"credit memo #{memo.number} is only partially refunded: part of "
        f"its {amount} did not go back. Refund the rest with Refund Offline or a new memo.",
    }
    emailed = state == S.REFUNDED and memo.email_copy
    comment_credit_memo(
        order=order,
        credit_memo=memo,
        author=actor,
        source=CommentSource.GATEWAY,
        body=f"{via}: {bodies.get(state, f'credit memo #{memo.number} is {state}.')}"
        + (EMAILED if emailed else ""),
        is_customer_notified=emailed,
    )
