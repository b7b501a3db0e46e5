"""The invoices' side of the one recompute: paid and refunded amounts from the ledger.

Run by `payments.recompute.orders_payments_recompute` (through `payments.hooks`) right after
the payments' cached amounts, under the same order → payments lock and in the same
transaction, for one order or a batch job's chunk at once.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence

from django.db.models import F

from backoffice.bulk import bulk_set
from backoffice.money import format_money
from orders.enums import CommentSource, InvoiceState
from orders.history import comment_invoice
from orders.models import Invoice, InvoiceCapture, Order
from orders.order_amounts import unattached_free
from payments.enums import PAID_TYPES, TransactionStatus, TransactionType
from payments.models import Transaction

Attached = dict[int, list[tuple[Transaction, int]]]


def invoices_recompute(
    *, orders: Sequence[Order], rows_by_order: Mapping[int, list[Transaction]]
) -> dict[int, list[Invoice]]:
    """Each order's invoices from its ledger rows (`rows_by_order`: all of them, as they now
    stand); saves what changed and tells the history what unattached money now pays.

    Returns {order pk: its invoices, as they now stand}.
    """
    ids = [order.pk for order in orders]
    links: dict[int, list[InvoiceCapture]] = defaultdict(list)
    linked = InvoiceCapture.objects.filter(invoice__order_id__in=ids)
    for link in linked.annotate(order_pk=F("invoice__order_id")):
        links[link.order_pk].append(link)
    invoices: dict[int, list[Invoice]] = defaultdict(list)
    for invoice in Invoice.objects.filter(order_id__in=ids).order_by("created_at", "id"):
        invoices[invoice.order_id].append(invoice)
    changed: list[Invoice] = []
    told: list[tuple[Order, Invoice, list[tuple[Transaction, int]]]] = []
    for order in orders:
        changes, attachments = _invoices_recompute(
            order=order,
            invoices=invoices[order.pk],
            rows=list(rows_by_order.get(order.pk, [])),
            links=links[order.pk],
        )
        changed += changes
        told += attachments
    if changed:
        bulk_set(changed, ["amount_paid", "amount_refunded", "state"])
    for order, invoice, parts in told:
        _comment_attached(order=order, invoice=invoice, parts=parts)
    return invoices


def _invoices_recompute(
    *,
    order: Order,
    invoices: list[Invoice],
    rows: list[Transaction],
    links: list[InvoiceCapture],
) -> tuple[list[Invoice], list[tuple[Order, Invoice, list[tuple[Transaction, int]]]]]:
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


def _unattached_captures_attach(
    *,
    order: Order,
    invoices: list[Invoice],
    rows: list[Transaction],
    links: list[InvoiceCapture],
    paid: dict[int, int],
) -> Attached:
    """Link free unattached money to the open invoices (oldest first); updates `paid`."""
    linked: dict[int, int] = {}
    for link in links:
        linked[link.transaction_id] = linked.get(link.transaction_id, 0) + link.amount
    free = unattached_free(rows, linked)
    attached: Attached = {}
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


def _comment_attached(
    *, order: Order, invoice: Invoice, parts: list[tuple[Transaction, int]]
) -> None:
    what = ", ".join(
        f"{format_money(amount, order.currency)} of transaction {row.short_uuid}"
        for row, amount in parts
    )
    total = format_money(sum(amount for _row, amount in parts), order.currency)
    body = f"{total} already captured on the order pays invoice #{invoice.number} ({what})."
    if invoice.state == InvoiceState.PAID:
        body += " The invoice is paid."
    comment_invoice(order=order, invoice=invoice, body=body, source=CommentSource.SYSTEM)
