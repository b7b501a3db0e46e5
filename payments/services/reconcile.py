"""Resolve unknown and pending transactions by asking the gateway with the same key.

A new key is never minted: `lookup(idempotency_key)` tells what became of the very request we
sent. Success settles it, decline or "no record" fails it and releases the reservation,
pending stays pending. The result is written by the same `record_outcome` as step 3 of every
operation, so history, recompute and order state are handled in one place.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from payments.enums import TransactionStatus
from payments.gateways import GatewayError, GatewayResult, GatewayStatus, gateway_for_payment
from payments.ledger import needs_review
from payments.models import Transaction
from payments.services._flow import in_flight_grace, record_outcome

S = TransactionStatus
_STATUS = {
    GatewayStatus.SUCCESS: S.SUCCESS,
    GatewayStatus.DECLINED: S.FAILED,
    GatewayStatus.PENDING: S.PENDING,
}
NO_RECORD = "the gateway has no record of it"


@dataclass(frozen=True)
class ReconcileChange:
    transaction: Transaction
    before: str
    after: str
    message: str
    error: str = ""  # the lookup itself failed: nothing changed, try again later

    @property
    def changed(self) -> bool:
        return self.before != self.after


def open_transactions(*, store_code: str | None = None) -> QuerySet[Transaction]:
    rows = Transaction.objects.filter(status__in=[S.PENDING, S.UNKNOWN], is_online=True)
    if store_code:
        rows = rows.filter(store__code=store_code)
    return rows.select_related("payment__gateway_account", "order", "store").order_by(
        "created_at", "pk"
    )


def transaction_reconcile(
    *,
    transaction: Transaction,
    dry_run: bool = False,
    now: datetime | None = None,
    grace: timedelta | None = None,
) -> ReconcileChange | None:
    """Ask the gateway about one open transaction; None when there is nothing to do yet.

    "No record" declares the request not applied only once it can no longer land: a pending
    row may be an operation talking to the gateway right now, and a timed-out (unknown) one
    may still reach the gateway late. Both wait `grace` after their last write; failing it
    sooner would release the reservation, and a retry under a new key could take the money
    twice.
    """
    txn = transaction
    if not txn.is_open:
        return None
    before = txn.status
    try:
        result = gateway_for_payment(txn.payment).lookup(idempotency_key=txn.idempotency_key)
    except GatewayError as exc:
        return ReconcileChange(txn, before, before, f"Lookup failed: {exc}", error=str(exc))
    if result is None:
        moment, wait = now or timezone.now(), in_flight_grace() if grace is None else grace
        if txn.updated_at > moment - wait:
            return None
        status, error = S.FAILED, NO_RECORD
    else:
        status = _STATUS[result.status]
        error = "" if status == S.SUCCESS else result.message
        if status == before == S.PENDING and needs_review(txn):
            return None
    if dry_run:
        return ReconcileChange(txn, before, status, _would(status, result))
    outcome = record_outcome(
        transaction_id=txn.pk,
        status=status,
        result=result,
        error=error,
        actor=None,
        via="Reconciliation",
    )
    return ReconcileChange(outcome.transaction, before, outcome.transaction.status, outcome.message)


def _would(status: str, result: GatewayResult | None) -> str:
    if result is None:
        return f"Would fail it: {NO_RECORD}."
    said = f" ({result.message})" if result.message else ""
    return f"Would mark it {status}: the gateway says {result.status}{said}."
