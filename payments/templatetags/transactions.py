"""Presentation of transactions: type badges and cash-flow marks."""

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html

from backoffice.display import display_zone
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
    return format_html(
        '<span class="badge badge--{} badge--outline" data-transaction-type="{}" title="{}">'
        "{}</span>",
        TYPE_TONES.get(transaction.type, "gray"),
        transaction.type,
        transaction.type,
        transaction.get_type_display(),
    )


@register.simple_tag
def cash_flow(transaction: Transaction) -> str:
    """Money in or out of the merchant; authorizations and reversals move none."""
    flow = transaction.cash_flow
    if flow == "in":
        return format_html('<span class="cash-flow cash-flow--in">{}</span>', "↓ In")
    if flow == "out":
        return format_html('<span class="cash-flow cash-flow--out">{}</span>', "↑ Out")
    return format_html('<span class="cash-flow cash-flow--none muted">{}</span>', "—")


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


@register.simple_tag
def stacked_time(value: datetime, tz_name: str) -> str:
    """Date above time (in the store's zone, or the user's own when they chose one, the store's
    time on hover) so narrow table columns stay readable."""
    local = _local(value, tz_name)
    mine = display_zone()
    title = ""
    if mine and mine != (tz_name or "UTC"):
        title = f"Store time: {date_format(local, 'M j, Y, H:i:s')} {local.tzname()}"
        local = _local(value, mine)
    return format_html(
        '<time class="cell-stack nowrap" datetime="{}"{}>{}'
        '<span class="muted small">{}</span></time>',
        value.isoformat(),
        format_html(' title="{}"', title) if title else "",
        date_format(local, "M j, Y"),
        f"{date_format(local, 'H:i:s')} {local.tzname()}",
    )
