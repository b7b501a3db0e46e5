"""The transaction export as an Excel workbook: the CSV's columns, typed for a spreadsheet.

Amounts are numbers shown with their currency's decimals (USD 25.5 as 25.50, JPY 500 as 500,
KWD as 1.234) beside a Currency column, so a sum per currency is one pivot away; dates are
spreadsheet dates (UTC, as in the CSV). xlsxwriter's constant_memory mode writes each row to
a temporary file as it comes and zips the workbook at the end: memory stays flat for a
million rows. A workbook cannot be sent before it is finished (the zip's directory comes
last), so the view writes it to a temporary file first and then streams that file.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import IO, Any

import xlsxwriter  # type: ignore[import-untyped,unused-ignore]

from backoffice.money import currency_digits, to_decimal
from payments.export_csv import HEADER, ExportRow, row_values

SHEET = "Transactions"
# Column widths (characters) in HEADER's order: wide for ids, narrow for codes.
_WIDTHS = (38, 20, 8, 12, 22, 10, 14, 9, 9, 8, 26, 20, 20, 38, 20, 10, 12, 24, 30)
_AMOUNT = HEADER.index("Amount")


class _Formats:
    """One cell format per number of decimals, made once per workbook (Excel has a limit)."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.date = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.header = book.add_format({"bold": True})
        self._amounts: dict[int, Any] = {}

    def amount(self, currency: str) -> Any:
        digits = currency_digits(currency)
        if digits not in self._amounts:
            pattern = "#,##0" + ("." + "0" * digits if digits else "")
            self._amounts[digits] = self.book.add_format({"num_format": pattern})
        return self._amounts[digits]


def _cells(row: ExportRow) -> list[Any]:
    """The CSV's values, with the amount exact (a Decimal) and the time a naive UTC datetime
    (no formula escaping: the workbook writes every text cell as a string)."""
    return row_values(row, moment=_naive, money=to_decimal, text=str)


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def write_xlsx(rows: Iterable[ExportRow], file: IO[bytes]) -> int:
    """Write the workbook of `rows` to `file` (a binary file); returns the number of rows."""
    book = xlsxwriter.Workbook(file, {"constant_memory": True, "strings_to_formulas": False})
    formats = _Formats(book)
    sheet = book.add_worksheet(SHEET)
    for column, width in enumerate(_WIDTHS):
        sheet.set_column(column, column, width)
    sheet.write_row(0, 0, HEADER, formats.header)
    sheet.freeze_panes(1, 0)
    count = 0
    for count, row in enumerate(rows, start=1):
        cells = _cells(row)
        currency = cells[_AMOUNT + 1]
        for column, value in enumerate(cells):
            if column == 1:
                sheet.write_datetime(count, column, value, formats.date)
            elif column == _AMOUNT:
                # A spreadsheet number is a binary float whatever we do; the exact decimal
                # goes in and the format shows the currency's decimals.
                sheet.write_number(count, column, float(value), formats.amount(currency))
            else:
                sheet.write_string(count, column, "" if value is None else str(value))
    book.close()
    return count
