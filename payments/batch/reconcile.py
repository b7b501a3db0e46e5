"""reconcile_payments as a batch job: one open transaction at a time, through the runner.

The work itself is `payments.services.transaction_reconcile` (ask the gateway with the
transaction's own idempotency key, record the answer with the same `record_outcome` as every
operation's step 3); the runner adds claims, so two reconcilers never ask about the same row.
"""

from datetime import timedelta

from django.db.models import QuerySet

from backoffice.batch.results import BatchReport, ItemResult, done, failed, skipped
from backoffice.batch.runner import BatchJob
from backoffice.money import format_money
from payments.enums import TransactionStatus as S
from payments.models import Transaction
from payments.services.reconcile import ReconcileChange, open_transactions, transaction_reconcile

RESOLVED = "resolved"
WOULD_RESOLVE = "would resolve"
LOOKUP_FAILED = "lookup failed"
# What a transaction was resolved as, in the order the summary sentence lists them. A capture
# the gateway declined is resolved as failed: the job did its work (done, exit 0), but the
# summary keeps it apart from the money that came in.
RESOLVED_AS = (S.SUCCESS, S.FAILED, S.PENDING)


def resolved_as(verb: str, status: str) -> str:
    """The summary row: "resolved as failed", "would resolve as success"."""
    return f"{verb} as {status}"


class ReconcilePayments(BatchJob[Transaction]):
    name = "reconcile_payments"
    title = "Reconcile payments"
    noun = "open transaction"

    def __init__(self, *, store_code: str | None, grace: timedelta | None = None) -> None:
        self.store_code = store_code
        self.grace = grace

    def candidates(self, *, among: list[int] | None = None) -> QuerySet[Transaction]:
        rows = open_transactions(store_code=self.store_code)  # its own columns only
        return rows if among is None else rows.filter(pk__in=among)

    def label(self, item: Transaction) -> str:
        amount = format_money(item.amount, item.currency)
        return f"#{item.order.number} {item.get_type_display()} {item.uuid} {amount}"

    def process(self, item: Transaction, *, key: str) -> ItemResult:
        # The key of the original request, never a new one: `key` is not used here.
        return self._result(transaction_reconcile(transaction=item, grace=self.grace), RESOLVED)

    def preview(self, item: Transaction) -> ItemResult:
        change = transaction_reconcile(transaction=item, dry_run=True, grace=self.grace)
        return self._result(change, WOULD_RESOLVE)

    def _result(self, change: ReconcileChange | None, verb: str) -> ItemResult:
        if change is None:
            return skipped("nothing to do yet", "still with the gateway; asked later", quiet=True)
        txn = change.transaction
        message = f"{change.before} → {change.after}. {change.message}"
        if change.error:
            return failed(LOOKUP_FAILED, message, amount=txn.amount, currency=txn.currency)
        if change.changed:
            outcome = resolved_as(verb, change.after)
            return done(outcome, message, amount=txn.amount, currency=txn.currency)
        return skipped("still pending", message)

    def sentence(self, report: BatchReport) -> str:
        prefix, verb = ("Dry run: ", WOULD_RESOLVE) if report.dry_run else ("", RESOLVED)
        counts = [(status, report.count(resolved_as(verb, status))) for status in RESOLVED_AS]
        resolved = sum(count for _status, count in counts)
        split = ", ".join(f"{count} as {status}" for status, count in counts if count)
        return (
            f"{prefix}checked {report.seen} open transaction(s), {verb} {resolved}"
            f"{f' ({split})' if split else ''}, {report.count(LOOKUP_FAILED)} lookup error(s)."
        )
