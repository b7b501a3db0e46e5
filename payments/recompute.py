"""Write cached amounts from the ledger. Callers hold the order → payments lock.

The payments' cached amounts and the order's payment status are written here; the documents'
side (invoices' paid and refunded amounts) by the orders layer, in the same call
(`payments.hooks.OrderHooks.documents_recompute`).
"""

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from backoffice.bulk import bulk_set
from payments.hooks import order_hooks
from payments.ledger import aggregate_order_status, compute_amounts, compute_status
from payments.models import Payment, Transaction

if TYPE_CHECKING:
    from orders.models import Invoice, Order
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


def order_payments_recompute(*, order: "Order") -> list[Payment]:
    """Recompute every payment of the order, its invoices' paid amounts and its payment status.

    Returns the order's payments (pk order) with their fresh cached amounts.
    """
    payments = list(order.payments.order_by("pk"))
    orders_payments_recompute(payments_by_order={order: payments})
    return payments


def orders_payments_recompute(
    *,
    payments_by_order: Mapping["Order", list[Payment]],
    save_orders: bool = True,
    rows_by_order: Mapping[int, list[Transaction]] | None = None,
) -> dict[int, list["Invoice"]]:
    """`order_payments_recompute` for many orders at once, in a fixed number of queries.

    `payments_by_order`: {order: its payments}, every row locked by the caller; the instances
    are updated in place. A batch job settles a chunk of orders with it, and the single-order
    function above is this one with one order, so both share every rule. `save_orders=False`:
    the caller saves the orders' `payment_status` with the rest of their changes (an order row
    has many indexes: one UPDATE rather than two). `rows_by_order`: {order pk: all its ledger
    rows as they now stand}, when the caller holds them (read here otherwise).
    Returns {order pk: its invoices, as they now stand}.
    """
    ids = [order.pk for order in payments_by_order]
    rows: dict[int, list[Transaction]] = defaultdict(list)
    if rows_by_order is None:
        ledger = Transaction.objects.filter(order_id__in=ids).only(*_ROW_FIELDS).order_by("pk")
        for row in ledger:
            rows[row.order_id].append(row)
    else:
        rows.update(rows_by_order)
    now = timezone.now()
    changed_payments: list[Payment] = []
    for order, payments in payments_by_order.items():
        by_payment: dict[int, list[Transaction]] = defaultdict(list)
        for row in rows[order.pk]:
            by_payment[row.payment_id].append(row)
        for payment in payments:
            if _payment_apply(payment, by_payment[payment.pk], now=now):
                payment.updated_at = now
                changed_payments.append(payment)
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
    if save_orders:
        # Always written: an order instance handed in may be older than its row.
        bulk_set(list(payments_by_order), ["payment_status"])
    return order_hooks().documents_recompute(orders=list(payments_by_order), rows_by_order=rows)


def _payment_apply(payment: Payment, rows: list[Transaction], *, now: datetime) -> bool:
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


def ledger_drift(*, payment: Payment) -> dict[str, tuple[int, int]]:
    """Fields whose cached value differs from the ledger: {field: (cached, recomputed)}."""
    amounts = compute_amounts(Transaction.objects.filter(payment=payment))
    return {
        field: (getattr(payment, field), value)
        for field, value in amounts.as_fields().items()
        if getattr(payment, field) != value
    }
