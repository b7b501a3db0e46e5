"""Reads of jobs: only the owner's (or a superuser's); never writes."""

import csv
import io
from collections.abc import Iterator

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404

from backoffice.job_models import ItemOutcome, Job, JobItem

ROWS_SHOWN = 200
RESULT_COLUMNS = ["key", "label", "store", "outcome", "reason", "message", "finished_at"]


def jobs_visible_to(user: User | AnonymousUser) -> QuerySet[Job]:
    if not user.is_authenticated:
        return Job.objects.none()
    jobs = Job.objects.defer("file_data", "params")
    return jobs if user.is_superuser else jobs.filter(created_by_id=user.pk)


def job_for(*, user: User | AnonymousUser, job_id: int) -> Job:
    """The job, 404 when it is not the user's (a superuser sees every job)."""
    job = jobs_visible_to(user).select_related("created_by").filter(pk=job_id).first()
    if job is None:
        raise Http404("No such job.")
    return job


def job_file(*, user: User | AnonymousUser, job_id: int) -> Job:
    job = job_for(user=user, job_id=job_id)
    with_file = Job.objects.only("file_name", "file_type", "file_data").get(pk=job.pk)
    if not with_file.file_name:
        raise Http404("This job has no file.")
    return with_file


def job_rows(job: Job, *, limit: int = ROWS_SHOWN) -> list[JobItem]:
    """The rows shown on the progress page: failed first, then skipped, then done."""
    first = Case(
        When(outcome=ItemOutcome.FAILED, then=Value(0)),
        When(outcome=ItemOutcome.SKIPPED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    items = JobItem.objects.filter(job=job).select_related("store").order_by(first, "pk")
    return list(items[:limit])


def job_results_csv(job: Job) -> Iterator[str]:
    """Every row's result as CSV lines (streamed: a page of rows at a time)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: list) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line(RESULT_COLUMNS)
    items = JobItem.objects.filter(job=job).select_related("store").order_by("pk")
    for item in items.iterator(chunk_size=500):
        store = item.store.code if item.store else ""
        yield line(
            [
                item.key,
                item.label,
                store,
                item.outcome,
                item.reason,
                item.message,
                item.finished_at.isoformat(),
            ]
        )


def recent_jobs(user: User | AnonymousUser, *, limit: int = 50) -> list[Job]:
    return list(jobs_visible_to(user).select_related("created_by")[:limit])
