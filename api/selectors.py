"""Reads of the API: a store's orders, one or a page at a time (never writing)."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils.dateparse import parse_datetime

from backoffice.models import Store
from orders.models import Order
from payments.enums import TransactionStatus, TransactionType
from payments.models import Transaction

MAX_LIMIT = 100


class BadCursor(ValueError):
    """A cursor this API did not hand out."""


def orders_for_api(store: Store) -> QuerySet[Order]:
    """The store's orders with what the API shows (and compares) prefetched: a fixed number
    of queries whatever the number of orders."""
    credit_memo_refunds = Transaction.objects.filter(
        type=TransactionType.REFUND,
        status=TransactionStatus.SUCCESS,
        credit_memo__isnull=False,
    )
    return (
        Order.objects.filter(store=store)
        .select_related("store")
        .prefetch_related(
            "items",
            "payments",
            "addresses",
            "edits",
            "payment_links",
            Prefetch("transactions", queryset=credit_memo_refunds),
        )
    )


def order_for_api(store: Store, number: str) -> Order | None:
    return orders_for_api(store).filter(number=number).first()


def order_by_number(number: str) -> Order | None:
    """An order of any store (the POST's "already exists" check), prefetched like the others."""
    order = Order.objects.filter(number=number).select_related("store").first()
    return order_for_api(order.store, number) if order is not None else None


@dataclass(frozen=True)
class Cursor:
    updated_at: datetime
    pk: int

    def encode(self) -> str:
        raw = json.dumps([self.updated_at.isoformat(), self.pk]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> "Cursor":
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            moment, pk = json.loads(raw)
            parsed = parse_datetime(moment)
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
            raise BadCursor(text) from exc
        if parsed is None or parsed.tzinfo is None or type(pk) is not int:
            raise BadCursor(text)
        return cls(parsed, pk)


@dataclass(frozen=True)
class OrderPageRows:
    orders: list[Order]
    next_cursor: Cursor | None


def orders_page(
    store: Store, *, updated_since: datetime | None, cursor: Cursor | None, limit: int
) -> OrderPageRows:
    """Orders by (updated_at, id), oldest change first: a storefront syncing changes keeps
    the last `next` and asks again later. One row more than the page tells if one follows."""
    rows = orders_for_api(store).order_by("updated_at", "id")
    if updated_since is not None:
        rows = rows.filter(updated_at__gte=updated_since)
    if cursor is not None:
        rows = rows.filter(
            Q(updated_at__gt=cursor.updated_at) | Q(updated_at=cursor.updated_at, id__gt=cursor.pk)
        )
    orders = list(rows[: limit + 1])
    if len(orders) <= limit:
        return OrderPageRows(orders, None)
    last = orders[limit - 1]
    return OrderPageRows(orders[:limit], Cursor(last.updated_at, last.pk))
