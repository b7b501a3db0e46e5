"""Credit memos: refund an invoice's items (online over its captures, or offline), an order's
items offline, or a goodwill amount; and keep each memo in step with its refunds.

`credit_memo_create` is the one entry point that gives money back (`goodwill_refund` builds its
request and calls it). Its steps, each its own durable transaction or gateway call:
1. under the order lock: the stale-form check, the operations registry, quantities and amounts
   against what is left (`orders.credit_memo_totals`) and the refund limit (captured − refunded
   − pending, pending memos included, so two memos can't spend the same money); write the memo
   as pending (it reserves its total), its items and the item counters; history; commit;
2. `credit_memo_refund`: the money engine's refund (`payment_refund`, DESIGN.md's skeleton),
   one per capture the refund is spread over, keyed "<memo key>:<capture pk>"; stop at the
   first that does not succeed;
3. under the lock again (`orders.services.credit_memo_settle`): the memo's state from its
   refund rows, item counters, history, and the email copy after commit.

Four-eyes (roles): a memo that needs approval can stop after step 1 (state awaiting approval)
and be refunded later by `credit_memo_refund`, which reuses the same keys.

A refund whose outcome is unknown leaves the memo pending; when reconciliation resolves it,
`credit_memo_settle.credit_memo_follow_outcome` (registered with the money engine in
`OrdersConfig.ready`) settles the memo in the same transaction as the outcome.
"""

import logging
from collections.abc import Iterable, Mapping

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction

from backoffice.availability import ensure
from backoffice.errors import DomainError
from backoffice.money import format_money
from orders.credit_memo_totals import (
    MemoSource,
    MemoTotals,
    memo_source,
    memo_totals,
    qty_error,
    shipping_error,
    total_error,
)
from orders.enums import CommentSource, CreditMemoState, RefundMode
from orders.history import comment_credit_memo
from orders.models import CreditMemo, CreditMemoItem, Invoice, Order, OrderItem
from orders.operations import (
    InvoiceOperation,
    OrderOperation,
    invoice_operation_availability,
    order_operation_availability,
)
from orders.refund_modes import refund_modes
from orders.refundable import (
    RefundPlan,
    RefundStep,
    attach_payments,
    memo_refund_rows,
    plan_refund,
    refundable_captures,
)
from orders.services.approval_requests import approval_needed, credit_memo_approval_add
from orders.services.credit_memo_outcome import (
    NOT_REFUNDED,
    SHORT_PLAN,
    CreditMemoOutcome,
    StepOutcome,
)
from orders.services.credit_memo_settle import credit_memo_settle, items_qty_refunded_refresh
from orders.services.invoicing import bump_version, check_version
from payments.enums import TransactionStatus
from payments.locks import lock_order_and_payments
from payments.models import Payment, Transaction
from payments.services import payment_refund

logger = logging.getLogger(__name__)
S = CreditMemoState


class CreditMemoError(Exception):
    """Bad input found under the lock: shown next to `field` (or the form), nothing written."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message, self.field, self.code = message, field, code


# ---- reads under the lock --------------------------------------------------------------------


def _locked_source(order: Order, invoice: Invoice | None) -> MemoSource:
    """What may be refunded, read fresh (the caller holds the order lock)."""
    if invoice is not None:
        invoice = Invoice.objects.prefetch_related("items").get(pk=invoice.pk, order=order)
    return memo_source(
        order=order,
        invoice=invoice,
        items=OrderItem.objects.filter(order=order),
        invoices=order.invoices.all(),
        memos=order.credit_memos.prefetch_related("items"),
        rows=Transaction.objects.filter(order=order),
    )


def _validated(
    source: MemoSource,
    *,
    quantities: Mapping[int, int],
    back_to_stock: Iterable[int],
    shipping_amount: int,
    adjustment_refund: int,
    adjustment_fee: int,
) -> MemoTotals:
    for pk, qty in quantities.items():
        if qty and (error := qty_error(source.item(pk), qty)):
            raise CreditMemoError(error, field=f"qty_{pk}")
    for name, amount in (
        ("shipping_amount", shipping_amount),
        ("adjustment_refund", adjustment_refund),
        ("adjustment_fee", adjustment_fee),
    ):
        if amount < 0:
            raise CreditMemoError("The amount cannot be negative.", field=name)
    if error := shipping_error(source, shipping_amount):
        raise CreditMemoError(error, field="shipping_amount")
    totals = memo_totals(
        source,
        quantities=quantities,
        back_to_stock=back_to_stock,
        shipping_amount=shipping_amount,
        adjustment_refund=adjustment_refund,
        adjustment_fee=adjustment_fee,
    )
    if problem := total_error(source, totals):
        code, message = problem
        raise CreditMemoError(message, code=code)
    return totals


def _next_number(order: Order) -> str:
    """The order's credit memos in sequence: #100000110-CM1, -CM2. Their own prefix, because
    invoices number themselves without looking at memos (#100000110-1)."""
    n = order.credit_memos.count() + 1
    while CreditMemo.objects.filter(number=f"{order.number}-CM{n}").exists():
        n += 1
    return f"{order.number}-CM{n}"


def _ensure_available(
    *, user: AbstractBaseUser, order: Order, invoice: Invoice | None, goodwill: bool
) -> None:
    if invoice is not None:
        invoice.order = order
        ensure(
            invoice_operation_availability(
                user=user, invoice=invoice, operation=InvoiceOperation.CREDIT_MEMO
            )
        )
        return
    operation = OrderOperation.REFUND if goodwill else OrderOperation.CREDIT_MEMO
    ensure(order_operation_availability(user=user, order=order, operation=operation))


def _check_mode(
    *, user: AbstractBaseUser, order: Order, invoice: Invoice | None, mode: str, amount: int
) -> None:
    option = refund_modes(user=user, order=order, invoice=invoice, amount=amount)[mode]
    if option.is_permission:
        raise PermissionDenied(option.reason)
    if not option.allowed:
        raise CreditMemoError(option.reason, code="mode")


# ---- step 1 ----------------------------------------------------------------------------------


def _describe_mode(plan: RefundPlan) -> str:
    if plan.online:
        return f"{plan.describe()}."
    return "Refund Offline (paid back outside the gateway)."


def credit_memo_create(
    *,
    order: Order,
    user: AbstractBaseUser,
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
) -> CreditMemoOutcome:
    """Create a credit memo and refund it online (over the captures) or offline.

    `invoice` None: an order-level memo (Refund Offline for the order, or a goodwill refund).
    A second call with the same `idempotency_key` returns the first memo and does nothing else.
    Raises CreditMemoError (bad input, nothing written), StaleOrder, OperationUnavailable or
    PermissionDenied.
    """
    quantities = {pk: qty for pk, qty in (quantities or {}).items() if qty}
    with transaction.atomic(durable=True):
        order, _payments = lock_order_and_payments(order.pk)
        existing = CreditMemo.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            existing.order = order
            return CreditMemoOutcome(memo=existing, repeated=True)
        check_version(order, expected_version)
        _ensure_available(user=user, order=order, invoice=invoice, goodwill=goodwill)
        source = _locked_source(order, invoice)
        totals = _validated(
            source,
            quantities=quantities,
            back_to_stock=back_to_stock,
            shipping_amount=shipping_amount,
            adjustment_refund=adjustment_refund,
            adjustment_fee=adjustment_fee,
        )
        _check_mode(user=user, order=order, invoice=invoice, mode=mode, amount=totals.grand_total)
        # Four-eyes: above the store's threshold the memo stops here, its total reserved.
        awaiting = approval_needed(user=user, store=order.store, amount=totals.grand_total)
        memo = CreditMemo.objects.create(
            order=order,
            invoice=source.invoice,
            number=_next_number(order),
            state=S.AWAITING_APPROVAL if awaiting else S.PENDING,
            mode=mode,
            subtotal=totals.subtotal,
            shipping_amount=totals.shipping_amount,
            tax_amount=totals.tax_amount,
            discount_amount=totals.discount_amount,
            adjustment_refund=totals.adjustment_refund,
            adjustment_fee=totals.adjustment_fee,
            grand_total=totals.grand_total,
            comment=comment.strip(),
            append_comment=append_comment,
            email_copy=email_copy,
            idempotency_key=idempotency_key,
            created_by=user,
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
        plan = _plan(memo, user=user, order=order)
        _comment_created(memo=memo, totals=totals, plan=plan, user=user, goodwill=goodwill)
        if awaiting:
            credit_memo_approval_add(order=order, memo=memo, user=user, goodwill=goodwill)
    if awaiting:
        return CreditMemoOutcome(memo=memo)
    return credit_memo_refund(memo=memo, user=user)


# ---- four-eyes (orders.approvals runs these for a memo awaiting approval) -------------------


def credit_memo_refund_plan(
    *, memo: CreditMemo, user: AbstractBaseUser | None, order: Order
) -> RefundPlan:
    """What the memo's refund would send now, under the caller's lock (approval re-checks)."""
    return _plan(memo, user=user, order=order)


def credit_memo_cancel_unapproved(
    *, memo: CreditMemo, order: Order, user: AbstractBaseUser | None, why: str
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


def _comment_created(
    *,
    memo: CreditMemo,
    totals: MemoTotals,
    plan: RefundPlan,
    user: AbstractBaseUser,
    goodwill: bool,
) -> None:
    order = memo.order
    amount = format_money(memo.grand_total, order.currency)
    kind = " (goodwill refund)" if goodwill else ""
    source = f" from invoice #{memo.invoice.number}" if memo.invoice else ""
    stock = [line.order_item.sku for line in totals.lines if line.back_to_stock]
    returned = f" Returned to stock: {', '.join(stock)}." if stock else ""
    comment_credit_memo(
        order=order,
        credit_memo=memo,
        author=user,
        body=f"Credit memo #{memo.number}{kind}{source} created for {amount} "
        f"({totals.describe()}).{returned} {_describe_mode(plan)}",
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
    user: AbstractBaseUser,
    amount: int,
    note: str,
    mode: str,
    expected_version: int,
    idempotency_key: str,
    email_copy: bool = False,
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
    )


# ---- step 2 ----------------------------------------------------------------------------------


def _plan(memo: CreditMemo, *, user: AbstractBaseUser | None, order: Order) -> RefundPlan:
    """What is still to send for the memo, spread over its captures (oldest first)."""
    payments = Payment.objects.filter(order=order).select_related("gateway_account")
    payments = list(payments.prefetch_related("transactions"))
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
    user: AbstractBaseUser | None,
    invoices: dict[int, Invoice],
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
        )
    except DomainError as exc:
        # Refused before anything was written (the capture or a permission changed since the
        # memo was created): reported as this step's failure, the memo settles without it.
        return StepOutcome(step=step, refusal=exc.message)
    return StepOutcome(step=step, transaction=result.transaction)


def credit_memo_refund(*, memo: CreditMemo, user: AbstractBaseUser | None) -> CreditMemoOutcome:
    """Steps 2 and 3 for a pending memo: send its refunds, then settle it from the ledger."""
    order = Order.objects.select_related("store").get(pk=memo.order_id)
    memo.order = order
    plan = _plan(memo, user=user, order=order)
    invoices = {inv.pk: inv for inv in order.invoices.all()}
    steps: list[StepOutcome] = []
    for step in plan.steps:
        if steps and not steps[-1].succeeded:
            break  # what went back stays refunded; the rest is reported, never guessed
        steps.append(_refund_step(memo=memo, step=step, user=user, invoices=invoices))
    stopped = bool(steps) and not steps[-1].succeeded
    unplanned = 0 if stopped else plan.shortfall
    reason = ""
    if unplanned:
        reason = plan.refused[0].reason.rstrip(".") if plan.refused else SHORT_PLAN
    return credit_memo_settle(
        memo=memo, user=user, steps=steps, unplanned=unplanned, unplanned_reason=reason
    )
