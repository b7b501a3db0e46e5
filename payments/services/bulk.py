"""DESIGN.md's skeleton for a chunk of operations at once: how batch jobs keep up.

The same steps, rules, rows and history as `_flow` — each request re-checked by the registry
under the lock against the ledger, written with its own idempotency key, the gateway asked
outside any transaction, its answer recorded under the lock — but each step is done once for
a chunk of orders in a fixed number of statements instead of a dozen round trips per order:

1. The caller opens `atomic(durable=True)` and `orders.history.batched()`, locks the chunk
   (`payments.locks.lock_orders_and_payments`) and calls `open_many`: every request is
   re-checked (`_flow.recheck`); a refused one writes nothing and says why; the others' rows
   are inserted at once and every touched order recomputed at once (`orders_payments_recompute`,
   the one recompute). Offline rows are settled there and then, as `run_offline` does. The
   caller saves the chunk's orders (state, version) before committing.
2. `call_many`, outside any transaction: one `Gateway.capture_many` call per gateway account.
3. `record_many`, in a new transaction opened the same way: each answer written as
   `record_outcome` writes it (history, order version and state, the documents that follow:
   `payments.hooks`); the caller saves the orders again.

What the chunk path does not take (the caller leaves such items to the one-by-one services):
two requests on one payment, a new payment, a named parent or a Transaction ID, a key used
before (the one-by-one path replays it), online operations other than captures.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass

from backoffice.bulk import bulk_insert, bulk_set
from backoffice.errors import DomainError
from orders.models import Invoice, Order
from payments.enums import TransactionStatus, TransactionType
from payments.gateways import gateway_for_payment
from payments.gateways.base import CaptureRequest, GatewayError, GatewayResult
from payments.hooks import order_hooks
from payments.models import Transaction
from payments.recompute import orders_payments_recompute
from payments.services._flow import (
    MoneyRequest,
    new_transaction,
    read_answer,
    recheck,
    refresh_from_ledger,
)
from payments.services._outcome import ANSWER_FIELDS, after_outcome, apply_answer

logger = logging.getLogger("payments")
S = TransactionStatus


@dataclass(frozen=True)
class Opened:
    """Step 1 for one request: its row, or the refusal (nothing written), or `replayed`: the
    key was used before, so the one-by-one service must answer it as it did the first time."""

    transaction: Transaction | None = None
    refusal: DomainError | None = None
    replayed: bool = False


@dataclass(frozen=True)
class Answer:
    transaction: Transaction
    status: str
    result: GatewayResult | None
    error: str


def open_many(requests: list[MoneyRequest], *, orders: list[Order]) -> list[Opened]:
    """Step 1 for every request (one per payment), in the caller's locked transaction."""
    by_order = {order.pk: order for order in orders}
    used = set(
        Transaction.objects.filter(
            idempotency_key__in=[req.idempotency_key for req in requests]
        ).values_list("idempotency_key", flat=True)
    )
    opened: list[Opened] = []
    rows: list[Transaction] = []
    for req in requests:
        if req.new_payment or req.parent or req.merchant_reference:
            raise ValueError("The chunk path takes operations on an existing payment only.")
        if req.idempotency_key in used:
            opened.append(Opened(replayed=True))
            continue
        order = by_order[req.order_id]
        payment = next(p for p in order.payments.all() if p.pk == req.payment_id)
        refresh_from_ledger(payment)
        try:
            amount = recheck(req, order=order, payment=payment, parent=None)
        except DomainError as refusal:
            opened.append(Opened(refusal=refusal))
            continue
        row = new_transaction(req, order=order, payment=payment, parent=None, amount=amount)
        rows.append(row)
        opened.append(Opened(transaction=row))
    if len({row.payment_id for row in rows}) != len(rows):
        raise ValueError("The chunk path takes one operation per payment.")
    if rows:
        bulk_insert(rows)
        ledger = _Ledger(rows, by_order)
        _recompute(ledger)
        actors = {req.idempotency_key: req.actor for req in requests}
        settled = [row for row in rows if not row.is_open]
        for row, last in _last_of_order(settled):
            order = by_order[row.order_id]
            after_outcome(
                row,
                order,
                list(order.payments.all()),
                actor=actors[row.idempotency_key],
                from_gateway=False,
                open_rows=ledger.open_rows(order),
                save=False,
                sync_state=last,
            )
    return opened


def call_many(rows: list[Transaction]) -> list[Answer]:
    """Step 2 for pending captures: one batch call per gateway account, no transaction open."""
    # By (gateway, gateway account id): one batch call each.
    groups: dict[tuple[str, int | None], list[Transaction]] = defaultdict(list)
    for row in rows:
        if row.type != TransactionType.CAPTURE:
            raise ValueError("The chunk path calls the gateway for captures only.")
        groups[(row.payment.gateway, row.payment.gateway_account_id)].append(row)
    answers: dict[int, Answer] = {}
    for group in groups.values():
        requests = [
            CaptureRequest(
                reference=row.payment.gateway_reference,
                amount=row.amount,
                currency=row.currency,
                idempotency_key=row.idempotency_key,
            )
            for row in group
        ]
        try:
            replies = gateway_for_payment(group[0].payment).capture_many(requests)
        except Exception as exc:  # a bug in an adapter may still have moved money
            logger.exception("Batch capture failed for %d transactions", len(group))
            replies = [GatewayError(f"Unexpected error: {exc}")] * len(group)
        for row, reply in zip(group, replies, strict=True):
            answers[row.pk] = Answer(row, *read_answer(reply))
    return [answers[row.pk] for row in rows]


@dataclass(frozen=True)
class Recorded:
    rows: list[Transaction]  # the answered rows, as they now stand
    invoices: dict[int, list[Invoice]]  # {order pk: its invoices}, for the orders recomputed


def record_many(answers: list[Answer], *, orders: list[Order]) -> Recorded:
    """Step 3 in the caller's new locked transaction (`orders` from `lock_orders_and_payments`).

    A row another process resolved meanwhile (reconcile_payments) is left as it is.
    """
    by_order = {order.pk: order for order in orders}
    reply = {answer.transaction.pk: answer for answer in answers}
    # The rows as `lock_orders_and_payments` just read them, under the lock; their documents
    # are the ones step 1 wrote them with (a row's invoice and credit memo never change).
    locked = {
        row.pk: row
        for order in orders
        for payment in order.payments.all()
        for row in payment.transactions.all()
        if row.pk in reply
    }
    rows = [locked[pk] for pk in sorted(locked)]
    for row in rows:
        sent = reply[row.pk].transaction
        row.invoice = sent.invoice if sent.invoice_id else None
        row.credit_memo = sent.credit_memo if sent.credit_memo_id else None
    changed = [
        row
        for row in rows
        if row.is_open
        and apply_answer(
            row, status=reply[row.pk].status, result=reply[row.pk].result, error=reply[row.pk].error
        )
    ]
    if not changed:
        return Recorded(rows=rows, invoices={})
    bulk_set(changed, ANSWER_FIELDS)
    ledger = _Ledger(changed, by_order)
    invoices = _recompute(ledger)
    for row, last in _last_of_order(changed):
        order = by_order[row.order_id]
        payments = list(order.payments.all())
        row.payment = next(p for p in payments if p.pk == row.payment_id)
        after_outcome(
            row,
            order,
            payments,
            actor=None,
            from_gateway=True,
            open_rows=ledger.open_rows(order),
            save=False,
            sync_state=last,
        )
        order_hooks().money_resolved(row, order, actor=None, via="")
    return Recorded(rows=rows, invoices=invoices)


def _last_of_order(rows: list[Transaction]) -> list[tuple[Transaction, bool]]:
    """Each row grouped by order, and whether it is its order's last: the one-by-one path
    moves an order's state once its last operation is recorded, so the chunk does too."""
    by_order: dict[int, list[Transaction]] = defaultdict(list)
    for row in rows:
        by_order[row.order_id].append(row)
    return [(row, row is group[-1]) for group in by_order.values() for row in group]


def _recompute(ledger: "_Ledger") -> dict[int, list[Invoice]]:
    touched = ledger.touched
    return orders_payments_recompute(
        payments_by_order={order: list(order.payments.all()) for order in touched},
        save_orders=False,
        rows_by_order={order.pk: ledger.rows(order) for order in touched},
    )


class _Ledger:
    """The chunk's orders' ledger rows as they now stand: as loaded under the lock, with the
    chunk's own rows (new, or answered) in place of their loaded selves."""

    def __init__(self, fresh: list[Transaction], by_order: dict[int, Order]) -> None:
        self._fresh: dict[int, dict[int, Transaction]] = defaultdict(dict)
        for row in fresh:
            self._fresh[row.order_id][row.pk] = row
        self.touched = [by_order[pk] for pk in self._fresh]
        self._rows: dict[int, list[Transaction]] = {}

    def rows(self, order: Order) -> list[Transaction]:
        # The same rows each time (a row's status changes in place), so merged once per order.
        if order.pk not in self._rows:
            current = {row.pk: row for p in order.payments.all() for row in p.transactions.all()}
            current.update(self._fresh[order.pk])
            self._rows[order.pk] = sorted(current.values(), key=lambda row: row.pk)
        return self._rows[order.pk]

    def open_rows(self, order: Order) -> list[Transaction]:
        return [row for row in self.rows(order) if row.is_open]
