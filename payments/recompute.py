"""Write cached amounts from the ledger. Callers hold the order → payments lock."""

from collections import defaultdict
from collections.abc import Mapping

from django.db.models import F
from django.utils import timezone

from backoffice.bulk import bulk_set
from backoffice.money import format_money
from orders.enums import InvoiceState
from payments.enums import TransactionStatus, TransactionType
from payments.ledger import aggregate_order_status, compute_amounts, compute_status
from payments.models import Payment, Transaction

PAID_TYPES = [
    TransactionType.CAPTURE,
    TransactionType.DEBIT,
    TransactionType.MANUAL,
    TransactionType.REBILL,
]
_ROW_FIELDS = (
    "pk",
    "uuid",
    "payment_id",
    "order_id",
    "type",
    "status",
    "amount",
    "invoice_id",
    "parent_id",
    "created_at",
)
_PAYMENT_FIELDS = [*compute_amounts(()).as_fields(), "status", "updated_at"]


def order_payments_recompute(*, order) -> list[Payment]:
    """Recompute every payment of the order, its invoices' paid amounts and its payment status.

    Returns the order's payments (pk order) with their fresh cached amounts.
    """
    payments = list(order.payments.order_by("pk"))
    orders_payments_recompute(payments_by_order={order: payments})
    return payments


def orders_payments_recompute(
    *,
    payments_by_order: Mapping,
    save_orders: bool = True,
    rows_by_order: Mapping[int, list[Transaction]] | None = None,
) -> dict[int, list]:
    """`order_payments_recompute` for many orders at once, in a fixed number of queries.

    `payments_by_order`: {order: its payments}, every row locked by the caller; the instances
    are updated in place. A batch job settles a chunk of orders with it, and the single-order
    function above is this one with one order, so both share every rule. `save_orders=False`:
    the caller saves the orders' `payment_status` with the rest of their changes (an order row
    has many indexes: one UPDATE rather than two). `rows_by_order`: {order pk: all its ledger
    rows as they now stand}, when the caller holds them (read here otherwise).
    Returns {order pk: its invoices, as they now stand}.
    """
    from orders.models import Invoice, InvoiceCapture

    ids = [order.pk for order in payments_by_order]
    rows = defaultdict(list)
    if rows_by_order is None:
        ledger = Transaction.objects.filter(order_id__in=ids).only(*_ROW_FIELDS).order_by("pk")
        for row in ledger:
            rows[row.order_id].append(row)
    else:
        rows.update(rows_by_order)
    links = defaultdict(list)
    linked = InvoiceCapture.objects.filter(invoice__order_id__in=ids)
    for link in linked.annotate(order_pk=F("invoice__order_id")):
        links[link.order_pk].append(link)
    invoices = defaultdict(list)
    for invoice in Invoice.objects.filter(order_id__in=ids).order_by("created_at", "id"):
        invoices[invoice.order_id].append(invoice)
    now = timezone.now()
    changed_payments: list[Payment] = []
    changed_invoices: list = []
    attached: list = []
    for order, payments in payments_by_order.items():
        by_payment = defaultdict(list)
        for row in rows[order.pk]:
            by_payment[row.payment_id].append(row)
        for payment in payments:
            if _payment_apply(payment, by_payment[payment.pk], now=now):
                payment.updated_at = now
                changed_payments.append(payment)
        changes, attachments = _invoices_recompute(
            order=order, invoices=invoices[order.pk], rows=rows[order.pk], links=links[order.pk]
        )
        changed_invoices += changes
        attached += attachments
        order.payment_status = aggregate_order_status(
            [p.status for p in payments],
            grand_total=order.grand_total,
            captured=sum(p.amount_captured for p in payments),
            refunded=sum(p.amount_refunded for p in payments),
            authorized=sum(p.amount_authorized - p.amount_voided for p in payments),
            charged_back=sum(p.amount_charged_back for p in payments),
        )
    if changed_payments:
        bulk_set(changed_payments, _PAYMENT_FIELDS)
    if changed_invoices:
        bulk_set(changed_invoices, ["amount_paid", "amount_refunded", "state"])
    if save_orders:
        # Always written: an order instance handed in may be older than its row.
        bulk_set(list(payments_by_order), ["payment_status"])
    for order, invoice, parts in attached:
        _comment_attached(order=order, invoice=invoice, parts=parts)
    return invoices


def _payment_apply(payment: Payment, rows: list[Transaction], *, now) -> bool:
    """Set the payment's cached amounts and status from its rows; True when any changed."""
    amounts = compute_amounts(rows)
    fresh = {
        **amounts.as_fields(),
        "status": compute_status(
            amounts,
            amount_requested=payment.amount_requested,
            is_expired=payment.is_expired,
            expires_at=payment.expires_at,
            now=now,
        ),
    }
    changed = any(getattr(payment, name) != value for name, value in fresh.items())
    for name, value in fresh.items():
        setattr(payment, name, value)
    return changed


def _invoices_recompute(*, order, invoices: list, rows: list, links: list) -> tuple[list, list]:
    """Each invoice's paid and refunded amounts, after unattached money paid the open ones.

    Paid = its own successful captures (rows whose `invoice` is the invoice) + the money of the
    order's unattached captures linked to it (`orders.InvoiceCapture`). Money captured without
    an invoice (Transaction Details, Mark as paid while no invoice was open) pays open invoices,
    oldest invoice first, from the oldest unattached captures, up to what each still owes
    beyond its own pending captures. The link is a separate row with its amount, written once
    and never changed, so a capture can pay several invoices in part and the ledger rows keep
    their amounts, their `invoice` and their history; the same rule serves both orders of
    events (capture first, then New Invoice; or an open invoice, then a capture).

    Returns the invoices whose fields changed (to save) and the (order, invoice, parts) whose
    new links the history must tell (after the save).
    """
    paid = {inv.pk: 0 for inv in invoices}
    refunded = dict(paid)
    for row in rows:
        if row.invoice_id in paid and row.status == TransactionStatus.SUCCESS:
            if row.type in PAID_TYPES:
                paid[row.invoice_id] += row.amount
            elif row.type == TransactionType.REFUND:
                refunded[row.invoice_id] += row.amount
    for link in links:
        paid[link.invoice_id] += link.amount
    attached = _unattached_captures_attach(
        order=order, invoices=invoices, rows=rows, links=links, paid=paid
    )
    changed = []
    for invoice in invoices:
        fresh = (paid[invoice.pk], refunded[invoice.pk])
        newly_paid = (
            invoice.pk in attached
            and invoice.state == InvoiceState.OPEN
            and fresh[0] >= invoice.grand_total
        )
        if fresh == (invoice.amount_paid, invoice.amount_refunded) and not newly_paid:
            continue
        invoice.amount_paid, invoice.amount_refunded = fresh
        if newly_paid:
            invoice.state = InvoiceState.PAID
        changed.append(invoice)
    told = [(order, inv, attached[inv.pk]) for inv in invoices if inv.pk in attached]
    return changed, told


def unattached_free(rows: list[Transaction], linked: dict[int, int]) -> dict[Transaction, int]:
    """What each successful capture without an invoice still has to pay invoices with: its
    amount less what is linked to invoices, refunded or being refunded outside any invoice, and
    charged back (net of reversals). `linked`: {transaction pk: amount linked}. Oldest first."""
    free: dict[Transaction, int] = {}
    by_pk = {row.pk: row for row in rows}
    taken: dict[int, int] = {}
    for row in rows:
        if row.parent_id is None or row.status == TransactionStatus.FAILED:
            continue
        refund = row.type == TransactionType.REFUND and row.invoice_id is None
        chargeback = row.type == TransactionType.CHARGEBACK
        if refund or (chargeback and row.status == TransactionStatus.SUCCESS):
            taken[row.parent_id] = taken.get(row.parent_id, 0) + row.amount
        elif row.type == TransactionType.CHARGEBACK_REVERSAL and (
            row.status == TransactionStatus.SUCCESS and row.parent_id in by_pk
        ):
            capture_pk = by_pk[row.parent_id].parent_id
            taken[capture_pk] = taken.get(capture_pk, 0) - row.amount
    cash_in = sorted(
        (
            row
            for row in rows
            if row.invoice_id is None
            and row.type in PAID_TYPES
            and row.status == TransactionStatus.SUCCESS
        ),
        key=lambda row: (row.created_at, row.pk),
    )
    for row in cash_in:
        left = row.amount - linked.get(row.pk, 0) - max(taken.get(row.pk, 0), 0)
        if left > 0:
            free[row] = left
    return free


def _unattached_captures_attach(
    *, order, invoices: list, rows: list[Transaction], links: list, paid: dict[int, int]
) -> dict[int, list[tuple[Transaction, int]]]:
    """Link free unattached money to the open invoices (oldest first); updates `paid`."""
    from orders.models import InvoiceCapture

    linked: dict[int, int] = {}
    for link in links:
        linked[link.transaction_id] = linked.get(link.transaction_id, 0) + link.amount
    free = unattached_free(rows, linked)
    attached: dict[int, list[tuple[Transaction, int]]] = {}
    if not free:
        return attached
    open_capture = {TransactionStatus.PENDING, TransactionStatus.UNKNOWN}
    for invoice in invoices:
        if invoice.state != InvoiceState.OPEN:
            continue
        pending = sum(
            row.amount
            for row in rows
            if row.invoice_id == invoice.pk
            and row.type in PAID_TYPES
            and row.status in open_capture
        )
        need = invoice.grand_total - paid[invoice.pk] - pending
        for row, left in free.items():
            if need <= 0:
                break
            take = min(left, need)
            if take <= 0:
                continue
            InvoiceCapture.objects.create(invoice=invoice, transaction=row, amount=take)
            free[row] -= take
            need -= take
            paid[invoice.pk] += take
            attached.setdefault(invoice.pk, []).append((row, take))
    return attached


def _comment_attached(*, order, invoice, parts: list[tuple[Transaction, int]]) -> None:
    from orders.enums import CommentSource
    from orders.history import comment_invoice

    what = ", ".join(
        f"{format_money(amount, order.currency)} of transaction {row.short_uuid}"
        for row, amount in parts
    )
    total = format_money(sum(amount for _row, amount in parts), order.currency)
    body = f"{total} already captured on the order pays invoice #{invoice.number} ({what})."
    if invoice.state == InvoiceState.PAID:
        body += " The invoice is paid."
    comment_invoice(order=order, invoice=invoice, body=body, source=CommentSource.SYSTEM)


def ledger_drift(*, payment: Payment) -> dict[str, tuple[int, int]]:
    """Fields whose cached value differs from the ledger: {field: (cached, recomputed)}."""
    amounts = compute_amounts(Transaction.objects.filter(payment=payment))
    return {
        field: (getattr(payment, field), value)
        for field, value in amounts.as_fields().items()
        if getattr(payment, field) != value
    }
