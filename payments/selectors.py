"""Reads of the ledger for the transaction pages, always scoped to the user's stores.

Lists never count: a keyset page fetches one row more than it shows to know whether another
page follows, so page 5,000 of a million rows costs the same as page 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from backoffice.models import Store
from backoffice.permissions import store_permissions, visible_stores
from payments.models import ReasonCode, Transaction

if TYPE_CHECKING:
    from payments.export_csv import ExportRow

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def stores_visible(*, user: User | AnonymousUser) -> list[Store]:
    """The stores whose transactions the user may view, by code (a statement written once)."""
    return visible_stores(user)


def _store_ids(user: User | AnonymousUser, codename: str) -> list[int] | None:
    """Stores where `user` holds `codename`: None for every store, else their ids.

    Literal ids rather than the `visible_store_ids` subquery: with one store PostgreSQL then
    walks the (store, created_at) index in order and stops after a page, where the subquery
    made it sort every row of the store first (240 ms at 200k rows, growing with the table).
    The answer comes from the same policy object, read once per request.
    """
    if not user.is_authenticated or not user.is_active:
        return []
    return store_permissions(user).store_ids_with(codename)


def _scoped(queryset: QuerySet[Transaction], ids: list[int] | None) -> QuerySet[Transaction]:
    return queryset if ids is None else queryset.filter(store_id__in=ids)


def transactions_visible(*, user: User | AnonymousUser) -> QuerySet[Transaction]:
    """Every transaction the user may see; anything else does not exist for them."""
    return _scoped(Transaction.objects.all(), _store_ids(user, "view_orders"))


# What a transaction list's row shows (`payments.grid`): the payload sent to the gateway and the
# rest are Transaction Details' (reading them for 50 rows was a tenth of the list).
LISTED_FIELDS = (
    *("uuid", "created_at", "store", "type", "is_online", "status", "amount", "currency"),
    *("order__number", "merchant_reference", "gateway_reference", "usage"),
)


def transaction_list(*, user: User | AnonymousUser) -> QuerySet[Transaction]:
    """The list's transactions, each with its order's number; their stores: `with_stores`."""
    return transactions_visible(user=user).select_related("order").only(*LISTED_FIELDS)


def with_stores(rows: Iterable[Transaction], *, stores: Iterable[Store]) -> None:
    """Each row's store from `stores`, those the user can view (so every visible row's), read
    once for the page: no join."""
    by_pk = {store.pk: store for store in stores}
    cache_store = Transaction.store.field.set_cached_value
    for row in rows:
        cache_store(row, by_pk[row.store_id])


def transactions_exportable(*, user: User | AnonymousUser) -> QuerySet[Transaction]:
    """Visible transactions of the stores where the user also holds `export_data`."""
    return _scoped(transactions_visible(user=user), _store_ids(user, "export_data"))


def user_can_export(*, user: User | AnonymousUser) -> bool:
    return _store_ids(user, "export_data") != []


def transaction_get(*, user: User | AnonymousUser, uuid: Any) -> Transaction:
    """The transaction with what its page and the operations registry read, or 404.

    Outside the user's stores a transaction is "not found", never "forbidden": a 403 would
    confirm that the UUID exists.
    """
    queryset = (
        transactions_visible(user=user)
        .select_related(
            "order",
            "store",
            "parent",
            "invoice",
            "credit_memo",
            "reason",
            "payment__order__store",
            "payment__gateway_account",
        )
        .prefetch_related("payment__transactions")
    )
    return get_object_or_404(queryset, uuid=uuid)


def reason_codes_of(*, stores: Iterable[Store]) -> list[ReasonCode]:
    """Every reason code of these stores, inactive ones included (older rows keep them)."""
    return list(
        ReasonCode.objects.filter(store__in=[s.pk for s in stores]).order_by("position", "id")
    )


def idempotency_key_used(*, key: str) -> bool:
    """A form submitted before: the service answers it again instead of acting twice."""
    return bool(key) and Transaction.objects.filter(idempotency_key=key).exists()


# Keyset pagination -------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    created_at: datetime
    pk: int

    def encode(self) -> str:
        micros = (self.created_at - EPOCH) // MICROSECOND
        return f"{micros}.{self.pk}"

    @classmethod
    def decode(cls, value: str | None) -> Cursor | None:
        if not value:
            return None
        try:
            micros, pk = (int(part) for part in value.split(".", 1))
            return cls(EPOCH + timedelta(microseconds=micros), pk)
        except (ValueError, OverflowError):
            return None

    @classmethod
    def of(cls, row: Transaction) -> Cursor:
        return cls(row.created_at, row.pk)


@dataclass(frozen=True)
class KeysetPage:
    rows: list[Transaction]
    next_cursor: str | None = None
    previous_cursor: str | None = None

    @property
    def is_first(self) -> bool:
        return self.previous_cursor is None


def keyset_page(
    queryset: QuerySet[Transaction],
    *,
    after: str | None = None,
    before: str | None = None,
    per_page: int = 50,
) -> KeysetPage:
    """Newest first. `after` walks to older rows, `before` back to newer ones.

    The `created_at <= cursor` bound is redundant with the OR that follows but lets the
    database start its index scan at the cursor instead of filtering from the newest row.
    """
    newer = Cursor.decode(before)
    older = Cursor.decode(after) if newer is None else None
    if newer is not None:
        bound = Q(created_at__gte=newer.created_at) & (
            Q(created_at__gt=newer.created_at) | Q(pk__gt=newer.pk)
        )
        rows = list(queryset.filter(bound).order_by("created_at", "id")[: per_page + 1])
        more_newer = len(rows) > per_page
        rows = rows[:per_page][::-1]
        return KeysetPage(
            rows=rows,
            next_cursor=Cursor.of(rows[-1]).encode() if rows else None,
            previous_cursor=Cursor.of(rows[0]).encode() if rows and more_newer else None,
        )
    if older is not None:
        queryset = queryset.filter(
            Q(created_at__lte=older.created_at)
            & (Q(created_at__lt=older.created_at) | Q(pk__lt=older.pk))
        )
    rows = list(queryset.order_by("-created_at", "-id")[: per_page + 1])
    more_older = len(rows) > per_page
    rows = rows[:per_page]
    return KeysetPage(
        rows=rows,
        next_cursor=Cursor.of(rows[-1]).encode() if rows and more_older else None,
        previous_cursor=Cursor.of(rows[0]).encode() if rows and older is not None else None,
    )


# Related transactions ---------------------------------------------------------------------


@dataclass
class TreeNode:
    transaction: Transaction
    children: list[TreeNode] = field(default_factory=list)
    depth: int = 0

    def walk(self) -> Iterator[TreeNode]:
        yield self
        for child in self.children:
            yield from child.walk()


def transaction_tree(*, transaction: Transaction) -> TreeNode:
    """The root ancestor of `transaction` with all its descendants, in one query.

    Parents and children always belong to the same order, so the order's transactions hold
    the whole family; building the tree in memory avoids one query per level.
    """
    family = {
        row.pk: row
        for row in Transaction.objects.filter(order_id=transaction.order_id)
        .select_related("actor")
        .order_by("created_at", "id")
    }
    family.setdefault(transaction.pk, transaction)
    root = transaction
    seen = {root.pk}
    while root.parent_id in family and root.parent_id not in seen:
        root = family[root.parent_id]
        seen.add(root.pk)

    children: dict[int, list[Transaction]] = {}
    for row in family.values():
        if row.parent_id is not None:
            children.setdefault(row.parent_id, []).append(row)

    def build(row: Transaction, depth: int) -> TreeNode:
        return TreeNode(row, [build(c, depth + 1) for c in children.get(row.pk, [])], depth)

    return build(root, 0)


# Export -----------------------------------------------------------------------------------

EXPORT_FIELDS = (
    "uuid",
    "created_at",
    "store__code",
    "order__number",
    "type",
    "status",
    "amount",
    "currency",
    "is_online",
    "gateway_reference",
    "merchant_reference",
    "usage",
    "parent__uuid",
    "actor_label",
    "source",
    # Added last so existing consumers of the file keep their columns where they were.
    "reason__code",
    "reason__label",
    "memo",
)


def transaction_export_rows(
    queryset: QuerySet[Transaction], *, chunk_size: int = 2000
) -> Iterable[ExportRow]:
    """Plain tuples straight from the cursor: no model instances for a million rows."""
    return (
        queryset.order_by("-created_at", "-id")
        .values_list(*EXPORT_FIELDS)
        .iterator(chunk_size=chunk_size)
    )
