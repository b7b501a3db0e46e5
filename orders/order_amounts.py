"""An order's amounts as its pages and registry read them: from rows already loaded.

Reads the order's prefetched `payments`, `transactions`, `invoices`, `items` and
`credit_memos` (no query when the page prefetched them; under the order lock when a service
asks). Nothing here writes.
"""

from collections.abc import Iterable

from django.utils import timezone

from orders.capture_plan import is_authorization
from orders.enums import InvoiceState
from orders.models import CreditMemo, Invoice, Order
from payments.enums import PAID_TYPES, PaymentAction, TransactionStatus, TransactionType
from payments.figures import OrderFigures, figures_of
from payments.models import Payment, Transaction
from payments.services.manual import MANUAL_GATEWAY


def order_payments(order: Order) -> list[Payment]:
    return list(order.payments.all())


def open_invoices(order: Order) -> list[Invoice]:
    return [inv for inv in order.invoices.all() if inv.state == InvoiceState.OPEN]


def qty_left_to_invoice(order: Order) -> int:
    return sum(item.qty_to_invoice for item in order.items.all())


def captured_at_checkout(order: Order) -> bool:
    """No authorization, and the money came as a sale at checkout (not a manual payment)."""
    payments = order_payments(order)
    return not any(map(is_authorization, payments)) and any(
        p.payment_action == PaymentAction.AUTHORIZE_CAPTURE and p.gateway != MANUAL_GATEWAY
        for p in payments
    )


def order_figures(order: Order) -> OrderFigures:
    """The order's money figures (`payments.figures`), as every page shows them."""
    return figures_of(order, now=timezone.now())


def open_capturable(order: Order) -> int:
    """Open to capture: what unexpired authorizations can still capture."""
    return order_figures(order).open_to_capture


def invoice_pending_capture(invoice: Invoice, rows: Iterable[Transaction] | None = None) -> int:
    """Captures of this invoice whose outcome is not known yet (their amount is reserved).

    `rows`: the order's transactions when already loaded (the order page prefetches them).
    """
    rows = invoice.transactions.all() if rows is None else rows
    return sum(
        t.amount
        for t in rows
        if t.invoice_id == invoice.pk
        and t.status in {TransactionStatus.PENDING, TransactionStatus.UNKNOWN}
        and t.type in {TransactionType.CAPTURE, TransactionType.MANUAL}
    )


def invoice_amount_to_capture(invoice: Invoice, rows: Iterable[Transaction] | None = None) -> int:
    if invoice.state != InvoiceState.OPEN:
        return 0
    pending = invoice_pending_capture(invoice, rows)
    return max(invoice.grand_total - invoice.amount_paid - pending, 0)


def outstanding_amount(order: Order) -> int:
    """Outstanding as the order page shows it (`payments.figures`): positive, to collect."""
    return order_figures(order).outstanding


def mark_as_paid_invoice(order: Order) -> Invoice | None:
    """Mark as paid pays the oldest open invoice first, so it doesn't stay open while the money
    it waits for is already recorded on the order."""
    rows = order.transactions.all()
    return next((inv for inv in open_invoices(order) if invoice_amount_to_capture(inv, rows)), None)


def mark_as_paid_limit(order: Order, invoice: Invoice | None) -> int:
    outstanding = outstanding_amount(order)
    if invoice is None:
        return outstanding
    return min(outstanding, invoice_amount_to_capture(invoice, order.transactions.all()))


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
            if capture_pk is not None:
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


def unattached_money(order: Order) -> int:
    """Money captured on the order that pays no invoice yet (a capture on Transaction Details,
    Mark as paid while no invoice was open): the next invoice is paid from it first.

    The recompute links such money to open invoices as soon as it arrives, so what is left
    here is owed to no open invoice. Reads the prefetched transactions and invoices.
    """
    rows = list(order.transactions.all())
    free = sum(unattached_free(rows, {}).values())
    own = sum(
        r.amount
        for r in rows
        if r.invoice_id is not None
        and r.type in PAID_TYPES
        and r.status == TransactionStatus.SUCCESS
    )
    linked = sum(inv.amount_paid for inv in order.invoices.all()) - own
    return max(free - max(linked, 0), 0)


def new_invoice_split(order: Order, total: int) -> tuple[int, int]:
    """(already captured money that pays a new invoice of `total`, what is left to capture)."""
    prepaid = min(unattached_money(order), max(total, 0))
    return prepaid, total - prepaid


def refund_facts(order: Order) -> tuple[list[Transaction], list[CreditMemo]]:
    """The order's ledger rows and credit memos (prefetched on the order page)."""
    return list(order.transactions.all()), list(order.credit_memos.all())
