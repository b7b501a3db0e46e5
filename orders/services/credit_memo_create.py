"""New credit memos: refund an invoice's items (online over its captures, or offline), an
order's items offline, or a goodwill amount.

`credit_memo_create` is the one entry point that gives money back (`goodwill_refund` builds its
request and calls it). Its steps, each its own durable transaction or gateway call:
1. here, under the order lock: the stale-form check, the operations registry, quantities and
   amounts against what is left and the refund limit (captured − refunded − pending, pending
   memos included, so two memos can't spend the same money; Adjustment Fees kept are never
   refundable again, and what earlier Adjustment Refunds gave back is not proposed twice: see
   `orders.credit_memo_totals`, `orders.services.credit_memo_checks`); write the memo as
   pending (it reserves its total),
   its items and the item counters; history; commit;
2. `credit_memos.credit_memo_refund`: the money engine's refunds, spread over the captures;
3. under the lock again (`credit_memo_settle`): the memo's state from its refund rows.

Four-eyes (`approval_rule`, whoever asks): a memo that needs approval stops after step 1
(state awaiting approval) and is refunded later, when approved, by `credit_memo_refund` with
the same keys.
"""

from collections.abc import Iterable, Mapping

from django.contrib.auth.models import User
from django.db import transaction

from backoffice.money import format_money
from orders.credit_memo_totals import MemoSource, MemoTotals
from orders.enums import CreditMemoState
from orders.history import comment_credit_memo
from orders.models import ApprovalKind, CreditMemo, CreditMemoItem, Invoice, Order
from orders.refundable import RefundPlan
from orders.services.approval_requests import credit_memo_approval_add
from orders.services.approval_rule import ApprovalNeed, approval_needed
from orders.services.credit_memo_checks import (
    check_refund_mode,
    ensure_memo_available,
    memo_source_under_lock,
    memo_totals_checked,
)
from orders.services.credit_memo_outcome import CreditMemoOutcome
from orders.services.credit_memo_settle import items_qty_refunded_refresh
from orders.services.credit_memos import credit_memo_refund, credit_memo_refund_plan
from orders.services.order_documents import bump_version, check_version
from payments.enums import TransactionType
from payments.locks import lock_order_and_payments
from payments.models import ReasonCode
from payments.reason_codes import reason_refusal

S = CreditMemoState


def credit_memo_create(
    *,
    order: Order,
    user: User,
    invoice: Invoice | None,
    mode: str,
    expected_version: int,
    idempotency_key: str,
    quantities: Mapping[int, int] | None = None,
    back_to_stock: Iterable[int] = (),
    shipping_amount: int = 0,
    adjustment_refund: int = 0,
    adjustment_fee: int = 0,
    comment: str = "",
    append_comment: bool = False,
    email_copy: bool = False,
    goodwill: bool = False,
    reason: ReasonCode | None = None,
) -> CreditMemoOutcome:
    """Create a credit memo and refund it online (over the captures) or offline, with `reason`
    (the store's code staff chose) on each refund; `invoice` None: an order-level memo.
    A second call with the same `idempotency_key` returns the first memo and does nothing else.
    Raises DomainError before anything is written: StaleOrder, DocumentError (bad input, or the
    refund button not available), OperationUnavailable, or PERMISSION_DENIED.
    """
    with transaction.atomic(durable=True):
        order, _payments = lock_order_and_payments(order.pk)
        if (existing := _memo_by_key(idempotency_key, order)) is not None:
            return CreditMemoOutcome(memo=existing, repeated=True)
        check_version(order, expected_version)
        ensure_memo_available(user=user, order=order, invoice=invoice, goodwill=goodwill)
        source = memo_source_under_lock(order, invoice)
        totals = memo_totals_checked(
            source,
            quantities={pk: qty for pk, qty in (quantities or {}).items() if qty},
            back_to_stock=back_to_stock,
            shipping_amount=shipping_amount,
            adjustment_refund=adjustment_refund,
            adjustment_fee=adjustment_fee,
        )
        amount = totals.grand_total
        check_refund_mode(user=user, order=order, invoice=invoice, mode=mode, amount=amount)
        # Four-eyes (whoever asks): the memo stops here, its total reserved.
        awaiting = approval_needed(order=order, amount=amount, kind=ApprovalKind.REFUND)
        memo = _memo_write(
            source=source,
            totals=totals,
            user=user,
            goodwill=goodwill,
            awaiting=awaiting,
            mode=mode,
            comment=comment.strip(),
            append_comment=append_comment,
            email_copy=email_copy,
            idempotency_key=idempotency_key,
            reason=reason,
        )
    if awaiting:
        return CreditMemoOutcome(memo=memo)
    return credit_memo_refund(memo=memo, user=user, reason=reason)


def _check_reason(reason: ReasonCode | None, order: Order) -> None:
    """Refused before the memo is written (the refunds would refuse it after)."""
    if reason is not None and (
        refusal := reason_refusal(
            reason, store_id=order.store_id, transaction_type=TransactionType.REFUND
        )
    ):
        raise refusal


def _memo_by_key(idempotency_key: str, order: Order) -> CreditMemo | None:
    """The memo an earlier submit of the same form created (a double click), if any."""
    existing = CreditMemo.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        existing.order = order
    return existing


def _memo_write(
    *,
    source: MemoSource,
    totals: MemoTotals,
    user: User,
    goodwill: bool,
    awaiting: ApprovalNeed | None,
    reason: ReasonCode | None,
    **fields: object,
) -> CreditMemo:
    """Step 1's writes, under the caller's order lock: the memo (pending, or awaiting approval
    with its request), its items, the item counters, the order version and the history.
    `fields`: the memo's mode, comment, flags and idempotency key."""
    order = source.order
    _check_reason(reason, order)
    memo = CreditMemo.objects.create(
        order=order,
        invoice=source.invoice,
        number=_next_number(order),
        state=S.AWAITING_APPROVAL if awaiting else S.PENDING,
        subtotal=totals.subtotal,
        shipping_amount=totals.shipping_amount,
        tax_amount=totals.tax_amount,
        discount_amount=totals.discount_amount,
        adjustment_refund=totals.adjustment_refund,
        adjustment_fee=totals.adjustment_fee,
        earlier_adjustment=totals.earlier_adjustment,
        grand_total=totals.grand_total,
        created_by=user,
        **fields,
    )
    CreditMemoItem.objects.bulk_create(
        CreditMemoItem(
            credit_memo=memo,
            order_item=line.order_item,
            qty=line.qty,
            back_to_stock=line.back_to_stock,
            row_total=line.row_total,
            tax_amount=line.tax_amount,
            discount_amount=line.discount_amount,
        )
        for line in totals.lines
    )
    items_qty_refunded_refresh(order)
    bump_version(order)
    plan = credit_memo_refund_plan(memo=memo, user=user, order=order)
    _comment_created(
        memo=memo, totals=totals, plan=plan, user=user, goodwill=goodwill, reason=reason
    )
    if awaiting is not None:
        credit_memo_approval_add(
            order=order, memo=memo, user=user, goodwill=goodwill, reason=reason, why=awaiting.why()
        )
    return memo


def _next_number(order: Order) -> str:
    """The order's credit memos in sequence: #100000110-CM1, -CM2. Their own prefix, because
    invoices number themselves without looking at memos (#100000110-1)."""
    n = order.credit_memos.count() + 1
    while CreditMemo.objects.filter(number=f"{order.number}-CM{n}").exists():
        n += 1
    return f"{order.number}-CM{n}"


def _describe_mode(plan: RefundPlan) -> str:
    if plan.online:
        return f"{plan.describe()}."
    return "Refund Offline (paid back outside the gateway)."


def _comment_created(
    *,
    memo: CreditMemo,
    totals: MemoTotals,
    plan: RefundPlan,
    user: User,
    goodwill: bool,
    reason: ReasonCode | None,
) -> None:
    order = memo.order
    amount = format_money(memo.grand_total, order.currency)
    kind = " (goodwill refund)" if goodwill else ""
    source = f" from invoice #{memo.invoice.number}" if memo.invoice else ""
    stock = [line.order_item.sku for line in totals.lines if line.back_to_stock]
    returned = f" Returned to stock: {', '.join(stock)}." if stock else ""
    why = f" Reason: {reason.label}." if reason is not None else ""
    comment_credit_memo(
        order=order,
        credit_memo=memo,
        author=user,
        body=f"Credit memo #{memo.number}{kind}{source} created for {amount} "
        f"({totals.describe()}).{returned} {_describe_mode(plan)}{why}",
    )
    if memo.comment:
        comment_credit_memo(
            order=order,
            credit_memo=memo,
            author=user,
            body=memo.comment,
            is_customer_notified=memo.email_copy and memo.append_comment,
        )


def goodwill_refund(
    *,
    order: Order,
    user: User,
    amount: int,
    note: str,
    mode: str,
    expected_version: int,
    idempotency_key: str,
    email_copy: bool = False,
    reason: ReasonCode | None = None,
) -> CreditMemoOutcome:
    """Medusa's Refund: `amount` with a note, no items, kept as a memo with an adjustment only."""
    return credit_memo_create(
        order=order,
        user=user,
        invoice=None,
        mode=mode,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        adjustment_refund=amount,
        comment=note,
        append_comment=True,
        email_copy=email_copy,
        goodwill=True,
        reason=reason,
    )
