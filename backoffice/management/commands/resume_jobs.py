"""resume_jobs: enqueue again the background jobs a worker left unfinished.

A job is queued or running with no sign of life (`Job.heartbeat_at`, written at its start and
after each chunk) for `--stale-minutes` (30 by default): its worker died or its task was lost.
Its task is enqueued again; the job resumes where it stopped (rows already recorded are never
done again: `backoffice.jobs.runner`). Run it from cron, like reconcile_payments.
"""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Q
from django.utils import timezone

from backoffice.job_models import ACTIVE_STATUSES, Job
from backoffice.jobs.tasks import run_job
from backoffice.tasks import enqueue_with_transaction


class Command(BaseCommand):
    help = "Enqueue again the jobs left queued or running without progress (a worker died)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stale-minutes", type=int, default=30, help="default 30")
        parser.add_argument("--dry-run", action="store_true", help="list them, enqueue nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = timezone.now() - timedelta(minutes=max(options["stale_minutes"], 1))
        quiet = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
        stale = list(Job.objects.filter(quiet, status__in=ACTIVE_STATUSES).order_by("pk"))
        for job in stale:
            seen = job.done + job.failed + job.skipped
            what = f"job {job.pk} ({job.title}): {job.status}, {seen} of {job.total} rows done"
            if options["dry_run"]:
                self.stdout.write(f"Would resume {what}.")
                continue
            enqueue_with_transaction(run_job, job.pk)
            self.stdout.write(f"Resumed {what}.")
        verb = "would be resumed" if options["dry_run"] else "resumed"
        self.stdout.write(f"{len(stale)} job(s) {verb}.")
