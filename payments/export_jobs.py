"""A large transaction export as a background job (`backoffice.jobs`), registered by
`PaymentsConfig.ready()`: above `EXPORT_SYNC_MAX_ROWS` the list's Export CSV / Export Excel
offers "Export in the background".

The job keeps the list's query, the format and the highest transaction id when it was asked
(`max_id`): the file holds what matched then, never rows booked while it runs. Rows are the
transactions of the stores where its owner holds `export_data` when the task runs; each is
"done" once it is counted into the file, and the file (CSV or XLSX, the list's columns) is made
of the rows done, in the list's order, when the job ends ("Export ready", "Download file").
"""

import io
import tempfile
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse

from backoffice.batch.results import ItemResult, done
from backoffice.job_models import ItemOutcome, Job, JobItem
from backoffice.jobs.registry import JobFile, JobKind, register
from payments import selectors
from payments.export_csv import csv_lines
from payments.export_xlsx import write_xlsx
from payments.filters import TransactionFilter
from payments.models import Transaction

KIND = "payments.export_transactions"
FORMATS = {"csv": "CSV", "xlsx": "Excel"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 2000
Row = tuple[int, str, int, str]  # (pk, uuid, store id, store code)


def job_params(*, query: QueryDict, fmt: str, max_id: int, form_key: str) -> dict[str, Any]:
    return {"query": dict(query.lists()), "format": fmt, "max_id": max_id, "form_key": form_key}


def exportable(*, user: Any, query: QueryDict) -> QuerySet[Transaction]:
    """The list's filtered rows in the stores where `user` may export (as the download)."""
    filterset = TransactionFilter(
        query,
        queryset=selectors.transactions_exportable(user=user),
        user=user,
        stores=list(selectors.stores_visible(user=user)),
    )
    queryset: QuerySet[Transaction] = filterset.qs
    return queryset


def _queryset(job: Job) -> QuerySet[Transaction]:
    query = QueryDict(mutable=True)
    for key, values in job.params.get("query", {}).items():
        query.setlist(key, values)
    rows = exportable(user=job.created_by, query=query)
    return rows.filter(pk__lte=job.params["max_id"]).order_by()


def _rows(job: Job) -> Iterator[list[Row]]:
    rows = (
        _queryset(job)
        .order_by("-created_at", "-id")
        .values_list("pk", "uuid", "store_id", "store__code")
    )
    chunk: list[Row] = []
    for pk, uuid, store_id, code in rows.iterator(chunk_size=CHUNK):
        chunk.append((pk, str(uuid), store_id, code))
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _count(job: Job) -> int:
    return _queryset(job).count()


def _process(job: Job, row: Row) -> ItemResult:
    return done("exported", f"in the {FORMATS[job.params['format']]} file")


def _build_file(job: Job, keys: list[str]) -> JobFile:
    """The rows done, in the list's order, as the chosen format: the job's rows less the few
    not done (a row fails only on an unexpected error), rather than an IN of every key."""
    not_done = JobItem.objects.filter(job=job).exclude(outcome=ItemOutcome.DONE)
    queryset = _queryset(job).exclude(uuid__in=list(not_done.values_list("key", flat=True)))
    rows = selectors.transaction_export_rows(queryset)
    fmt = job.params["format"]
    name = f"transactions-job-{job.pk}.{fmt}"
    if fmt == "xlsx":
        with tempfile.TemporaryFile() as file:
            write_xlsx(rows, file)
            file.seek(0)
            return JobFile(name=name, content_type=XLSX_TYPE, data=file.read())
    text = io.StringIO()
    for line in csv_lines(rows):
        text.write(line)
    return JobFile(name=name, content_type="text/csv; charset=utf-8", data=text.getvalue().encode())


def register_export_job() -> None:
    register(
        JobKind(
            name=KIND,
            title="Export transactions",
            noun="transaction",
            rows=_rows,
            key=lambda row: row[1],
            label=lambda row: row[1][:8],
            store_id=lambda row: row[2],
            process=_process,
            count=_count,
            build_file=_build_file,
            row_url=lambda uuid: reverse("payments:transaction_detail", args=[uuid]),
            back_url="/transactions/",
            bulk_record=True,  # nothing moves: a chunk's rows are recorded at once
        )
    )
