"""Exports of the filtered transaction list: CSV streamed row by row, or an Excel workbook.

Up to `settings.EXPORT_SYNC_MAX_ROWS` rows (default 10,000) are answered at once; a larger
export answers a page offering to narrow it or to run it in the background
(`payments.export_jobs`: a POST starts the job, then its progress page and "Export ready").
"""

import tempfile
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Max, QuerySet
from django.http import FileResponse, HttpResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from backoffice.audit.events import EXPORT, record_event
from backoffice.decorators import operation_view, staff_required
from backoffice.http import StaffRequest
from backoffice.job_models import Job
from backoffice.jobs import notice
from backoffice.jobs.services import job_start
from payments import selectors
from payments.export_csv import csv_lines
from payments.export_jobs import FORMATS, KIND, exportable, job_params
from payments.export_xlsx import write_xlsx
from payments.models import Transaction

NO_PERMISSION = "You don't have permission to export transactions."
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT_SYNC_MAX_ROWS = 10_000


def sync_max_rows() -> int:
    return int(getattr(settings, "EXPORT_SYNC_MAX_ROWS", DEFAULT_SYNC_MAX_ROWS))


def _exportable(request: StaffRequest, query: QueryDict) -> QuerySet[Transaction]:
    if not selectors.user_can_export(user=request.user):
        raise PermissionDenied(NO_PERMISSION)
    return exportable(user=request.user, query=query)


def _too_large(
    request: StaffRequest, queryset: QuerySet[Transaction], fmt: str
) -> HttpResponse | None:
    """The page for an export above the synchronous limit (a bounded count: LIMIT n + 1)."""
    limit = sync_max_rows()
    if queryset.order_by()[: limit + 1].count() <= limit:
        return None
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    context = {
        "limit": limit,
        "query": query.urlencode(),
        "format": fmt,
        "format_label": FORMATS[fmt],
        "form_key": uuid.uuid4().hex,
    }
    return render(request, "payments/export_too_large.html", context, status=413)


def _attachment(response: HttpResponseBase, extension: str) -> None:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="transactions-{stamp}.{extension}"'
    response["Cache-Control"] = "no-store"


def _audit(request: StaffRequest, fmt: str) -> None:
    record_event(
        type=EXPORT,
        request=request,
        message=f"Transactions exported ({fmt})",
        details={"filters": request.GET.dict()},
    )


@staff_required
@require_safe
def transaction_export(request: StaffRequest) -> HttpResponseBase:
    queryset = _exportable(request, request.GET)
    if refused := _too_large(request, queryset, "csv"):
        return refused
    rows = selectors.transaction_export_rows(queryset)
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    _attachment(response, "csv")
    _audit(request, "CSV")
    return response


@staff_required
@require_safe
def transaction_export_xlsx(request: StaffRequest) -> HttpResponseBase:
    queryset = _exportable(request, request.GET)
    if refused := _too_large(request, queryset, "xlsx"):
        return refused
    # The workbook is finished before its first byte can go (its zip directory comes last):
    # written to a temporary file in constant memory, then streamed from there.
    file = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    write_xlsx(selectors.transaction_export_rows(queryset), file)
    file.seek(0)
    response = FileResponse(file, content_type=XLSX)
    _attachment(response, "xlsx")
    _audit(request, "XLSX")
    return response


@staff_required
@operation_view("export_data")
@require_POST
def transaction_export_job(request: StaffRequest) -> HttpResponse:
    """Start the export as a job (the too-large page's button) and open its progress page.
    A double submit of the same page opens the same job."""
    fmt = request.POST.get("format", "")
    fmt = fmt if fmt in FORMATS else "csv"
    query = QueryDict(request.POST.get("query", ""))
    queryset = _exportable(request, query)
    if not queryset.exists():
        raise PermissionDenied(NO_PERMISSION)
    form_key = (request.POST.get("form_key") or "")[:64]
    job = (
        Job.objects.filter(kind=KIND, created_by=request.user, params__form_key=form_key).first()
        if form_key
        else None
    )
    if job is None:
        count = queryset.count()
        max_id = queryset.aggregate(top=Max("pk"))["top"]
        job = job_start(
            kind=KIND,
            user=request.user,
            params=job_params(query=query, fmt=fmt, max_id=max_id, form_key=form_key),
            title=f"Export {count:,} transactions ({FORMATS[fmt]})",
            total=count,
        )
        _audit(request, f"{FORMATS[fmt]}, in the background: job {job.pk}")
    notice.watch(request, job)
    return redirect("jobs:detail", job_id=job.pk)
