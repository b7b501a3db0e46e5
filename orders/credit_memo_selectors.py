"""Reads for the credit memo screens, scoped to the stores the user may view and prefetched."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404

from orders.credit_memo_totals import MemoSource, memo_source
from orders.models import CreditMemo, CreditMemoItem, Invoice, Order, OrderComment
from orders.selectors import orders_visible_to
from payments.models import Payment, ReasonCode, Transaction


def order_for_refund(*, user: User | AnonymousUser, number: str) -> Order:
    """The order with everything the refund screens and the registry read (404 outside scope):
    items, invoices with their items, memos with theirs, payments with their ledger rows."""
    queryset = (
        orders_visible_to(user=user)
        .select_related("store")
        .prefetch_related(
            "items",
            Prefetch("invoices", queryset=Invoice.objects.prefetch_related("items")),
            Prefetch("credit_memos", queryset=CreditMemo.objects.prefetch_related("items")),
            Prefetch(
                "payments",
                queryset=Payment.objects.select_related("gateway_account").prefetch_related(
                    "transactions"
                ),
            ),
            "transactions",
        )
    )
    return get_object_or_404(queryset, number=number)


def invoice_of(order: Order, invoice_number: str) -> Invoice:
    invoice = next((i for i in order.invoices.all() if i.number == invoice_number), None)
    if invoice is None:
        raise Http404("No such invoice on this order.")
    invoice.order = order
    return invoice


def source_for(order: Order, invoice: Invoice | None) -> MemoSource:
    """What a memo may refund, from the prefetched order (no query)."""
    return memo_source(
        order=order,
        invoice=invoice,
        items=order.items.all(),
        invoices=order.invoices.all(),
        memos=order.credit_memos.all(),
        rows=order.transactions.all(),
    )


def memo_by_key(*, order: Order, key: str | None) -> CreditMemo | None:
    """The memo a New Credit Memo form already created (its one-time key), if any."""
    if not key:
        return None
    memo = CreditMemo.objects.filter(order=order, idempotency_key=key).first()
    if memo is not None:
        memo.order = order
    return memo


def credit_memo_detail(*, user: User | AnonymousUser, number: str, memo_number: str) -> CreditMemo:
    """The credit memo page's memo: items, refund transactions, comments."""
    order = get_object_or_404(orders_visible_to(user=user).select_related("store"), number=number)
    queryset = (
        CreditMemo.objects.filter(order=order)
        .select_related("invoice", "created_by")
        .prefetch_related(
            Prefetch("items", queryset=CreditMemoItem.objects.select_related("order_item")),
            Prefetch(
                "transactions",
                queryset=Transaction.objects.select_related("payment", "parent", "reason").order_by(
                    "created_at", "id"
                ),
            ),
            Prefetch(
                "comments",
                queryset=OrderComment.objects.select_related("transaction").order_by(
                    "created_at", "id"
                ),
            ),
        )
    )
    memo = get_object_or_404(queryset, number=memo_number)
    memo.order = order
    return memo


def credit_memo_reason(memo: CreditMemo, refunds: list[Transaction]) -> ReasonCode | None:
    """The reason chosen for the memo: on its refund rows (prefetched), or, before any was
    written (awaiting approval, canceled unapproved), in its four-eyes request."""
    if refunds:
        return next((t.reason for t in refunds if t.reason is not None), None)
    request = memo.approval_requests.order_by("-id").first()
    reason_id = request.payload.get("reason_id") if request is not None else None
    return ReasonCode.objects.filter(pk=reason_id).first() if reason_id else None
