"""`{{ field }}{% amount_preview field store currency %}`: an amount field that shows what it
read, live.

After the input, a `<span class="amount-preview">` says what was read, as it will be booked
("= €1.50"), or why it can't be read. While the staff member types, htmx asks
`backoffice.views.money_preview` again (the span listens to the input just before it and sends
that input's value), so the input itself keeps no attribute of its own, and no inline script is
needed (the strict CSP allows none).
"""

from urllib.parse import urlencode

from django import template
from django.forms import BoundField
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from backoffice.models import Store, amount_locale
from backoffice.money import MoneyError, format_money, parse_amount

register = template.Library()


def preview_html(text: str, currency: str, *, locale: str) -> SafeString:
    """The preview's content: "= €1.50", the parser's message, or nothing for an empty field."""
    if not text.strip():
        return SafeString("")
    try:
        minor = parse_amount(text, currency, locale=locale)
    except MoneyError as exc:
        return format_html('<span class="amount-preview__error">{}</span>', str(exc))
    return format_html(
        '<span class="amount-preview__value">= {}</span>', format_money(minor, currency)
    )


@register.simple_tag(takes_context=True)
def amount_preview(
    context: template.Context, field: BoundField, store: Store, currency: str
) -> SafeString:
    """The span after `field`'s input, first filled with what the field holds now."""
    # An inclusion tag's template (the order's action bar) has the request only as an attribute.
    request = getattr(context, "request", None) or context.get("request")
    locale = amount_locale(getattr(request, "user", None), store)
    value = field.value()
    shown = preview_html(str(value), currency, locale=locale) if value is not None else ""
    query = urlencode({"field": field.html_name, "currency": currency, "store": store.code})
    # The form around it may set a target, a swap, a confirmation, disabled elements or
    # out-of-band picks for its own POST: htmx would apply them to this GET too ("unset").
    return format_html(
        '<span class="amount-preview" aria-live="polite" data-testid="amount-preview-{name}"'
        ' hx-get="{url}" hx-trigger="input changed delay:250ms from:previous input"'
        ' hx-include="previous input" hx-target="this" hx-swap="innerHTML"'
        ' hx-sync="this:replace" hx-confirm="unset" hx-disabled-elt="unset" hx-select="unset"'
        ' hx-select-oob="unset">{shown}</span>',
        name=field.name,
        url=f"{reverse('money_preview')}?{query}",
        shown=shown,
    )
