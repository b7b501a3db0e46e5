"""Starting a job: the row and its task, in one transaction."""

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from backoffice.job_models import Job
from backoffice.jobs.registry import job_kind
from backoffice.jobs.tasks import run_job
from backoffice.tasks import enqueue_with_transaction


def job_start(*, kind: str, user: User, params: dict[str, Any], title: str, total: int) -> Job:
    """Write the job (queued) and enqueue its task with it; the task runs it once committed."""
    job_kind(kind)  # KeyError for a kind no app registered, before anything is written
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind, title=title, created_by=user, params=params, total=total
        )
        enqueue_with_transaction(run_job, job.pk)
    return job
