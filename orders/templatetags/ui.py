"""Small presentation helpers shared by the back-office templates."""

import uuid
from datetime import datetime
from functools import lru_cache
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template
from django.http import HttpRequest, QueryDict
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from backoffice.badges import BADGE_TONES as BADGE_TONES  # the tones: backoffice/badges.py
from backoffice.badges import badge_html
from backoffice.display import display_zone
from backoffice.html_text import escaped

register = template.Library()

# What `store_time` writes, in Django's date format syntax ("Nov 21, 2026, 14:05").
DATETIME_FORMAT = "M j, Y, H:i"


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@register.filter
def store_time(value: datetime | None, tz_name: str | None = "UTC") -> str:
    """A datetime shown in the store's time zone, with the zone's abbreviation; or, when the
    user chose their own zone (Preferences, `backoffice.display`), in theirs, the store's time
    on hover (`title`).

    Staff compare times with the store's customers and reports, so the order's own store
    zone is what they expect unless they chose otherwise, and the abbreviation makes it
    unambiguous.
    """
    store_text = store_zone_time(value, tz_name)
    mine = display_zone()
    if not mine or not store_text or mine == (tz_name or "UTC"):
        return store_text
    return format_html(
        '<span class="user-time" title="Store time: {}">{}</span>',
        store_text,
        store_zone_time(value, mine),
    )


def store_zone_time(value: datetime | None, tz_name: str | None = "UTC") -> str:
    """`store_time`'s text in the zone `tz_name` ("Nov 21, 2026, 14:05 CET"), whoever reads."""
    if value is None:
        return ""
    local = timezone.localtime(value, _zone(tz_name))
    # DATETIME_FORMAT spelled out: Django's general date formatter costs ten times as much,
    # and a busy order page shows a hundred of these.
    month = _month_abbr(get_language(), local.month)
    return f"{month} {local.day}, {local.year}, {local.hour:02}:{local.minute:02} {local.tzname()}"


@lru_cache(maxsize=64)
def _month_abbr(language: str | None, month: int) -> str:
    """Django's "M" (translated per language): a lazy translation costs more than the rest."""
    return str(MONTHS_3[month]).title()


@register.filter
def short_id(value: object) -> str:
    """First 8 characters of a UUID, as shown in transaction tables."""
    return str(value)[:8]


_UUID_SLOT = uuid.UUID(int=0)


@lru_cache(maxsize=8)
def _transaction_url_pattern(script_prefix: str) -> str:
    url = reverse("payments:transaction_detail", kwargs={"uuid": _UUID_SLOT})
    return url.replace(str(_UUID_SLOT), "{}")


@register.filter
def transaction_url(value: uuid.UUID | str) -> str:
    """`{{ txn.uuid|transaction_url }}`: Transaction Details' URL, as `{% url %}` gives it.

    Reversed once (per script prefix) rather than per row: a `{% url %}` costs more than the
    rest of a transaction table row.
    """
    return _transaction_url_pattern(get_script_prefix()).format(value)


@register.simple_tag(takes_context=True)
def sort_header(
    context: template.Context, key: str, label: str, numeric: bool = False, help: str = ""
) -> str:
    """A sortable `<th>`: the link toggles direction and keeps every other filter; `help`:
    the column's one-line explanation, on hover (`title`) and as the link's description.

    Changing the sort goes back to the first page, since the old page number means nothing
    under a different order.
    """
    from orders.filters import DESCENDING_FIRST

    request = context["request"]
    current = context.get("sort", "")
    if current == key:
        target, state = f"-{key}", "ascending"
    elif current == f"-{key}":
        target, state = key, "descending"
    else:
        target, state = (f"-{key}" if key in DESCENDING_FIRST else key), "none"
    arrow = {"ascending": "▲", "descending": "▼"}.get(state, "")
    title = f' title="{escaped(help)}"' if help else ""
    query = escaped(_sorted_query(context, request, target))
    return mark_safe(  # every part escaped, as format_html would
        f'<th scope="col" class="{"num" if numeric else ""}" aria-sort="{state}">'
        f'<a class="sort-link" href="?{query}"{title}>{escaped(label)}'
        f'<span class="sort-arrow" aria-hidden="true">{arrow}</span></a></th>'
    )


def _sorted_query(context: template.Context, request: HttpRequest, sort: str) -> str:
    """The page's query string with `sort` (in its place, else last) and without `page`. The
    other parameters are encoded once per page (a grid has half a dozen sortable columns)."""
    parts = context.render_context.get(_SORT_PARTS)
    if parts is None:
        params = request.GET.copy()
        params.pop("page", None)
        keys = list(params)
        at = keys.index("sort") if "sort" in params else len(keys)
        params.pop("sort", None)
        before = QueryDict(mutable=True)
        after = QueryDict(mutable=True)
        for index, key in enumerate(k for k in keys if k != "sort"):
            (before if index < at else after).setlist(key, params.getlist(key))
        parts = context.render_context[_SORT_PARTS] = (before.urlencode(), after.urlencode())
    before_sort, after_sort = parts
    return "&".join(part for part in (before_sort, urlencode({"sort": sort}), after_sort) if part)


_SORT_PARTS = "orders.ui.sort_parts"


@register.simple_tag
def badge(kind: str, value: str, label: str) -> str:
    """`{% badge "order_state" order.state order.get_state_display %}` → a coloured pill."""
    return badge_html(kind, value, label)
