"""The transaction grid's columns: each cell rendered once in Python from the row (no per-row
tag in the template), with the markup the list always had."""

import uuid
from collections.abc import Callable, Sequence
from functools import lru_cache
from html import escape

from django.urls import get_script_prefix, reverse

from backoffice.display import display_locale
from backoffice.grids import Cell, Column, GridSpec, cells_html, grid_cells
from backoffice.html_text import safe
from backoffice.money import format_money
from payments.enums import TransactionStatus
from payments.filters import TransactionFilter
from payments.models import Transaction
from payments.templatetags.transactions import cash_flow, stacked_time, txn_type_badge

TRANSACTIONS_PER_PAGE = 50
STATUS_TONES = {"pending": "amber", "success": "green", "failed": "red", "unknown": "purple"}
_SLOT = uuid.UUID(int=0)


@lru_cache(maxsize=8)
def _urls(script_prefix: str) -> tuple[str, str]:
    """Transaction Details' and the order page's URL patterns, reversed once, not per row."""
    detail = reverse("payments:transaction_detail", kwargs={"uuid": _SLOT})
    order = reverse("orders:detail", kwargs={"number": "NUMBER"})
    return detail.replace(str(_SLOT), "{}"), order.replace("NUMBER", "{}")


def _uuid(txn: Transaction) -> Cell:
    url = escape(_urls(get_script_prefix())[0].format(txn.uuid))
    link = f'<a class="mono link-strong" href="{url}" title="{txn.uuid}">{txn.short_uuid}</a>'
    return Cell(safe(link))


def _created_at(txn: Transaction) -> Cell:
    return Cell(stacked_time(txn.created_at, txn.store.timezone))


def _store(txn: Transaction) -> Cell:
    return Cell(safe(f'<span class="store-tag">{escape(txn.store.code.upper())}</span>'))


_OFFLINE = '<span class="tag">offline</span>'


def _type(txn: Transaction) -> Cell:
    offline = "" if txn.is_online else _OFFLINE
    return Cell(
        safe(f'<span class="cell-stack txn-type-cell">{txn_type_badge(txn)}{offline}</span>')
    )


_STATUS_LABELS = dict(TransactionStatus.choices)  # `get_status_display()` costs per call


def _status(txn: Transaction) -> Cell:
    tone = STATUS_TONES.get(txn.status, "gray")
    status, label = escape(txn.status), escape(str(_STATUS_LABELS.get(txn.status, txn.status)))
    badge = f'<span class="badge badge--{tone}" data-transaction-status="{status}">{label}</span>'
    return Cell(safe(badge))


def _amount(txn: Transaction) -> Cell:
    locale = display_locale()
    text = (
        format_money(txn.amount, txn.currency, locale=locale)
        if locale
        else format_money(txn.amount, txn.currency)
    )
    return Cell(text, css="num")


def _order(txn: Transaction) -> Cell:
    number = txn.order.number
    url = _urls(get_script_prefix())[1].format(number)
    return Cell(safe(f'<a href="{escape(url)}">#{escape(number)}</a>'))


def _text(attribute: str) -> Callable[[Transaction], Cell]:
    def render(txn: Transaction) -> Cell:
        return Cell(getattr(txn, attribute) or "—", css="mono")

    return render


TRANSACTION_COLUMNS: tuple[Column, ...] = (
    Column("uuid", "UUID", _uuid, required=True),
    Column("created_at", "Date and time", _created_at),
    Column("store", "Store", _store),
    Column("type", "Type", _type),
    Column("status", "Status", _status),
    Column("amount", "Amount", _amount, numeric=True),
    Column("currency", "Currency", lambda t: Cell(t.currency)),
    Column("cash_flow", "Cash flow", lambda t: Cell(cash_flow(t))),
    Column("order", "Order", _order),
    Column("merchant_reference", "Transaction ID", _text("merchant_reference")),
    Column("gateway_reference", "Gateway reference", _text("gateway_reference"), default=False),
    Column("usage", "Usage", _text("usage"), default=False),
)


TRANSACTION_GRID = GridSpec(
    name="transactions",
    url_name="payments:transaction_list",
    columns=TRANSACTION_COLUMNS,
    default_per_page=TRANSACTIONS_PER_PAGE,
    param_names=frozenset(TransactionFilter.base_filters),
)


def with_cells(rows: Sequence[Transaction], columns: Sequence[Column]) -> Sequence[Transaction]:
    for txn in rows:
        txn.cells = cells = grid_cells(txn, columns)  # type: ignore[attr-defined]
        # The whole row in one string: the template's loop prints it (no lookup per cell).
        row = f'<tr data-uuid="{txn.uuid}">\n{cells_html(cells)}\n</tr>\n'
        txn.row_html = safe(row)  # type: ignore[attr-defined]
    return rows
