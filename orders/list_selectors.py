"""Reads of the order lists: the grid's page (search, filters, sort, total), a bare search
for one order's number, the export's rows, and the figures of listed orders (a query or two
for a page, whatever its size). Scoped to the stores the user may view, like every read of
`orders.selectors`."""

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, make_dataclass
from dataclasses import replace as replaced
from datetime import datetime
from functools import partial

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet, Sum
from django.http import QueryDict
from django.utils import timezone

from backoffice.counting import (
    RowCount,
    count_bound,
    count_page_rows,
    count_rows,
    planner_estimate,
    search_count_bound,
)
from backoffice.grids import PER_PAGE_PARAM, parse_per_page
from backoffice.models import Store
from backoffice.pagination import PageWindow, page_slice, window_of_rows
from backoffice.permissions import store_permissions, visible_store_id_list
from backoffice.prebuilt_reads import statements_prepared, values_where
from backoffice.timed_reads import rows_in_time, walk_timeout_ms
from orders.enums import OrderState
from orders.filters import OrderFilter, resolve_sort, search_text, sort_order_by
from orders.models import Order
from orders.selectors import orders_visible_to
from payments.enums import TransactionStatus, TransactionType
from payments.figures import OrderFigures, order_figures
from payments.ledger import PaymentAmountsLike
from payments.models import Payment, Transaction

ORDERS_PER_PAGE = 50
MAX_ORDER_PAGES = 200
# Up to this many matches, reading them all and sorting them is quicker than walking an index
# in the sort's order until a page turns up (measured at a million orders: 1,000 matches 4.7
# against 16 ms, 4,700 matches 19 against 6 ms).
FEW_MATCHES_SORTED = 2_000
# What an order number looks like, a digit at least (the search tries an exact match on these).
ORDER_NUMBER = re.compile(r"(?=[^0-9]*[0-9])[0-9A-Za-z][0-9A-Za-z_-]{0,31}")


@dataclass(slots=True)
class ListedOrder:
    """An order as a list row shows it: the values of its row, its store and its figures, no
    model instance (building a 50-row page's orders and converting columns the row never shows
    was a twentieth of the page: 0.4 ms)."""

    store: Store
    pk: int
    number: str
    store_id: int
    state: str
    payment_status: str
    currency: str
    customer_name: str
    customer_email: str
    placed_at: datetime
    grand_total: int
    figures: OrderFigures | None = None

    @property
    def is_canceled(self) -> bool:  # as `Order.is_canceled`
        return self.state == OrderState.CANCELED


# What a list row is drawn from: a list page's row, or an order another page read (the dashboard).
type ListRow = ListedOrder | Order

# The columns of a `ListedOrder` read from the orders table, in its fields' order after the store.
LISTED_FIELDS = (
    *("id", "number", "store", "state", "payment_status", "currency"),
    *("customer_name", "customer_email", "placed_at", "grand_total"),
)


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
    order's number as typed ("100000110", "#100000110") within filters answers that number
    alone (one indexed query first, and no page); without filters the caller asks
    `exact_number_searched` first."""
    filterset = OrderFilter(params or None, queryset=orders_visible_to(user=user), user=user)
    sort = resolve_sort(params.get("sort"))
    per_page = parse_per_page(params.get(PER_PAGE_PARAM), default=ORDERS_PER_PAGE)
    # A bare search was looked up by `exact_number_searched`; within filters, here.
    typed = params.get("q") or ""
    if _has_filters(params) and (number := _exact_number(typed, _numbers_in(filterset.qs))):
        empty = PageWindow(rows=[], number=1, per_page=per_page, has_next=False)
        return OrderListPage(filterset, empty, sort, RowCount(1), exact_number=number)
    # A text search counts fewer: each match is read and its name and e-mail compared.
    searched = search_text(typed) or (params.get("customer") or "").strip()
    bound = search_count_bound() if searched else None
    counted_first, matches_read_first = None, False
    if filterset.amount_range:
        # PostgreSQL estimates an amount range from the amounts of every currency at once
        # (¥ amounts are 100 times €'s): it expects many matches, walks the newest orders to
        # find a page of them, and reads most of the table when there are few. Counted first
        # (by the amount index), a few are read and sorted instead (`sort_order_by`).
        counted_first = count_rows(filterset.qs, bound=bound)
        matches_read_first = counted_first.exact and counted_first.value <= FEW_MATCHES_SORTED
    page_number, start, stop = page_slice(
        params.get("page"), per_page=per_page, max_page=MAX_ORDER_PAGES
    )
    rows = _page_rows(
        filterset.qs,
        sort,
        start,
        stop,
        read_first=matches_read_first,
        walk_in_time=not matches_read_first and bool(searched or _has_filters(params)),
    )
    window = window_of_rows(rows, number=page_number, per_page=per_page, max_page=MAX_ORDER_PAGES)
    page = replaced(window, rows=listed_orders(window.rows, stores=filterset.stores))
    with_figures(page.rows)  # Grand Total and Total Due: a query or two for the page
    # The last page knows the total: the rows before it and its own (no query).
    last = not page.has_next and not page.limit_reached and (page.rows or page.number == 1)
    total = (
        counted_first
        if counted_first is not None
        else count_page_rows(
            filterset.qs, shown=page.end, first_page=True, complete=bool(last), bound=bound
        )
    )
    return OrderListPage(filterset=filterset, page=page, sort=sort, total=total)


def _page_rows(
    matching: QuerySet[Order],
    sort: str,
    start: int,
    stop: int,
    *,
    read_first: bool,
    walk_in_time: bool,
) -> list[tuple]:
    """The page's rows (`LISTED_FIELDS`) of the orders `matching`, in `sort` order.

    PostgreSQL walks the sort's index until a page of matches turns up, which is quickest when
    they come early in that order; when they come late it read most of a million orders (open
    authorizations are the newest orders, sorted oldest first: 1.9 s; "smith", a name of the
    dollar store, by Grand Total: 1.75 s). A filtered walk (`walk_in_time`) is given
    `GRID_WALK_TIMEOUT_MS`, then cancelled and the matches read first and sorted (0.13-0.22
    and 0.28 s there), when the planner expects few enough of them (`READ_FIRST_AT_MOST`)."""

    def rows(first: bool) -> QuerySet:
        ordered = matching.order_by(*sort_order_by(sort, matches_read_first=first))
        return ordered.values_list(*LISTED_FIELDS)[start:stop]

    if walk_in_time and _few_enough_to_read_first(matching):
        walked = rows_in_time(rows(read_first), timeout_ms=walk_timeout_ms())
        if walked is not None:
            return walked
        read_first = True
    return list(rows(read_first))


# Reading the matches first reads and sorts them all: ~4 µs each at a million orders (the
# 50,000 names with "smith": 0.21 s). Past this many a walk is the better bet however long it
# takes.
READ_FIRST_AT_MOST = 100_000


def _few_enough_to_read_first(matching: QuerySet[Order]) -> bool:
    estimate = planner_estimate(matching, bound=count_bound())
    return estimate is not None and estimate <= READ_FIRST_AT_MOST


def listed_orders(rows: Iterable[tuple], *, stores: Iterable[Store]) -> list[ListedOrder]:
    """Orders' rows (`LISTED_FIELDS` values) as list rows, each with its store from `stores`:
    those the filter read, the stores the user can view, so every visible order's (joining
    them again cost more than the rest of the page's query)."""
    by_pk = {store.pk: store for store in stores}
    return [ListedOrder(by_pk[row[2]], *row) for row in rows]


def exact_number_searched(*, user: User | AnonymousUser, params: QueryDict) -> str | None:
    """The number of the one order a bare search names exactly (no filter beside the search
    box): one indexed query, before any of the grid is built. With filters: None, and
    `order_list_page` answers within them."""
    if _has_filters(params):
        return None
    return _exact_number(params.get("q") or "", partial(_visible_numbers, user))


def _has_filters(params: QueryDict) -> bool:
    """Any filter of the grid set, beside the search box."""
    return any(params.get(name) for name in OrderFilter.base_filters if name != "q")


def _exact_number(typed: str, numbered: Callable[[str], list[str]]) -> str | None:
    """The number of the one order the search names exactly, among those `numbered(text)`
    finds (two at most); a name or a prefix: None, and no query."""
    text = search_text(typed)
    if not ORDER_NUMBER.fullmatch(text):
        return None
    numbers = numbered(text)
    return numbers[0] if len(numbers) == 1 else None


def _numbers_in(orders: QuerySet[Order]) -> Callable[[str], list[str]]:
    return lambda number: list(orders.filter(number=number).values_list("number", flat=True)[:2])


def _visible_numbers(user: User | AnonymousUser, number: str) -> list[str]:
    """Up to two orders numbered `number` among those the user may view, with a statement
    written once: every search of a number asks this first (building the queryset cost 0.25
    ms of its 0.5)."""
    stores, fields = visible_store_id_list(user), ("number",)
    with statements_prepared():  # planned in about as long as it runs
        if stores is None:  # every store
            found = values_where(Order, "{number} = %s LIMIT 2", number, fields=fields)
        else:
            where = "{number} = %s AND {store} IN (%s) LIMIT 2"
            found = values_where(Order, where, number, stores, fields=fields)
    return [found_number for (found_number,) in found]


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


# The payment fields an order's figures read: those of `payments.ledger.PaymentAmountsLike`.
FIGURE_FIELDS = tuple(PaymentAmountsLike.__annotations__)
# A listed order's payment as its figures read it, one row's values and no model instance
# (building a 50-row page's payments was a tenth of its time).
_PaymentAmounts = make_dataclass("PaymentAmounts", ("id", "order_id", *FIGURE_FIELDS), slots=True)


def figures_by_order(
    orders: Sequence[ListRow], *, now: datetime | None = None
) -> dict[int, OrderFigures]:
    """Each order's figures (`payments.figures`, the order page's own computation): one query
    for their payments, whatever the number of orders, and one more for what credit memos
    refunded through those of them that refunded money (most pages have none)."""
    payments: dict[int, list[PaymentAmountsLike]] = {order.pk: [] for order in orders}
    # Only what `payments.figures` reads, with a statement written once: every list page asks.
    rows = values_where(
        Payment, "{order} IN (%s)", list(payments), fields=("id", "order", *FIGURE_FIELDS)
    )
    refunded: dict[int, int] = {}  # payment → its order, for payments that gave money back
    for payment in (_PaymentAmounts(*row) for row in rows):
        payments[payment.order_id].append(payment)
        if payment.amount_refunded:
            refunded[payment.id] = payment.order_id
    refunded_by_memos = dict.fromkeys(payments, 0)
    for payment_id, total in _credited_by_payment(refunded):
        refunded_by_memos[refunded[payment_id]] += total
    moment = now or timezone.now()
    return {
        order.pk: order_figures(
            payments=payments[order.pk],
            grand_total=order.grand_total,
            credited=refunded_by_memos[order.pk],
            canceled=order.is_canceled,
            now=moment,
            currency=order.currency,
        )
        for order in orders
    }


def _credited_by_payment(payment_ids: Collection[int]) -> list[tuple[int, int]]:
    """(payment, what credit memos refunded through it) for these payments; no query for none."""
    if not payment_ids:
        return []
    return list(
        Transaction.objects.filter(
            payment_id__in=payment_ids,
            type=TransactionType.REFUND,
            status=TransactionStatus.SUCCESS,
            credit_memo__isnull=False,
        )
        .order_by()
        .values("payment_id")
        .annotate(total=Sum("amount"))
        .values_list("payment_id", "total")
    )


def with_figures[R: (ListedOrder, Order)](
    orders: Sequence[R], *, now: datetime | None = None
) -> Sequence[R]:
    """A list page's orders, each with its `figures` (Grand Total, Total Due…): a query, two
    when some of their payments refunded money (`figures_by_order`)."""
    figures = figures_by_order(orders, now=now)
    for order in orders:
        order.figures = figures[order.pk]  # type: ignore[attr-defined]
    return orders
