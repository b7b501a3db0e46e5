"""A credit memo's refunds (steps 2 and 3), and what four-eyes does with a memo awaiting
approval. (Step 1, the memo itself: orders.services.credit_memo_create.)

2. `credit_memo_refund`: the money engine's refund (`payment_refund`, DESIGN.md's skeleton),
   one per capture the refund is spread over (oldest first), keyed "<memo key>:<capture pk>";
   stop at the first that does not succeed. Run outside any transaction;
3. under the lock again (`orders.services.credit_memo_settle`): the memo's state from its
   refund rows, item counters, history, and the email copy after commit.

A memo awaiting approval is refunded the same way once approved (same keys), or canceled with
`credit_memo_cancel_unapproved` when it is not; `orders.approvals` runs both.

A refund whose outcome is unknown leaves the memo pending; when reconciliation resolves it,
`credit_memo_settle.credit_memo_follow_outcome` (registered with the money engine in
`OrdersConfig.ready`) settles the memo in the same transaction as the outcome.
"""

from django.contrib.auth.models import User

from backoffice.errors import DomainError
from orders.enums import CommentSource, CreditMemoState, RefundMode
from orders.history import comment_credit_memo
from orders.models import CreditMemo, Invoice, Order
from orders.refundable import (
    RefundPlan,
    RefundStep,
    attach_payments,
    memo_refund_rows,
    plan_refund,
    refundable_captures,
)
from orders.services.credit_memo_outcome import (
    NOT_REFUNDED,
    SHORT_PLAN,
    CreditMemoOutcome,
    StepOutcome,
)
from orders.services.credit_memo_settle import credit_memo_settle, items_qty_refunded_refresh
from orders.services.order_documents import bump_version
from payments.enums import TransactionStatus
from payments.models import Payment, ReasonCode, Transaction
from payments.services import payment_refund

S = CreditMemoState


def credit_memo_refund_plan(*, memo: CreditMemo, user: User | None, order: Order) -> RefundPlan:
    """What is still to send for the memo, spread over its captures (oldest first); under the
    caller's order lock when it decides on it (a new memo's history, approval re-checks)."""
    payments = list(
        Payment.objects.filter(order=order)
        .select_related("gateway_account")
        .prefetch_related("transactions")
    )
    rows = attach_payments(Transaction.objects.filter(order=order), payments, order)
    sent = sum(
        r.amount for r in memo_refund_rows(memo, rows) if r.status != TransactionStatus.FAILED
    )
    return plan_refund(
        captures=refundable_captures(rows, invoice=memo.invoice),
        amount=memo.grand_total - sent,
        online=memo.mode == RefundMode.ONLINE,
        user=user,
        currency=order.currency,
    )


def credit_memo_cancel_unapproved(
    *, memo: CreditMemo, order: Order, user: User | None, why: str
) -> None:
    """Under the order lock: a memo whose refund was not approved gives its items back."""
    memo.state = S.CANCELED
    memo.save(update_fields=["state"])
    items_qty_refunded_refresh(order)
    bump_version(order)
    comment_credit_memo(
        order=order,
        credit_memo=memo,
        author=user,
        source=CommentSource.SYSTEM if user is None else CommentSource.UI,
        body=f"Credit memo #{memo.number} is canceled: {why}. {NOT_REFUNDED}",
    )


def _transaction_memo(memo: CreditMemo) -> str:
    """The refund's internal note: the memo, and for an amount-only memo (goodwill) why."""
    if memo.comment and memo.subtotal == 0 and memo.shipping_amount == 0:
        return f"Credit memo #{memo.number}: {memo.comment}"
    return f"Credit memo #{memo.number}"


def _step_key(memo: CreditMemo, capture: Transaction) -> str:
    return f"{memo.idempotency_key or f'memo-{memo.pk}'}:{capture.pk}"


def _refund_step(
    *,
    memo: CreditMemo,
    step: RefundStep,
    user: User | None,
    invoices: dict[int, Invoice],
    reason: ReasonCode | None,
) -> StepOutcome:
    capture = step.capture
    try:
        result = payment_refund(
            payment=step.payment,
            amount=step.amount,
            online=memo.mode == RefundMode.ONLINE,
            actor=user,
            idempotency_key=_step_key(memo, capture),
            # A capture made without an invoice and linked to the memo's invoice refunds for it.
            invoice=invoices.get(capture.invoice_id or memo.invoice_id or 0),
            credit_memo=memo,
            parent=capture,
            memo=_transaction_memo(memo),
            reason=reason,
        )
    except DomainError as exc:
        # Refused before anything was written (the capture or a permission changed since the
        # memo was created): reported as this step's failure, the memo settles without it.
        return StepOutcome(step=step, refusal=exc.message)
    return StepOutcome(step=step, transaction=result.transaction)


def credit_memo_refund(
    *, memo: CreditMemo, user: User | None, reason: ReasonCode | None = None
) -> CreditMemoOutcome:
    """Steps 2 and 3 for a pending memo: send its refunds, then settle it from the ledger.

    `reason`: the reason code chosen for the memo, recorded on each of its refund rows.

    Call it outside any transaction (the gateway is called); step 3 locks the order.
    """
    order = Order.objects.select_related("store").get(pk=memo.order_id)
    memo.order = order
    plan = credit_memo_refund_plan(memo=memo, user=user, order=order)
    invoices = {inv.pk: inv for inv in order.invoices.all()}
    steps: list[StepOutcome] = []
    for step in plan.steps:
        if steps and not steps[-1].succeeded:
            break  # what went back stays refunded; the rest is reported, never guessed
        steps.append(
            _refund_step(memo=memo, step=step, user=user, invoices=invoices, reason=reason)
        )
    stopped = bool(steps) and not steps[-1].succeeded
    unplanned = 0 if stopped else plan.shortfall
    why = ""
    if unplanned:
        why = plan.refused[0].reason.rstrip(".") if plan.refused else SHORT_PLAN
    return credit_memo_settle(
        memo=memo, user=user, steps=steps, unplanned=unplanned, unplanned_reason=why
    )
