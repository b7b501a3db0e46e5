"""Write cached amounts from the ledger. Callers hold the order → payments lock."""

from django.db.models import Q, Sum
from django.utils import timezone

from payments.enums import TransactionStatus, TransactionType
from payments.ledger import aggregate_order_status, compute_amounts, compute_status
from payments.models import Payment, Transaction

PAID_TYPES = [
    TransactionType.CAPTURE,
    TransactionType.DEBIT,
    TransactionType.MANUAL,
    TransactionType.REBILL,
]


def payment_recompute(*, payment: Payment) -> Payment:
    """Rebuild one payment's cached amounts and status from its transactions and save."""
    rows = payment.transactions.only("type", "status", "amount")
    amounts = compute_amounts(rows)
    for field, value in amounts.as_fields().items():
        setattr(payment, field, value)
    payment.status = compute_status(
        amounts,
        amount_requested=payment.amount_requested,
        is_expired=payment.is_expired,
        expires_at=payment.expires_at,
        now=timezone.now(),
    )
    payment.save(update_fields=[*amounts.as_fields(), "status", "updated_at"])
    return payment


def order_payments_recompute(*, order) -> list[Payment]:
    """Recompute every payment of the order, its invoices' paid amounts and its payment status.

    Returns the order's payments (pk order) with their fresh cached amounts.
    """
    payments = list(order.payments.order_by("pk"))
    for payment in payments:
        payment_recompute(payment=payment)
    _invoices_recompute(order=order)
    order.payment_status = aggregate_order_status(
        [p.status for p in payments],
        grand_total=order.grand_total,
        captured=sum(p.amount_captured for p in payments),
        refunded=sum(p.amount_refunded for p in payments),
        authorized=sum(p.amount_authorized - p.amount_voided for p in payments),
    )
    type(order).objects.filter(pk=order.pk).update(payment_status=order.payment_status)
    return payments


def _invoices_recompute(*, order) -> None:
    success = Q(transactions__status=TransactionStatus.SUCCESS)
    invoices = order.invoices.annotate(
        paid=Sum("transactions__amount", filter=success & Q(transactions__type__in=PAID_TYPES)),
        refunded=Sum(
            "transactions__amount", filter=success & Q(transactions__type=TransactionType.REFUND)
        ),
    )
    for invoice in invoices:
        paid, refunded = invoice.paid or 0, invoice.refunded or 0
        if (paid, refunded) != (invoice.amount_paid, invoice.amount_refunded):
            invoice.amount_paid, invoice.amount_refunded = paid, refunded
            invoice.save(update_fields=["amount_paid", "amount_refunded"])


def ledger_drift(*, payment: Payment) -> dict[str, tuple[int, int]]:
    """Fields whose cached value differs from the ledger: {field: (cached, recomputed)}."""
    amounts = compute_amounts(Transaction.objects.filter(payment=payment))
    return {
        field: (getattr(payment, field), value)
        for field, value in amounts.as_fields().items()
        if getattr(payment, field) != value
    }
