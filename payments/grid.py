"""The transaction grid's columns: each cell rendered once in Python from the row (no per-row
tag in the template), with the markup the list always had."""

import uuid
from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString

from backoffice.display import display_money
from backoffice.grids import Column, GridSpec, cells_html
from backoffice.html_text import safe
from backoffice.url_patterns import url_pattern
from payments.enums import TransactionStatus
from payments.filters import TransactionFilter
from payments.models import Transaction
from payments.templatetags.transactions import cash_flow, stacked_time, txn_type_badge

TRANSACTIONS_PER_PAGE = 50
STATUS_TONES = {"pending": "amber", "success": "green", "failed": "red", "unknown": "purple"}
_SLOT = uuid.UUID(int=0)  # Transaction Details' URL pattern (`url_pattern`)


def _uuid(txn: Transaction) -> SafeString:
    url = escape(url_pattern("payments:transaction_detail", "uuid", _SLOT).format(txn.uuid))
    return safe(f'<a class="mono link-strong" href="{url}" title="{txn.uuid}">{txn.short_uuid}</a>')


def _created_at(txn: Transaction) -> SafeString:
    return stacked_time(txn.created_at, txn.store.timezone)


def _store(txn: Transaction) -> SafeString:
    return safe(f'<span class="store-tag">{escape(txn.store.code.upper())}</span>')


_OFFLINE = '<span class="tag">offline</span>'


def _type(txn: Transaction) -> SafeString:
    offline = "" if txn.is_online else _OFFLINE
    return safe(f'<span class="cell-stack txn-type-cell">{txn_type_badge(txn)}{offline}</span>')


_STATUS_LABELS = dict(TransactionStatus.choices)  # `get_status_display()` costs per call


def _status(txn: Transaction) -> SafeString:
    tone = STATUS_TONES.get(txn.status, "gray")
    status, label = escape(txn.status), escape(str(_STATUS_LABELS.get(txn.status, txn.status)))
    badge = f'<span class="badge badge--{tone}" data-transaction-status="{status}">{label}</span>'
    return safe(badge)


def _amount(txn: Transaction) -> str:
    return display_money(txn.amount, txn.currency)


def _order(txn: Transaction) -> SafeString:
    number = txn.order.number
    url = url_pattern("orders:detail", "number").format(number)
    return safe(f'<a href="{escape(url)}">#{escape(number)}</a>')


def _text(attribute: str, label: str, *, default: bool = True) -> Column:
    """A column of one of the transaction's references, as typed (monospace)."""
    return Column(
        attribute, label, lambda txn: getattr(txn, attribute) or "—", css="mono", default=default
    )


TRANSACTION_COLUMNS: tuple[Column, ...] = (
    Column("uuid", "UUID", _uuid, required=True),
    Column("created_at", "Date and time", _created_at),
    Column("store", "Store", _store),
    Column("type", "Type", _type),
    Column("status", "Status", _status),
    Column("amount", "Amount", _amount, numeric=True),
    Column("currency", "Currency", lambda t: t.currency),
    Column("cash_flow", "Cash flow", cash_flow),
    Column("order", "Order", _order),
    _text("merchant_reference", "Transaction ID"),
    _text("gateway_reference", "Gateway reference", default=False),
    _text("usage", "Usage", default=False),
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
        # The whole row in one string: the template's loop prints it (no lookup per cell).
        row = f'<tr data-uuid="{txn.uuid}">\n{cells_html(txn, columns)}\n</tr>\n'
        txn.row_html = safe(row)  # type: ignore[attr-defined]
    return rows
