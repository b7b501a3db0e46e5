"""The transaction export's CSV: one format for the list's download and export_transactions."""

import csv
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from backoffice.money import format_major
from payments.enums import (
    CASH_IN_TYPES,
    CASH_OUT_TYPES,
    TransactionSource,
    TransactionStatus,
    TransactionType,
)

# One transaction as exported: the values of `payments.selectors.EXPORT_FIELDS`, in that order
# (read with `values_list` from a list of names, so the checker cannot type each column).
ExportRow = tuple[Any, ...]

HEADER = [
    "UUID",
    "Created at (UTC)",
    "Store",
    "Order",
    "Type",
    "Status",
    "Amount",
    "Currency",
    "Cash flow",
    "Online",
    "Gateway reference",
    "Transaction ID",
    "Usage",
    "Parent UUID",
    "Actor",
    "Source",
    # Refunds and chargebacks (payments.reason_codes): the stable code, then its label.
    "Reason code",
    "Reason",
    "Memo",  # the internal note staff wrote with the operation
]
# A spreadsheet runs a cell starting with one of these as a formula; staff typed these fields.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """csv.writer needs a file; this one hands each line back instead of buffering it."""

    def write(self, value: str) -> str:
        return value


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def cash_flow(type_: str) -> str:
    if type_ in CASH_IN_TYPES:
        return "in"
    return "out" if type_ in CASH_OUT_TYPES else ""


_TYPES: dict[str, str] = dict(TransactionType.choices)
_STATUSES: dict[str, str] = dict(TransactionStatus.choices)
_SOURCES: dict[str, str] = dict(TransactionSource.choices)


def row_values(
    row: ExportRow,
    *,
    moment: Callable[[datetime], Any],
    money: Callable[[int, str], Any],
    text: Callable[[str], str],
) -> list[Any]:
    """One row's columns in HEADER's order, for the CSV and the workbook alike: `moment`
    writes the time (given in UTC), `money` the amount, `text` a field staff typed."""
    (
        uuid,
        created_at,
        store,
        order,
        type_,
        status,
        amount,
        currency,
        is_online,
        gateway_reference,
        merchant_reference,
        usage,
        parent_uuid,
        actor_label,
        source,
        reason_code,
        reason_label,
        memo,
    ) = row
    return [
        str(uuid),
        moment(created_at.astimezone(UTC)),
        store,
        order,
        _TYPES.get(type_, type_),
        _STATUSES.get(status, status),
        money(amount, currency),
        currency,
        cash_flow(type_),
        "online" if is_online else "offline",
        text(gateway_reference),
        text(merchant_reference),
        text(usage),
        str(parent_uuid) if parent_uuid else "",
        text(actor_label),
        _SOURCES.get(source, source),
        reason_code or "",
        text(reason_label or ""),
        text(memo),
    ]


def csv_lines(rows: Iterable[ExportRow]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADER)
    for row in rows:
        yield writer.writerow(
            row_values(row, moment=datetime.isoformat, money=format_major, text=_text)
        )
