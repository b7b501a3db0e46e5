"""`manage.py process_inbox`: enqueue every inbound event that is due (waiting to retry past
its time, or received without a task having taken it). Run it from cron every few minutes next
to the workers; the database backend also retries on its own with deferred tasks."""

from typing import Any

from django.core.management.base import BaseCommand

from payments.inbox.process import inbox_sweep


class Command(BaseCommand):
    help = "Enqueue the webhook inbox's due events for processing."

    def handle(self, *args: Any, **options: Any) -> None:
        count = inbox_sweep()
        self.stdout.write(f"{count} event{'s' if count != 1 else ''} enqueued.")
