"""Running a job: every row once, resumably, with its outcome recorded.

`job_run` may be called again for the same job (the task re-enqueued after a worker died, a
second worker picking the same job): rows already recorded are skipped, and a row recorded
by someone else meanwhile is not recorded twice (the (job, key) constraint, conflicts
ignored). The services the rows call are idempotent themselves (keys derived from the job and
the row), so a row done but not recorded before a crash is not done again either: its
service answers "already done".
"""

import logging

from django.db.models import Count
from django.utils import timezone

from backoffice.batch.results import ItemResult, Status, failed
from backoffice.job_models import ItemOutcome, Job, JobItem, JobStatus
from backoffice.jobs.registry import JobKind, job_kind

logger = logging.getLogger("backoffice.jobs")

OUTCOMES = {
    Status.DONE: ItemOutcome.DONE,
    Status.FAILED: ItemOutcome.FAILED,
    Status.SKIPPED: ItemOutcome.SKIPPED,
}
UNEXPECTED = "an unexpected error stopped this row; the job went on (see the server log)"


def job_run(*, job_id: int) -> Job:
    """Run (or resume) the job; returns it with its final counts."""
    job = Job.objects.select_related("created_by").get(pk=job_id)
    if job.status in (JobStatus.DONE, JobStatus.CANCELED):
        return job
    kind = job_kind(job.kind)
    started = job.started_at or timezone.now()
    total = kind.count(job) if kind.count is not None else job.total
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING,
        started_at=started,
        total=total,
        error="",
        heartbeat_at=timezone.now(),
    )
    job.total = total
    try:
        for chunk in kind.rows(job):
            if _canceled(job):
                return _refresh(job)
            _run_chunk(kind, job, chunk)
        _finish(kind, job)
    except Exception as exc:
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        _count(job, status=JobStatus.FAILED, error=f"The job stopped: {exc}")
        raise
    return _refresh(job)


def _run_chunk(kind: JobKind, job: Job, chunk) -> None:
    keyed = {kind.key(row): row for row in chunk}
    recorded = set(
        JobItem.objects.filter(job=job, key__in=list(keyed)).values_list("key", flat=True)
    )
    pending: list[JobItem] = []
    for key, row in keyed.items():
        if key in recorded:
            continue
        pending.append(_item(kind, job, row, key, _process(kind, job, row)))
        if not kind.bulk_record:
            _record(pending)
            pending = []
    _record(pending)
    _count(job)


def _item(kind: JobKind, job: Job, row, key: str, result: ItemResult) -> JobItem:
    return JobItem(
        job=job,
        key=key,
        label=kind.label(row)[:100],
        store_id=kind.store_id(row),
        outcome=OUTCOMES[result.status],
        reason=result.outcome[:100],
        message=result.message,
    )


def _record(items: list[JobItem]) -> None:
    """Insert the rows' results; one recorded meanwhile (a second worker) is kept as it is."""
    if items:
        JobItem.objects.bulk_create(items, ignore_conflicts=True)


def _process(kind: JobKind, job: Job, row) -> ItemResult:
    try:
        return kind.process(job, row)
    except Exception:
        logger.exception("Job %s (%s): row %s failed", job.pk, job.kind, kind.key(row))
        return failed("error", UNEXPECTED)


def _finish(kind: JobKind, job: Job) -> None:
    fields: dict = {}
    if kind.build_file is not None:
        keys = list(
            JobItem.objects.filter(job=job, outcome=ItemOutcome.DONE)
            .order_by("pk")
            .values_list("key", flat=True)
        )
        file = kind.build_file(job, keys) if keys else None
        if file is not None:
            fields = {"file_name": file.name, "file_type": file.content_type}
            fields["file_data"] = file.data
    _count(job, status=JobStatus.DONE, **fields)


def _count(job: Job, *, status: str | None = None, **fields) -> None:
    """The job's counts from its recorded rows; with `status`, the job ends with it."""
    counts = dict(
        JobItem.objects.filter(job=job)
        .values_list("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    values = {o.value: counts.get(o.value, 0) for o in ItemOutcome}
    seen = sum(values.values())
    update = {**values, **fields, "heartbeat_at": timezone.now()}
    if seen > job.total:
        update["total"] = seen
    if status is not None:
        update |= {"status": status, "finished_at": timezone.now()}
    Job.objects.filter(pk=job.pk).update(**update)


def _canceled(job: Job) -> bool:
    return Job.objects.filter(pk=job.pk, status=JobStatus.CANCELED).exists()


def _refresh(job: Job) -> Job:
    job.refresh_from_db()
    return job
