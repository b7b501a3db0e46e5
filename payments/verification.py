"""verify_ledger's read: every payment against its own ledger rows, in chunks."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from payments.ledger import compute_amounts
from payments.models import Payment, Transaction


@dataclass(frozen=True)
class PaymentDrift:
    """A payment whose cached amounts differ from its ledger: {field: (cached, ledger)}."""

    payment: Payment
    fields: dict[str, tuple[int, int]]


def payments_for_verification(*, store_code: str | None = None) -> QuerySet[Payment]:
    rows = Transaction.objects.only("payment_id", "type", "status", "amount")
    payments = Payment.objects.select_related("order", "order__store").prefetch_related(
        Prefetch("transactions", queryset=rows)
    )
    if store_code:
        payments = payments.filter(order__store__code=store_code)
    return payments.order_by("pk")


def ledger_drifts(
    *, payments: QuerySet[Payment], limit: int | None = None, chunk_size: int = 500
) -> Iterator[tuple[Payment, PaymentDrift | None]]:
    """Every payment with its drift (None when the cache equals the recompute), in chunks."""
    selected = payments[:limit] if limit else payments
    for payment in selected.iterator(chunk_size=chunk_size):
        amounts = compute_amounts(payment.transactions.all()).as_fields()
        drift = {
            name: (getattr(payment, name), value)
            for name, value in amounts.items()
            if getattr(payment, name) != value
        }
        yield payment, (PaymentDrift(payment, drift) if drift else None)
