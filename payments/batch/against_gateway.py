"""`reconcile_payments --against-gateway`: each recent payment's ledger against the PSP's own
records (`payments.gateway_check`), printed with the batch jobs' console and summary.

Read only (a dry run by nature: nothing is claimed or written). A payment whose amounts differ
is a failed item (its line on stderr, exit status 1, so cron mails it); amounts still awaiting
an answer are "in flight", which `reconcile_payments` itself settles.
"""

import time
from datetime import datetime

from backoffice.batch.console import BatchConsole
from backoffice.batch.results import BatchReport, ItemResult, Status, failed, skipped
from payments.gateway_check import (
    PaymentCheck,
    Verdict,
    describe,
    payment_checks,
    payments_in_scope,
)

NAME = "reconcile_payments"
TITLE = "Ledger against the gateway"
NOUN = "payment"


def run_against_gateway(
    *,
    console: BatchConsole,
    store_code: str | None,
    since: datetime,
    limit: int | None,
    chunk_size: int,
) -> BatchReport:
    report = BatchReport(job=NAME, title=TITLE, noun=NOUN, dry_run=False)
    started = time.monotonic()
    payments = payments_in_scope(store_code=store_code, since=since)
    total = payments.count() if limit is None else min(payments.count(), limit)
    with console.progress(total, title=TITLE) as advance:
        for check in payment_checks(payments, limit=limit, chunk_size=chunk_size):
            result = item_result(check)
            report.add(result)
            console.item(label(check), result)
            advance()
    report.elapsed = time.monotonic() - started
    return report


def label(check: PaymentCheck) -> str:
    payment = check.payment
    reference = f" ({payment.gateway_reference})" if payment.gateway_reference else ""
    return f"#{payment.order.number} payment {payment.pk}{reference}"


def item_result(check: PaymentCheck) -> ItemResult:
    message = describe(check)
    match check.verdict:
        case Verdict.DIFFERS:
            return ItemResult(Status.FAILED, Verdict.DIFFERS, message, result="to look at")
        case Verdict.LOOKUP_FAILED:
            return failed(Verdict.LOOKUP_FAILED, message)
        case Verdict.AGREES:
            return ItemResult(Status.DONE, Verdict.AGREES, message, quiet=True)
        case Verdict.NOTHING_TO_COMPARE:
            return skipped(Verdict.NOTHING_TO_COMPARE, message, quiet=True)
        case Verdict.IN_FLIGHT:  # worth a line, not an alarm: reconcile_payments settles it
            return ItemResult(Status.SKIPPED, Verdict.IN_FLIGHT, message, result="awaiting")
        case _:
            return skipped(check.verdict, message)


def sentence(report: BatchReport) -> str:
    not_compared = report.count(Verdict.NOTHING_TO_COMPARE) + report.count(Verdict.CANNOT_COMPARE)
    return (
        f"Compared {report.seen} payment(s) with the gateway: "
        f"{report.count(Verdict.DIFFERS)} with differences, "
        f"{report.count(Verdict.IN_FLIGHT)} in flight, {not_compared} not compared, "
        f"{report.count(Verdict.LOOKUP_FAILED)} lookup error(s). Nothing was written."
    )


def failure_message(report: BatchReport) -> str:
    differs, errors = report.count(Verdict.DIFFERS), report.count(Verdict.LOOKUP_FAILED)
    parts = []
    if differs:
        parts.append(f"{differs} payment(s) differ from the gateway's records")
    if errors:
        parts.append(f"{errors} lookup(s) failed")
    return f"{' and '.join(parts)}; see the lines above."
