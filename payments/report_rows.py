"""The money report's rows by day and store, written in Python as the grids' and the audit
stream's rows are (`backoffice.grids`, `backoffice.audit.rows`): the template loop drew seven
cells per row with ~15 variable lookups, two date filters and four `money` filters each, two
thirds of a 30-day page's time (bench/README.md, "Eleventh sitting"). The markup is the loop's
(tests/payments/test_report_rows.py)."""

from collections.abc import Sequence
from datetime import date

from django.utils.dateformat import format as date_format
from django.utils.safestring import SafeString

from backoffice.display import display_money
from backoffice.html_text import escaped, safe
from payments.reports import DayRow


def report_rows_html(rows: Sequence[DayRow]) -> SafeString:
    """The `<tr>`s of the report's rows (newest day first, as `money_report` sorts them)."""
    # A page shows at most a few dozen days across its rows: each day's two texts once.
    days: dict[date, tuple[str, str]] = {}
    return safe("".join([_row(row, days) for row in rows]))


def _row(row: DayRow, days: dict[date, tuple[str, str]]) -> str:
    if (texts := days.get(row.day)) is None:
        texts = days[row.day] = (row.day.isoformat(), escaped(date_format(row.day, "D j M Y")))
    iso, label = texts
    store, currency, amounts = row.store, escaped(row.currency), row.amounts
    title = escaped(f"{store.name} ({store.timezone})")
    figures = "".join(
        f'\n          <td class="num" data-figure="{key}">'
        f"{escaped(display_money(minor, row.currency))}</td>"
        for key, minor in (
            ("captured", amounts.captured),
            ("refunded", amounts.refunded),
            ("charged_back", amounts.charged_back),
            ("net", amounts.net),
        )
    )
    return (
        f'\n        <tr data-day="{iso}" data-store="{escaped(store.code)}"'
        f' data-currency="{currency}">'
        f'\n          <td class="nowrap">{label}</td>'
        f'\n          <td><span class="store-tag" title="{title}">'
        f"{escaped(store.code.upper())}</span></td>"
        f"\n          <td>{currency}</td>{figures}"
        "\n        </tr>"
    )
