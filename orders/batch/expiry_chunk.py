"""expire_authorizations for a claimed chunk of orders at once: the common case, fast.

Most expired authorizations are past their gateway account's validity: nothing to ask the
gateway, only an offline reversal to record. For those orders this does in one transaction,
in a fixed number of statements, exactly what `ExpireAuthorizations.process` does for one
order in several: the same re-check under the lock, the same history (what expired, what was
canceled, the reversal, the state change), the same rows with the same idempotency keys
(`payments.services.bulk`, the money engine's skeleton for a chunk).

Orders that need more are left to `process`, one by one: an online void (the gateway may
still hold the money), an open invoice to cancel, an operation still waiting for its answer.
When anything in the chunk fails, its transaction rolls back and the runner processes every
order of the chunk one by one: nothing is written twice, nothing lost.
"""

from dataclasses import dataclass
from typing import Protocol

from django.db import transaction
from django.utils import timezone

from backoffice.batch.results import ItemResult
from backoffice.bulk import bulk_set
from orders import history
from orders.batch.expiry_documents import canceled_documents
from orders.batch.expiry_plan import (
    BATCH,
    Plan,
    Release,
    Released,
    cancel_if_nothing_left,
    cancels_order,
    expiry_comment,
)
from orders.enums import CommentKind, CommentSource, InvoiceState, OrderState
from orders.models import Order, OrderItem
from orders.services.state import orders_save_chunk
from payments.locks import lock_orders_and_payments
from payments.models import Payment
from payments.services.bulk import open_many
from payments.services.void import void_request


class ExpiryJob(Protocol):
    """What this module asks of the job (`ExpireAuthorizations`): its keys, what has expired
    and the re-check under the lock, the result line."""

    def key(self, item: Order) -> str: ...

    def releases_of(self, order: Order, payments: list[Payment]) -> list[Release]: ...

    def recheck(self, order: Order, releases: list[Release]) -> ItemResult | None: ...

    def outcome_of(self, plan: Plan, results: list[Released], canceled: bool) -> ItemResult: ...


@dataclass
class _Order:
    plan: Plan
    payments: list[Payment]
    items: list[OrderItem]


def expire_chunk(job: ExpiryJob, claimed: list[Order]) -> dict[int, ItemResult]:
    """{order pk: result} for the orders settled here; the others go one by one."""
    settled: dict[int, ItemResult] = {}
    with transaction.atomic(durable=True), history.batched():
        orders = lock_orders_and_payments(
            [order.pk for order in claimed], related=("items", "invoices")
        )
        planned: list[_Order] = []
        for order in orders:
            payments = list(order.payments.all())
            releases = job.releases_of(order, payments)
            if (verdict := job.recheck(order, releases)) is not None:
                settled[order.pk] = verdict
            elif _offline_only(order, payments, releases):
                planned.append(_prepare(order, payments, releases))
        if not planned:
            return settled
        marked = [
            r.payment.pk for p in planned for r in p.plan.releases if not r.payment.is_expired
        ]
        # A fact, not a cached amount: nothing may capture them from now on; the reversals'
        # recompute below gives them their status.
        Payment.objects.filter(pk__in=marked).update(is_expired=True, updated_at=timezone.now())
        for entry in planned:
            for release in entry.plan.releases:
                release.payment.is_expired = True
        requests = [
            void_request(
                payment=release.payment,
                actor=None,
                idempotency_key=f"{job.key(entry.plan.order)}:{release.payment.pk}:expired",
                online=False,
                source=BATCH,
                memo=f"Authorization expired on {release.expired_on}.",
            )
            for entry in planned
            for release in entry.plan.releases
        ]
        opened = iter(open_many(requests, orders=[entry.plan.order for entry in planned]))
        for entry in planned:
            results = [_released(release, next(opened)) for release in entry.plan.releases]
            order = entry.plan.order
            canceled = order.state == OrderState.CANCELED
            if not canceled and entry.plan.cancels_order and all(r.how for r in results):
                canceled = cancel_if_nothing_left(order, entry.payments, save=False)
            settled[order.pk] = job.outcome_of(entry.plan, results, canceled)
        orders_save_chunk([entry.plan.order for entry in planned])
        items = [item for entry in planned for item in entry.items]
        if items:
            bulk_set(items, ["qty_canceled"])
    return settled


def _offline_only(order: Order, payments: list[Payment], releases: list[Release]) -> bool:
    """Only offline reversals to record: nothing to ask the gateway, no invoice to cancel, no
    operation of the order still waiting for its answer."""
    if any(release.online for release in releases):
        return False
    if any(invoice.state == InvoiceState.OPEN for invoice in order.invoices.all()):
        return False
    return not any(row.is_open for p in payments for row in p.transactions.all())


def _prepare(order: Order, payments: list[Payment], releases: list[Release]) -> _Order:
    """`ExpireAuthorizations._prepare`'s writes for one order, in memory and queued."""
    sentences = [expiry_comment(r) for r in releases if not r.payment.is_expired]
    cancels = cancels_order(payments, releases)
    documents, items = "", []
    if cancels:
        units = 0
        for item in order.items.all():
            if item.qty_to_invoice:
                units += item.qty_to_invoice
                item.qty_canceled = item.qty_ordered - item.qty_invoiced
                items.append(item)
        documents, sentence = canceled_documents([], units)
        sentences += [sentence] if sentence else []
    if sentences:
        history.comment_money(
            order=order,
            kind=CommentKind.AUTHORIZATION,
            body=" ".join(sentences),
            source=CommentSource.BATCH,
        )
    order.version += 1  # forms opened before this are stale now
    plan = Plan(order=order, releases=releases, cancels_order=cancels, documents=documents)
    return _Order(plan=plan, payments=payments, items=items)


def _released(release: Release, opened) -> Released:
    if opened.refusal is not None:
        return Released(release, problem=opened.refusal.message)
    # Written now, or by an earlier run under the same key: released either way.
    return Released(release, how="offline")
