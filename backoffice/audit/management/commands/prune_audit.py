"""prune_audit --older-than 400d: delete audit events older than the retention period.

PCI DSS 10.5.1 keeps a year of audit history: a period under 365 days is refused (and the
database refuses to delete younger rows anyway, migration audit.0002).
"""

import re
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from backoffice.audit.models import AuditEvent

MINIMUM_DAYS = 365


def retention(text: str) -> timedelta:
    match = re.fullmatch(r"(\d+)d", text.strip())
    if not match:
        raise CommandError(f"--older-than takes a number of days such as 400d, not {text!r}.")
    days = int(match.group(1))
    if days < MINIMUM_DAYS:
        raise CommandError(
            f"--older-than must keep at least {MINIMUM_DAYS} days of audit history (got {days}d)."
        )
    return timedelta(days=days)


class Command(BaseCommand):
    help = "Delete audit events older than --older-than (at least 365d; e.g. 400d)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than", required=True, help="e.g. 400d")
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = timezone.now() - retention(options["older_than"])
        old = AuditEvent.objects.filter(occurred_at__lt=cutoff)
        if options["dry_run"]:
            self.stdout.write(
                f"Dry run: would delete {old.count()} audit event(s) before {cutoff:%Y-%m-%d}."
            )
            return
        deleted, _ = old.delete()
        self.stdout.write(f"Deleted {deleted} audit event(s) before {cutoff:%Y-%m-%d}.")
