from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from backoffice.batch.command import add_batch_arguments, warn_unknown_store
from orders.approvals.services import approval_requests_due, approval_requests_expire_due
from orders.models import ApprovalRequest
from orders.services.approval_requests import what_text, when_text


def describe(approval: ApprovalRequest) -> str:
    """ "#100000123 (eu) request 7: Refund of €600.00 requested by Finance (finance)"."""
    return (
        f"#{approval.order.number} ({approval.store.code}) request {approval.pk}: "
        f"{what_text(approval)} requested by {approval.requested_by_label}"
    )


def ended(approval: ApprovalRequest) -> str:
    return f"not decided by {when_text(approval.expires_at, approval.store)}"


class Command(BaseCommand):
    help = """Close the four-eyes approval requests nobody decided in time.

A refund or Mark as paid request expires REFUND_APPROVAL_TTL_HOURS after it was asked. Pages show
it as expired at once but never write; this command closes it: under its order's lock, the
request is read again (an approval, a rejection or a new request may have closed it meanwhile),
marked expired and written to the order's history, and what it reserved is released (a credit
memo awaiting approval is canceled). Run it every few minutes; a second run finds nothing to do.

One line per request, then one sentence. Exit status 1 when a request could not be closed (its
line says why; the others were), 2 for a bad option. --verbosity 0 prints only failures.
"""

    def add_arguments(self, parser: CommandParser) -> None:
        add_batch_arguments(parser, claims=False)

    def handle(self, *args: Any, **options: Any) -> None:
        store_code = options["store"] or None
        warn_unknown_store(self, store_code)
        now, limit = timezone.now(), options["limit"]
        self.quiet = options["verbosity"] == 0
        if options["dry_run"]:
            due = list(approval_requests_due(now=now, store_code=store_code, limit=limit))
            for approval in due:
                self._line(f"{describe(approval)}: would expire ({ended(approval)}).")
            self._line(
                f"Dry run: {len(due)} approval request(s) past their expiry would be closed; "
                "nothing was written."
            )
            return
        run = approval_requests_expire_due(now=now, store_code=store_code, limit=limit)
        for outcome in run.expired:
            self._line(f"{describe(outcome.approval)}: expired ({ended(outcome.approval)}).")
        for approval, why in run.failed:
            self.stderr.write(f"{describe(approval)}: not closed: {why}")
        orders = len({outcome.approval.order_id for outcome in run.expired})
        sentence = f"{len(run.expired)} approval request(s) expired on {orders} order(s)"
        if not run.failed:
            self._line(sentence + ".")
            return
        self.stdout.write(f"{sentence}; {len(run.failed)} could not be closed.")
        raise CommandError(
            f"{len(run.failed)} approval request(s) could not be closed; see the lines above.",
            returncode=1,
        )

    def _line(self, text: str) -> None:
        if not self.quiet:
            self.stdout.write(text)
