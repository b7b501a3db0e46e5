"""Reads for the order pages: always scoped to the stores the user may view, and prefetched."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.utils import timezone

from backoffice.pagination import PageWindow, page_window
from backoffice.permissions import visible_store_ids
from orders.filters import OrderFilter, resolve_sort, sort_order_by
from orders.models import Order, OrderComment
from payments.enums import PAID_TYPES, TransactionStatus, TransactionType
from payments.figures import OrderFigures, figures_of
from payments.ledger import is_authorization_expired, open_authorization
from payments.models import Payment, Transaction

if TYPE_CHECKING:  # django-stubs-ext is a development dependency only
    from django_stubs_ext import WithAnnotations

ORDERS_PER_PAGE = 50
MAX_ORDER_PAGES = 200


def orders_visible_to(*, user: User | AnonymousUser) -> QuerySet[Order]:
    return Order.objects.filter(store_id__in=visible_store_ids(user))


@dataclass(frozen=True)
class OrderListPage:
    filterset: OrderFilter
    page: PageWindow
    sort: str


def order_list_page(*, user: User | AnonymousUser, params: QueryDict) -> OrderListPage:
    """One page of the order list: searched, filtered, sorted, never counted."""
    filterset = OrderFilter(params or None, queryset=orders_visible_to(user=user), user=user)
    sort = resolve_sort(params.get("sort"))
    queryset = filterset.qs.select_related("store").order_by(*sort_order_by(sort))
    page = page_window(
        queryset, page=params.get("page"), per_page=ORDERS_PER_PAGE, max_page=MAX_ORDER_PAGES
    )
    with_figures(page.rows)  # Grand Total and Total Due: one query for the page
    return OrderListPage(filterset=filterset, page=page, sort=sort)


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


def order_comment_rows(
    *, order: Order, show_all: bool = False, total: int | None = None
) -> PanelRows:
    """Comments History: newest first (the model's ordering), each with the UUID of its linked
    transaction for the link. `total`: the number of comments when the caller has it
    (`order_detail` counts them); else a count query when the newest rows are not all.

    A plain LIMIT query: a sliced prefetch (a window function) cost twice as much.
    """
    comments = order.comments.annotate(transaction_uuid=F("transaction__uuid"))
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


def order_detail(
    *, user: User | AnonymousUser, number: str
) -> "WithAnnotations[Order, CommentCount]":
    """The order page's order with everything it shows, in a fixed number of queries.

    Comments come from `order_comment_rows` (the newest only); their number is counted here
    as `comment_count`. 404 (not 403) for an order of another store, so order numbers of
    stores a user can't see are not confirmed to exist.
    """
    comment_count = (
        OrderComment.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(n=Count("pk"))
        .values("n")
    )
    queryset = (
        orders_visible_to(user=user)
        .select_related("store")
        .annotate(comment_count=Subquery(comment_count, output_field=IntegerField()))
        .prefetch_related(
            "addresses",
            "items",
            "payments",
            "invoices",
            "credit_memos",
            Prefetch("transactions", queryset=_transactions()),
        )
    )
    order: WithAnnotations[Order, CommentCount] = get_object_or_404(queryset, number=number)
    order.comment_count = order.comment_count or 0  # no comments: the subquery is NULL
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
    rows = Payment.objects.filter(order_id__in=payments).annotate(
        credited=Coalesce(Subquery(credited, output_field=IntegerField()), 0)
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


def addresses_by_kind(order: Order) -> Mapping[str, object]:
    return {address.kind: address for address in order.addresses.all()}
