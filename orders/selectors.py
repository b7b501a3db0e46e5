"""Reads for the order pages: always scoped to the stores the user may view, and prefetched."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, TypedDict

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.utils import timezone

from backoffice.counting import RowCount, count_page_rows
from backoffice.grids import PER_PAGE_PARAM, parse_per_page
from backoffice.pagination import PageWindow, page_window
from backoffice.permissions import store_permissions, visible_store_ids
from orders.enums import AddressKind
from orders.filters import OrderFilter, resolve_sort, search_text, sort_order_by
from orders.models import (
    ApprovalRequest,
    ApprovalState,
    CreditMemo,
    Invoice,
    Order,
    OrderAddress,
    OrderComment,
    OrderEdit,
)
from payments.enums import PAID_TYPES, TransactionStatus, TransactionType
from payments.figures import OrderFigures, figures_of
from payments.ledger import is_authorization_expired, open_authorization
from payments.models import Payment, Transaction

if TYPE_CHECKING:  # django-stubs-ext is a development dependency only
    from django_stubs_ext import WithAnnotations

ORDERS_PER_PAGE = 50
MAX_ORDER_PAGES = 200
# What an order number looks like, a digit at least (the search tries an exact match on these).
ORDER_NUMBER = re.compile(r"(?=[^0-9]*[0-9])[0-9A-Za-z][0-9A-Za-z_-]{0,31}")


def orders_visible_to(*, user: User | AnonymousUser) -> QuerySet[Order]:
    return Order.objects.filter(store_id__in=visible_store_ids(user))


@dataclass(frozen=True)
class OrderListPage:
    filterset: OrderFilter
    page: PageWindow
    sort: str
    total: RowCount
    # A search naming one order exactly by its number: the grid opens it instead.
    exact_number: str | None = None


def order_list_page(*, user: User | AnonymousUser, params: QueryDict) -> OrderListPage:
    """One page of the order grid: searched, filtered, sorted, each order with its figures;
    the total exact up to a bound, estimated beyond (`backoffice.counting`). A search for an
    order's number as typed ("100000110", "#100000110") within the filters answers that
    number alone (one indexed query first, and no page)."""
    filterset = OrderFilter(params or None, queryset=orders_visible_to(user=user), user=user)
    sort = resolve_sort(params.get("sort"))
    per_page = parse_per_page(params.get(PER_PAGE_PARAM), default=ORDERS_PER_PAGE)
    if number := _exact_number(filterset, params.get("q") or ""):
        empty = PageWindow(rows=[], number=1, per_page=per_page, has_next=False)
        return OrderListPage(filterset, empty, sort, RowCount(1), exact_number=number)
    queryset = filterset.qs.select_related("store").order_by(*sort_order_by(sort))
    page = page_window(
        queryset, page=params.get("page"), per_page=per_page, max_page=MAX_ORDER_PAGES
    )
    with_figures(page.rows)  # Grand Total and Total Due: one query for the page
    # The last page knows the total: the rows before it and its own (no query).
    last = not page.has_next and not page.limit_reached and (page.rows or page.number == 1)
    total = count_page_rows(filterset.qs, shown=page.end, first_page=True, complete=bool(last))
    return OrderListPage(filterset=filterset, page=page, sort=sort, total=total)


def _exact_number(filterset: OrderFilter, typed: str) -> str | None:
    """The number of the one order the search names exactly (a name or a prefix: None)."""
    text = search_text(typed)
    if not ORDER_NUMBER.fullmatch(text):
        return None
    numbers = list(filterset.qs.filter(number=text).values_list("number", flat=True)[:2])
    return numbers[0] if len(numbers) == 1 else None


def orders_for_export(
    *, user: User | AnonymousUser, params: QueryDict, codename: str
) -> QuerySet[Order] | None:
    """The grid's filtered and sorted orders, of the stores where `user` holds `codename`
    (None: of no store)."""
    store_ids = store_permissions(user).store_ids_with(codename)
    if store_ids == []:
        return None
    visible = orders_visible_to(user=user)
    scoped = visible if store_ids is None else visible.filter(store_id__in=store_ids)
    filterset = OrderFilter(params or None, queryset=scoped, user=user)
    sort = resolve_sort(params.get("sort"))
    return filterset.qs.select_related("store").order_by(*sort_order_by(sort))


def user_can_export(*, user: User | AnonymousUser, codename: str) -> bool:
    return store_permissions(user).store_ids_with(codename) != []


# Comments History and Transactions show this many newest rows until "Show all" is asked for:
# a busy order's 200 comments cost more to draw than the rest of its page.
RECENT_ROWS = 50


@dataclass(frozen=True)
class PanelRows:
    """The rows a long panel shows, newest first, and how many there are in all (its tab's
    count and its "Show all" control)."""

    rows: Sequence
    total: int

    @property
    def is_complete(self) -> bool:
        return len(self.rows) >= self.total


def _transactions() -> QuerySet[Transaction]:
    """The Transactions tab's rows, newest first. The parent is shown by its UUID only: a
    parent object per row doubled the cost of loading a busy order's ledger."""
    return Transaction.objects.annotate(parent_uuid=F("parent__uuid")).order_by(
        "-created_at", "-id"
    )


@cache
def _comments() -> QuerySet[OrderComment]:
    """Comments History's rows (newest first, the model's ordering), built once per process."""
    return OrderComment.objects.annotate(transaction_uuid=F("transaction__uuid"))


def order_comment_rows(
    *, order: Order, show_all: bool = False, total: int | None = None
) -> PanelRows:
    """Comments History: newest first (the model's ordering), each with the UUID of its linked
    transaction for the link. `total`: the number of comments when the caller has it
    (`order_detail` counts them); else a count query when the newest rows are not all.

    A plain LIMIT query: a sliced prefetch (a window function) cost twice as much.
    """
    if total == 0:  # counted by `order_detail`: nothing to fetch
        return PanelRows(rows=[], total=0)
    comments = _comments().filter(order=order)
    rows = list(comments if show_all else comments[:RECENT_ROWS])
    if total is None:
        total = len(rows) if show_all or len(rows) < RECENT_ROWS else order.comments.count()
    return PanelRows(rows=rows, total=total)


def order_transaction_rows(*, order: Order, show_all: bool = False) -> PanelRows:
    """The Transactions tab of an order fetched without `order_detail` (two queries)."""
    transactions = _transactions().filter(order=order)
    rows = list(transactions if show_all else transactions[:RECENT_ROWS])
    total = len(rows) if show_all or len(rows) < RECENT_ROWS else order.transactions.count()
    return PanelRows(rows=rows, total=total)


def detail_transaction_rows(order: Order, *, show_all: bool = False) -> PanelRows:
    """The Transactions tab from `order_detail`'s prefetch (no query). The operations registry
    reads every ledger row of the order anyway, so they are all loaded; only drawing is cut."""
    rows = list(order.transactions.all())
    return PanelRows(rows=rows if show_all else rows[:RECENT_ROWS], total=len(rows))


class CommentCount(TypedDict):
    comment_count: int  # of the order's comments, for Comments History's tab
    has_edits: bool  # the order was edited: its Edits section reads `edits` (one query then)
    has_invoices: bool  # no invoice (most orders until shipped): known empty, no query
    has_credit_memos: bool  # no credit memo: their list is known empty (no query)
    has_awaiting_approvals: bool  # no request awaits: the approvals panel asks nothing


def _set_prefetched(instance: object, name: str, rows: list) -> None:
    """Fill `instance.<name>.all()` with `rows`, as prefetch_related would (no query)."""
    queryset = getattr(instance, name).all()
    queryset._result_cache, queryset._prefetch_done = rows, True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


def _share_ledger(order: Order) -> None:
    """Each payment's ledger rows from the order's prefetched ones (newest first, their
    model's ordering), so the operations registry reads them with no query."""
    by_payment: dict[int, list[Transaction]] = {p.pk: [] for p in order.payments.all()}
    for row in order.transactions.all():
        by_payment.setdefault(row.payment_id, []).append(row)
    cache_payment = Transaction.payment.field.set_cached_value
    for payment in order.payments.all():
        for row in by_payment[payment.pk]:
            cache_payment(row, payment)
        _set_prefetched(payment, "transactions", by_payment[payment.pk])


def _address_join(kind: str) -> FilteredRelation:
    return FilteredRelation("addresses", condition=Q(addresses__kind=kind))


@cache
def _order_page_orders() -> QuerySet[Order]:
    """The order page's queryset, annotated and prefetching, built once per process: building
    it cost as much as running it. Each request only filters it (`order_detail`)."""
    comment_count = (
        OrderComment.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Order.objects.annotate(
            # Billing and shipping (one of each at most) joined to the order row: no prefetch.
            billing_address=_address_join(AddressKind.BILLING),
            shipping_address=_address_join(AddressKind.SHIPPING),
        )
        .select_related("store", "billing_address", "shipping_address")  # type: ignore[misc]
        .annotate(
            comment_count=Subquery(comment_count, output_field=IntegerField()),
            has_edits=Exists(OrderEdit.objects.filter(order=OuterRef("pk"))),
            has_invoices=Exists(Invoice.objects.filter(order=OuterRef("pk"))),
            has_credit_memos=Exists(CreditMemo.objects.filter(order=OuterRef("pk"))),
            has_awaiting_approvals=Exists(
                ApprovalRequest.objects.filter(order=OuterRef("pk"), state=ApprovalState.AWAITING)
            ),
        )
        .prefetch_related(
            "items",
            Prefetch("payments", queryset=Payment.objects.select_related("gateway_account")),
            Prefetch("transactions", queryset=_transactions()),
        )
    )


def order_detail(
    *, user: User | AnonymousUser, number: str
) -> "WithAnnotations[Order, CommentCount]":
    """The order page's order with everything it shows, in a fixed number of queries (12 for
    the whole page, whatever the order's size: tests/orders/test_order_page_queries.py).

    Comments come from `order_comment_rows` (the newest only); their number is counted here
    as `comment_count`. 404 (not 403) for an order of another store, so order numbers of
    stores a user can't see are not confirmed to exist.
    """
    queryset = _order_page_orders().filter(store_id__in=visible_store_ids(user))
    order: WithAnnotations[Order, CommentCount] = get_object_or_404(
        queryset,  # type: ignore[arg-type]  # annotated in _order_page_orders
        number=number,
    )
    order.comment_count = order.comment_count or 0  # no comments: the subquery is NULL
    # Invoices and credit memos only when the order has some (a query each otherwise).
    documents = {"invoices": order.has_invoices, "credit_memos": order.has_credit_memos}
    prefetch_related_objects([order], *(name for name, some in documents.items() if some))
    for name in (name for name, some in documents.items() if not some):
        _set_prefetched(order, name, [])
    _share_ledger(order)
    return order


def order_with_store(*, user: User | AnonymousUser, number: str) -> Order:
    """The bare order (with its store) for a panel that fetches its own rows."""
    return get_object_or_404(orders_visible_to(user=user).select_related("store"), number=number)


def order_for_update(*, user: User | AnonymousUser, number: str) -> Order:
    """The bare order (with its store) for a POST that then writes through a service."""
    return get_object_or_404(orders_visible_to(user=user).select_related("store"), number=number)


def order_money_summary(*, order: Order, now: datetime | None = None) -> OrderFigures:
    """The order's money figures (`payments.figures`, as every page shows them), from its
    prefetched payments and transactions: no query on the order page."""
    return figures_of(order, now=now or timezone.now())


@dataclass(frozen=True)
class PaymentCard:
    """One payment of Payment Information: its money open to capture now (0 once expired) and
    the Transaction IDs entered for the money it brought (Mark as paid's reference, a capture's
    ID); a refund's ID stays on its own row in Transactions."""

    payment: Payment
    open_to_capture: int
    expired: bool
    transaction_ids: list[str]


def payment_cards(*, order: Order, now: datetime) -> list[PaymentCard]:
    """From the order page's prefetched payments and transactions (no query)."""
    ids: dict[int, list[str]] = {}
    for row in sorted(order.transactions.all(), key=lambda t: (t.created_at, t.pk)):
        mine = ids.setdefault(row.payment_id, [])
        reference = row.merchant_reference
        money_in = row.type in PAID_TYPES or row.type == TransactionType.AUTHORIZATION
        if money_in and row.status != TransactionStatus.FAILED and reference not in {"", *mine}:
            mine.append(reference)
    return [
        PaymentCard(
            payment=p,
            open_to_capture=open_authorization(p, now=now),
            expired=is_authorization_expired(p, now=now),
            transaction_ids=ids.get(p.pk, []),
        )
        for p in order.payments.all()
    ]


# The payment fields an order's figures read (`payments.ledger.PaymentAmountsLike`).
FIGURE_FIELDS = (
    *("amount_authorized", "amount_captured", "amount_refunded", "amount_voided"),
    *("amount_charged_back", "pending_capture", "pending_void", "pending_refund"),
    *("pending_authorization", "is_expired", "expires_at"),
)


def figures_by_order(
    orders: Sequence[Order], *, now: datetime | None = None
) -> dict[int, OrderFigures]:
    """Each order's figures (`payments.figures`, the order page's own computation) in one
    query, whatever the number of orders: their payments, each with what credit memos
    refunded through it."""
    credited = (
        Transaction.objects.filter(
            payment=OuterRef("pk"),
            type=TransactionType.REFUND,
            status=TransactionStatus.SUCCESS,
            credit_memo__isnull=False,
        )
        .order_by()
        .values("payment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    payments: dict[int, list[Payment]] = {order.pk: [] for order in orders}
    refunded_by_memos = dict.fromkeys(payments, 0)
    rows = (
        Payment.objects.filter(order_id__in=payments)
        .only("order_id", *FIGURE_FIELDS)  # what `payments.figures` reads: lighter instances
        .annotate(credited=Coalesce(Subquery(credited, output_field=IntegerField()), 0))
    )
    for payment in rows:
        payments[payment.order_id].append(payment)
        refunded_by_memos[payment.order_id] += payment.credited
    moment = now or timezone.now()
    return {
        order.pk: figures_of(
            order, now=moment, payments=payments[order.pk], credited=refunded_by_memos[order.pk]
        )
        for order in orders
    }


def with_figures(orders: Sequence[Order], *, now: datetime | None = None) -> Sequence[Order]:
    """A list page's orders, each with its `figures` (Grand Total, Total Due…): one query."""
    figures = figures_by_order(orders, now=now)
    for order in orders:
        order.figures = figures[order.pk]  # type: ignore[attr-defined]
    return orders


def addresses_by_kind(order: Order) -> Mapping[str, OrderAddress | None]:
    """Billing and shipping of an order from `order_detail` (joined to its row: no query)."""
    return {
        kind: getattr(order, f"{kind}_address", None)
        for kind in (AddressKind.BILLING, AddressKind.SHIPPING)
    }
