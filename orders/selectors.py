"""Reads for the order pages: always scoped to the stores the user may view, and prefetched."""

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
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone

from backoffice.permissions import visible_stores_q
from backoffice.prebuilt_reads import rows_where, statements_prepared
from orders.enums import AddressKind
from orders.models import (
    ApprovalRequest,
    ApprovalState,
    CreditMemo,
    Invoice,
    Order,
    OrderAddress,
    OrderComment,
    OrderEdit,
    OrderItem,
    PaymentLink,
)
from payments.enums import PAID_TYPES, TransactionStatus, TransactionType
from payments.figures import OrderFigures, figures_of
from payments.ledger import is_authorization_expired, open_authorization
from payments.models import GatewayAccount, Payment, Transaction

if TYPE_CHECKING:  # django-stubs-ext is a development dependency only
    from django_stubs_ext import WithAnnotations


def orders_visible_to(*, user: User | AnonymousUser) -> QuerySet[Order]:
    return Order.objects.filter(visible_stores_q(user))


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
    with statements_prepared():
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
    has_payment_links: bool  # no payment link (most orders): the links panel asks nothing


def _set_prefetched(instance: object, name: str, rows: list) -> None:
    """Fill `instance.<name>.all()` with `rows`, as prefetch_related would (no query)."""
    queryset = getattr(instance, name).all()
    queryset._result_cache, queryset._prefetch_done = rows, True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


def share_ledger(order: Order) -> None:
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


# The ledger columns the order page reads, in the model's order. The payload sent to the
# gateway shows on the transaction's own page only (payments/locks.py defers it too), and no
# rule reads `updated_at` (a time zone conversion per row for nothing).
_LEDGER_FIELDS = tuple(
    f.attname
    for f in Transaction._meta.concrete_fields
    if f.name not in {"gateway_request", "updated_at"}
)


def _ledger_of(order: Order) -> list[Transaction]:
    """Every ledger row of the order, newest first (the Transactions tab's order), each with
    its order and its parent's UUID (`parent_uuid`, as `_transactions()` annotates), in one
    query: a parent is a row of the same payment, so of the order (one more query for any
    that is not). Joining the parents in SQL cost more than this lookup."""
    newest_first = "{created_at} DESC, {id} DESC"
    rows = _rows_of_order(Transaction, order, newest_first, fields=_LEDGER_FIELDS)
    uuids = {row.id: row.uuid for row in rows}
    elsewhere = {row.parent_id for row in rows if row.parent_id and row.parent_id not in uuids}
    if elsewhere:
        uuids.update(Transaction.objects.filter(pk__in=elsewhere).values_list("pk", "uuid"))
    for row in rows:
        parent_uuid = uuids.get(row.parent_id) if row.parent_id else None
        row.parent_uuid = parent_uuid  # type: ignore[attr-defined]
    return rows


def _rows_of_order[M: Model](
    model: type[M], order: Order, order_by: str, *, fields: Sequence[str] | None = None
) -> list[M]:
    """The order's rows of `model` (its `order` foreign key) in `order_by`'s order, each with
    its order cached as `prefetch_related` leaves it: a statement written once (every order
    page asks; `backoffice.prebuilt_reads`)."""
    rows = rows_where(model, f"{{order}} = %s ORDER BY {order_by}", order.pk, fields=fields)
    cache_order = model._meta.get_field("order").set_cached_value  # type: ignore[union-attr]
    for row in rows:
        cache_order(row, order)
    return rows


def _payments_of(order: Order) -> list[Payment]:
    """The order's payments, each with its gateway account as `select_related` gives it: two
    statements written once (the join, built and compiled per request, cost more than both)."""
    payments = _rows_of_order(Payment, order, "{id}")
    account_ids = list({p.gateway_account_id for p in payments if p.gateway_account_id})
    accounts = {a.pk: a for a in rows_where(GatewayAccount, "{id} IN (%s)", account_ids)}
    cache_account = Payment.gateway_account.field.set_cached_value
    for payment in payments:
        cache_account(payment, accounts.get(payment.gateway_account_id))  # type: ignore[arg-type]
    return payments


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
    orders = (
        Order.objects.annotate(
            # Billing and shipping (one of each at most) joined to the order row: no prefetch.
            billing_address=_address_join(AddressKind.BILLING),
            shipping_address=_address_join(AddressKind.SHIPPING),
        )
        .select_related("store", "billing_address", "shipping_address")  # type: ignore[misc]
        .annotate(
            comment_count=Subquery(comment_count, output_field=IntegerField()),
            has_edits=Exists(OrderEdit.objects.filter(order=OuterRef("pk"))),
            has_awaiting_approvals=Exists(
                ApprovalRequest.objects.filter(order=OuterRef("pk"), state=ApprovalState.AWAITING)
            ),
            has_payment_links=Exists(PaymentLink.objects.filter(order=OuterRef("pk"))),
        )
    )
    return with_documents_known(orders)  # the rest: `read_order_rows`


def order_detail(
    *, user: User | AnonymousUser, number: str
) -> "WithAnnotations[Order, CommentCount]":
    """The order page's order with everything it shows, in a fixed number of queries (10 for
    the whole page, whatever the order's size: tests/orders/test_order_page_queries.py).

    Comments come from `order_comment_rows` (the newest only); their number is counted here
    as `comment_count`. 404 (not 403) for an order of another store, so order numbers of
    stores a user can't see are not confirmed to exist.
    """
    queryset = _order_page_orders().filter(visible_stores_q(user))
    with statements_prepared():  # planning it took six times longer than running it
        order: WithAnnotations[Order, CommentCount] = get_object_or_404(
            queryset,  # type: ignore[arg-type]  # annotated in _order_page_orders
            number=number,
        )
    order.comment_count = order.comment_count or 0  # no comments: the subquery is NULL
    read_order_rows(order)
    return order


def with_documents_known(orders: QuerySet[Order]) -> QuerySet[Order]:
    """`orders` knowing whether each has invoices and credit memos (`read_order_rows`)."""
    return orders.annotate(
        has_invoices=Exists(Invoice.objects.filter(order=OuterRef("pk"))),
        has_credit_memos=Exists(CreditMemo.objects.filter(order=OuterRef("pk"))),
    )


def read_order_rows(order: Order) -> None:
    """What the money rules and the order's pages read of it, prefetched: its items, its
    payments with their gateway accounts, its ledger (shared with its payments), and its
    invoices and credit memos when it has some (`with_documents_known`; a query each
    otherwise). Statements written once (`_rows_of_order`)."""
    documents = {"invoices": order.has_invoices, "credit_memos": order.has_credit_memos}  # type: ignore[attr-defined]
    prefetch_related_objects([order], *(name for name, some in documents.items() if some))
    for name in (name for name, some in documents.items() if not some):
        _set_prefetched(order, name, [])
    _set_prefetched(order, "items", _rows_of_order(OrderItem, order, "{id}"))
    _set_prefetched(order, "payments", _payments_of(order))
    _set_prefetched(order, "transactions", _ledger_of(order))
    share_ledger(order)


def order_with_store(*, user: User | AnonymousUser, number: str) -> Order:
    """The bare order (with its store) for a panel that fetches its own rows."""
    orders = orders_visible_to(user=user).select_related("store")
    with statements_prepared():
        return get_object_or_404(orders, number=number)


def order_for_update(*, user: User | AnonymousUser, number: str) -> Order:
    """The bare order (with its store) for a POST that then writes through a service."""
    return order_with_store(user=user, number=number)


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
    for row in sorted(order.transactions.all(), key=lambda t: (t.created_at, t.id)):
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


def addresses_by_kind(order: Order) -> Mapping[str, OrderAddress | None]:
    """Billing and shipping of an order from `order_detail` (joined to its row: no query)."""
    return {
        kind: getattr(order, f"{kind}_address", None)
        for kind in (AddressKind.BILLING, AddressKind.SHIPPING)
    }
