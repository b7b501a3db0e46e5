"""Presentation of transactions: type badges and cash-flow marks."""

from datetime import datetime
from functools import lru_cache
from html import escape
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from backoffice.display import display_zone
from backoffice.html_text import escaped, safe
from payments.enums import TransactionType
from payments.models import Transaction

register = template.Library()

TYPE_TONES = {
    "PA": "indigo",
    "DB": "green",
    "CP": "teal",
    "RV": "slate",
    "RF": "pink",
    "CB": "rose",
    "CR": "orange",
    "RB": "blue",
    "MP": "gray",
}


@register.simple_tag
def txn_type_badge(transaction: Transaction) -> str:
    """The type's name with its OPPWA code, so staff who know either recognise it."""
    code = escaped(transaction.type)
    return mark_safe(  # every part escaped, as format_html would
        f'<span class="badge badge--{TYPE_TONES.get(transaction.type, "gray")} badge--outline" '
        f'data-transaction-type="{code}" title="{code}">'
        f"{escaped(_TYPE_LABELS.get(transaction.type, transaction.type))}</span>"
    )


# Labels by value: `get_type_display()` flattens the choices on every call (a grid row each).
_TYPE_LABELS = dict(TransactionType.choices)


CASH_FLOW_MARKS = {
    "in": mark_safe('<span class="cash-flow cash-flow--in">↓ In</span>'),
    "out": mark_safe('<span class="cash-flow cash-flow--out">↑ Out</span>'),
    "": mark_safe('<span class="cash-flow cash-flow--none muted">—</span>'),
}


@register.simple_tag
def cash_flow(transaction: Transaction) -> str:
    """Money in or out of the merchant; authorizations and reversals move none."""
    return CASH_FLOW_MARKS.get(transaction.cash_flow, CASH_FLOW_MARKS[""])


@register.simple_tag
def copy_button(value: object, label: str) -> str:
    """A Copy button; static/js/transactions.js writes `data-copy` to the clipboard."""
    return format_html(
        '<button type="button" class="copy-btn" data-copy="{}" aria-label="Copy {}">Copy</button>',
        value,
        label,
    )


def _local(value: datetime, tz_name: str) -> datetime:
    try:
        zone = ZoneInfo(tz_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return timezone.localtime(value, zone)


@lru_cache(maxsize=64)
def _month_abbr(language: str | None, month: int) -> str:
    """Django's "M" (translated per language), looked up once."""
    return str(MONTHS_3[month]).title()


def _day(local: datetime) -> str:
    """`date_format(local, "M j, Y")` spelled out: Django's formatter costs ten times as much."""
    return f"{_month_abbr(get_language(), local.month)} {local.day}, {local.year:04}"


def _clock(local: datetime) -> str:
    """`date_format(local, "H:i:s")`."""
    return f"{local.hour:02}:{local.minute:02}:{local.second:02}"


@register.simple_tag
def stacked_time(value: datetime, tz_name: str) -> SafeString:
    """Date above time (in the store's zone, or the user's own when they chose one, the store's
    time on hover) so narrow table columns stay readable."""
    local = _local(value, tz_name)
    mine = display_zone()
    title = ""
    if mine and mine != (tz_name or "UTC"):
        store_time = f"Store time: {_day(local)}, {_clock(local)} {local.tzname()}"
        title = f' title="{escape(store_time)}"'
        local = _local(value, mine)
    return safe(  # every part escaped, as format_html would
        f'<time class="cell-stack nowrap" datetime="{value.isoformat()}"{title}>'
        f"{escape(_day(local))}"
        f'<span class="muted small">{escape(f"{_clock(local)} {local.tzname()}")}</span></time>'
    )
