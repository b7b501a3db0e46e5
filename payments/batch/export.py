"""export_transactions' read: the transactions of a date range, streamed as CSV or JSON Lines.

Dates are calendar days in each store's own time zone (`Store.timezone`), both ends included:
`--from 2026-11-01 --to 2026-11-30` is November as each store's staff and accountants see it.
Timestamps in the file are UTC (ISO 8601). Rows come oldest first straight from a database
cursor in chunks (`iterator`), as tuples, never as model instances or a list: memory stays the
same for a thousand rows or ten million. The CSV columns are the transaction list's export.
"""

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from backoffice.batch.results import BatchReport, ItemResult, Status
from backoffice.models import Store
from backoffice.money import format_major
from payments.enums import (
    TransactionSource,
    TransactionStatus,
    TransactionType,
)
from payments.export_csv import ExportRow, cash_flow, csv_lines
from payments.models import Transaction
from payments.selectors import EXPORT_FIELDS

CHUNK_SIZE = 2000
FORMATS = ("csv", "jsonl")
_TYPE, _STATUS, _AMOUNT, _CURRENCY = (
    EXPORT_FIELDS.index(f) for f in ("type", "status", "amount", "currency")
)
S = TransactionStatus
# The summary counts each row by its type and final status: the Result column says the
# transaction's status (every row was exported), colored as done, skipped or failed.
_SUMMARY_STATUS: dict[str, Status] = {S.SUCCESS: Status.DONE, S.FAILED: Status.FAILED}
_TYPE_LABELS: dict[str, str] = dict(TransactionType.choices)


def _day_start(day: date, store: Store) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(store.timezone or "UTC"))


def transactions_between(
    *, first: date, last: date, store_code: str | None = None
) -> QuerySet[Transaction]:
    """Transactions created from `first` to `last` (inclusive), each store in its time zone."""
    stores = Store.objects.all()
    if store_code:
        stores = stores.filter(code=store_code)
    in_range = Q(pk__in=[])
    for store in stores:
        in_range |= Q(
            store=store,
            created_at__gte=_day_start(first, store),
            created_at__lt=_day_start(last + timedelta(days=1), store),
        )
    return Transaction.objects.filter(in_range)


def export_rows(
    queryset: QuerySet[Transaction], *, limit: int | None = None
) -> Iterable[ExportRow]:
    rows = queryset.order_by("created_at", "id").values_list(*EXPORT_FIELDS)
    if limit is not None:
        rows = rows[:limit]
    return rows.iterator(chunk_size=CHUNK_SIZE)


def exported(row: ExportRow) -> ItemResult:
    """One exported row for the summary: its type, counted under its final status."""
    type_: str = row[_TYPE]
    status: str = row[_STATUS]
    return ItemResult(
        _SUMMARY_STATUS.get(status, Status.SKIPPED),
        _TYPE_LABELS.get(type_, type_),
        amount=row[_AMOUNT],
        currency=row[_CURRENCY],
        result=str(status),
    )


def statuses_sentence(report: BatchReport) -> str:
    """ " Of these, 1 failed and 2 still open." ("" when every one succeeded)."""
    failed, open_ = report.failed, report.skipped
    parts = [f"{failed} failed"] * bool(failed) + [f"{open_} still open"] * bool(open_)
    return f" Of these, {' and '.join(parts)}." if parts else ""


def jsonl_lines(rows: Iterable[ExportRow]) -> Iterator[str]:
    """One JSON object per line: codes and labels, amounts in major units and minor units."""
    types, statuses = dict(TransactionType.choices), dict(TransactionStatus.choices)
    sources = dict(TransactionSource.choices)
    for row in rows:
        record = dict(zip(EXPORT_FIELDS, row, strict=True))
        amount, currency, type_ = record["amount"], record["currency"], record["type"]
        parent = record["parent__uuid"]
        yield (
            json.dumps(
                {
                    "uuid": str(record["uuid"]),
                    "created_at": record["created_at"].astimezone(UTC).isoformat(),
                    "store": record["store__code"],
                    "order": record["order__number"],
                    "type": type_,
                    "type_label": types.get(type_, type_),
                    "status": record["status"],
                    "status_label": statuses.get(record["status"], record["status"]),
                    "amount": format_major(amount, currency),
                    "amount_minor": amount,
                    "currency": currency,
                    "cash_flow": cash_flow(type_),
                    "online": record["is_online"],
                    "gateway_reference": record["gateway_reference"],
                    "transaction_id": record["merchant_reference"],
                    "usage": record["usage"],
                    "parent_uuid": str(parent) if parent else None,
                    "actor": record["actor_label"],
                    "source": sources.get(record["source"], record["source"]),
                    "reason": record["reason__code"],
                    "reason_label": record["reason__label"],
                    "memo": record["memo"],
                },
                ensure_ascii=False,
            )
            + "\n"
        )


def formatted(rows: Iterable[ExportRow], *, fmt: str) -> Iterator[str]:
    return csv_lines(rows) if fmt == "csv" else jsonl_lines(rows)
