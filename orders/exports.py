"""The orders CSV: the grid's filtered orders with the person's columns, one line at a time.

`order_csv_lines` is the one writer (the grid's Export CSV, the mass action's export): it reads
the orders it is given in batches, each batch's figures in one query, so memory stays flat
whatever the number of rows. Amounts are in major units ("1234.50") beside their currency."""

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC
from itertools import batched

from backoffice.money import format_major
from orders.grid import ORDER_GRID
from orders.list_selectors import with_figures
from orders.models import Order

EXPORT_PERMISSION = "export_data"
BATCH = 500
# A spreadsheet runs a cell starting with one of these as a formula; customers typed these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MONEY_COLUMNS = ("grand_total", "total_paid", "total_refunded", "total_due")


class _Echo:
    """csv.writer needs a file; this one hands each line back instead of buffering it."""

    def write(self, value: str) -> str:
        return value


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _figure(name: str) -> Callable[[Order], list[str]]:
    def value(order: Order) -> list[str]:
        return [format_major(getattr(order.figures, name), order.currency)]  # type: ignore[attr-defined]

    return value


CSV_COLUMNS: dict[str, tuple[list[str], Callable[[Order], list[str]]]] = {
    "number": (["Order"], lambda o: [o.number]),
    "placed_at": (["Placed at (UTC)"], lambda o: [o.placed_at.astimezone(UTC).isoformat()]),
    "store": (["Store"], lambda o: [o.store.code]),
    "customer": (
        ["Customer", "Customer e-mail"],
        lambda o: [_text(o.customer_name), _text(o.customer_email)],
    ),
    "grand_total": (["Grand Total"], _figure("grand_total")),
    "total_paid": (["Total Paid"], _figure("total_paid")),
    "total_refunded": (["Total Refunded"], _figure("total_refunded")),
    "total_due": (["Total Due"], _figure("total_due")),
    "currency": (["Currency"], lambda o: [o.currency]),
    "state": (["State"], lambda o: [o.get_state_display()]),
    "payment_status": (["Payment status"], lambda o: [o.get_payment_status_display()]),
}


def export_columns(columns: Sequence[str]) -> list[str]:
    """The grid's chosen columns in its order (the number always); the currency added after
    the number when an amount is exported without it."""
    keys = [c.key for c in ORDER_GRID.chosen_columns(columns) if c.key in CSV_COLUMNS]
    if "currency" not in keys and any(k in MONEY_COLUMNS for k in keys):
        keys.insert(1, "currency")
    return keys


def order_csv_lines(orders: Iterable[Order], *, columns: Sequence[str]) -> Iterator[str]:
    """The header, then one CSV line per order (`orders` with their store selected; a
    queryset's `.iterator(chunk_size=…)` keeps memory constant)."""
    keys = export_columns(columns)
    writer = csv.writer(_Echo())
    yield writer.writerow([title for key in keys for title in CSV_COLUMNS[key][0]])
    needs_figures = any(key in MONEY_COLUMNS for key in keys)
    values = [CSV_COLUMNS[key][1] for key in keys]
    for batch in batched(orders, BATCH):
        if needs_figures:
            with_figures(batch)
        for order in batch:
            yield writer.writerow([cell for value in values for cell in value(order)])
