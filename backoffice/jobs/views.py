"""The jobs pages: the list of mine, a job's progress (polled by htmx while it runs), its
results as CSV and its file. Read only; the owner's jobs only (a superuser's: all)."""

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from backoffice.decorators import staff_required
from backoffice.http import StaffRequest
from backoffice.jobs import notice
from backoffice.jobs.registry import is_registered, job_kind
from backoffice.jobs.selectors import (
    ROWS_SHOWN,
    job_file,
    job_for,
    job_results_csv,
    job_rows,
    recent_jobs,
)

POLL_SECONDS = 2


@staff_required
@require_safe
def job_list(request: StaffRequest) -> HttpResponse:
    return render(request, "jobs/job_list.html", {"jobs": recent_jobs(request.user)})


@staff_required
@require_safe
def job_detail(request: StaffRequest, job_id: int) -> HttpResponse:
    """The progress page; an htmx poll gets only its progress section, which stops polling
    once the job has finished."""
    job = job_for(user=request.user, job_id=job_id)
    notice.seen(request, job)
    kind = job_kind(job.kind) if is_registered(job.kind) else None
    row_url = kind.row_url if kind is not None else None
    rows = [(item, row_url(item.key) if row_url else "") for item in job_rows(job)]
    context = {
        "job": job,
        "rows": rows,
        "back_url": kind.back_url if kind is not None else "",
        "rows_shown": ROWS_SHOWN,
        "makes_file": kind is not None and kind.makes_file,
        "noun": kind.noun if kind is not None else "row",
        "poll_seconds": POLL_SECONDS,
    }
    template = "jobs/job_detail.html"
    if request.htmx:
        template += "#progress"
    return render(request, template, context)


@staff_required
@require_safe
def job_results(request: StaffRequest, job_id: int) -> StreamingHttpResponse:
    job = job_for(user=request.user, job_id=job_id)
    response = StreamingHttpResponse(job_results_csv(job), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="job-{job.pk}-results.csv"'
    return response


@staff_required
@require_safe
def job_download(request: StaffRequest, job_id: int) -> HttpResponse:
    job = job_file(user=request.user, job_id=job_id)
    response = HttpResponse(bytes(job.file_data or b""), content_type=job.file_type)
    response["Content-Disposition"] = f'attachment; filename="{job.file_name}"'
    return response
