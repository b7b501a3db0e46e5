"""The only writer of OrderComment: one creator function per kind of history entry.

The app never edits or deletes a comment; these functions only insert. Inside `batched()` (a
batch job settling a chunk of orders in one transaction) they queue the comments, and the block
inserts them all at once, in the order they were written.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.contrib.auth.models import User

from backoffice.audit.events import batched as audit_batched
from backoffice.bulk import bulk_insert
from backoffice.users import user_label
from orders.enums import CommentKind, CommentSource
from orders.models import CreditMemo, Invoice, Order, OrderComment

_queue: ContextVar[list[OrderComment] | None] = ContextVar("history_queue", default=None)


@contextmanager
def batched() -> Iterator[None]:
    """Queue the comments written in the block; one INSERT for all of them when it ends.

    Use inside the transaction that writes what they tell, so they land with it or not at all.
    """
    if _queue.get() is not None:
        yield  # already batching: the outer block inserts
        return
    queue: list[OrderComment] = []
    token = _queue.set(queue)
    try:
        with audit_batched():  # the money operations' audit rows: one INSERT too
            yield
    finally:
        _queue.reset(token)
    if queue:
        bulk_insert(queue)


def _add(
    *,
    order: Order,
    body: str,
    kind: str,
    source: str,
    author: User | None = None,
    is_customer_notified: bool = False,
    is_visible_on_front: bool = False,
    transaction=None,
    invoice: Invoice | None = None,
    credit_memo: CreditMemo | None = None,
    occurred_at: datetime | None = None,
    idempotency_key: str | None = None,
) -> OrderComment:
    comment = OrderComment(
        order=order,
        body=body,
        kind=kind,
        source=source,
        author=author if author is not None and author.is_authenticated else None,
        author_label=user_label(author),
        is_customer_notified=is_customer_notified,
        is_visible_on_front=is_visible_on_front,
        transaction=transaction,
        invoice=invoice,
        credit_memo=credit_memo,
        idempotency_key=idempotency_key,
    )
    queue = _queue.get()
    if queue is not None and occurred_at is None:
        queue.append(comment)
        return comment
    comment.save(force_insert=True)
    if occurred_at is not None:
        # Imports and demo data record when the event happened, not when it was loaded;
        # created_at is auto_now_add (a value passed to create() is ignored), so set it in the
        # same transaction as the insert.
        OrderComment.objects.filter(pk=comment.pk).update(created_at=occurred_at)
        comment.created_at = occurred_at
    return comment


def comment_note(
    *,
    order: Order,
    author: User | None,
    body: str,
    is_customer_notified: bool = False,
    is_visible_on_front: bool = False,
    source: str = CommentSource.UI,
    occurred_at: datetime | None = None,
) -> OrderComment:
    return _add(
        order=order,
        body=body,
        kind=CommentKind.NOTE,
        source=source,
        author=author,
        is_customer_notified=is_customer_notified,
        is_visible_on_front=is_visible_on_front,
        occurred_at=occurred_at,
    )


def comment_status(
    *,
    order: Order,
    body: str,
    author: User | None = None,
    source: str = CommentSource.SYSTEM,
    occurred_at: datetime | None = None,
) -> OrderComment:
    return _add(
        order=order,
        body=body,
        kind=CommentKind.STATUS,
        source=source,
        author=author,
        occurred_at=occurred_at,
    )


def comment_money(
    *,
    order: Order,
    kind: str,
    body: str,
    transaction=None,
    author: User | None = None,
    source: str = CommentSource.GATEWAY,
    invoice: Invoice | None = None,
    credit_memo: CreditMemo | None = None,
    occurred_at: datetime | None = None,
) -> OrderComment:
    """A Magento-style gateway message: what, how much, online/offline, references."""
    return _add(
        order=order,
        body=body,
        kind=kind,
        source=source,
        author=author,
        transaction=transaction,
        invoice=invoice,
        credit_memo=credit_memo,
        occurred_at=occurred_at,
    )


def comment_checkout(
    *,
    order: Order,
    kind: str,
    transaction,
    shop: str,
    gateway: str,
    accepted_at: datetime,
) -> tuple[OrderComment, OrderComment]:
    """A payment made at checkout, in two entries as Magento writes them with a gateway: the
    shop's (source system) when the order was placed, then the gateway's acceptance with its
    transaction ID (source gateway), never dated before the first."""
    placed = _add(
        order=order,
        body=shop,
        kind=kind,
        source=CommentSource.SYSTEM,
        transaction=transaction,
        invoice=transaction.invoice,
        occurred_at=order.placed_at,
    )
    accepted = _add(
        order=order,
        body=gateway,
        kind=kind,
        source=CommentSource.GATEWAY,
        transaction=transaction,
        invoice=transaction.invoice,
        occurred_at=max(accepted_at, order.placed_at),
    )
    return placed, accepted


def comment_invoice(
    *,
    order: Order,
    invoice: Invoice,
    body: str,
    author: User | None = None,
    source: str = CommentSource.UI,
    is_customer_notified: bool = False,
    idempotency_key: str | None = None,
) -> OrderComment:
    """An invoice's own history: created, captured in part, canceled, its staff comment, a copy
    e-mailed again (with its form's one-time key)."""
    return _add(
        order=order,
        body=body,
        kind=CommentKind.INVOICE,
        source=source,
        author=author,
        invoice=invoice,
        is_customer_notified=is_customer_notified,
        idempotency_key=idempotency_key,
    )


def comment_credit_memo(
    *,
    order: Order,
    credit_memo: CreditMemo,
    body: str,
    author: User | None = None,
    source: str = CommentSource.UI,
    is_customer_notified: bool = False,
    idempotency_key: str | None = None,
) -> OrderComment:
    """A credit memo's own history: created, refunded, failed or pending, its staff comment, a
    copy e-mailed again (with its form's one-time key)."""
    return _add(
        order=order,
        body=body,
        kind=CommentKind.CREDIT_MEMO,
        source=source,
        author=author,
        invoice=credit_memo.invoice,
        credit_memo=credit_memo,
        is_customer_notified=is_customer_notified,
        idempotency_key=idempotency_key,
    )


def comment_approval(
    *,
    order: Order,
    kind: str,
    body: str,
    author: User | None = None,
    source: str = CommentSource.UI,
    credit_memo: CreditMemo | None = None,
    transaction=None,
) -> OrderComment:
    """A four-eyes step (requested, approved, rejected, void, expired) of a refund or payment."""
    return _add(
        order=order,
        body=body,
        kind=kind,
        source=source if author is not None else CommentSource.SYSTEM,
        author=author,
        invoice=credit_memo.invoice if credit_memo is not None else None,
        credit_memo=credit_memo,
        transaction=transaction,
    )


def comment_edit(*, order: Order, author: User | None, body: str) -> OrderComment:
    """An order edit ("Order edited by finance: +1 × Simple product 1 ($56.00), …")."""
    return _add(
        order=order, body=body, kind=CommentKind.EDIT, source=CommentSource.UI, author=author
    )


def comment_payment_link(
    *,
    order: Order,
    body: str,
    kind: str = CommentKind.STATUS,
    author: User | None = None,
    transaction=None,
    is_customer_notified: bool = False,
) -> OrderComment:
    """A payment link's step: made, e-mailed (kind email), revoked, paid (kind authorization,
    with the authorization's transaction)."""
    return _add(
        order=order,
        body=body,
        kind=kind,
        source=CommentSource.UI if author is not None else CommentSource.SYSTEM,
        author=author,
        transaction=transaction,
        is_customer_notified=is_customer_notified,
    )
