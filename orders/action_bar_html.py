"""The order header's buttons as markup, written in Python: the template's loop over nine
buttons with a dozen lookups each cost a fifth of the order page. The markup is what
`orders/_order_action_bar.html` wrote (ids, classes, labels, confirmations): browser tests and
tests/test_page_ids.py read it. Every dynamic part is escaped."""

from html import escape

from django.utils.safestring import SafeString, mark_safe

from orders.operation_buttons import ActionButton


def _link(b: ActionButton) -> str:
    style, label = escape(b.style), escape(b.label)
    if not b.allowed:
        return (
            f'<span class="btn btn--{style} is-disabled" aria-disabled="true" '
            f'aria-describedby="op-reason-{escape(b.key)}">{label}</span>'
        )
    url, dialog = escape(b.url), escape(b.dialog)
    opens = f' data-dialog-open="{dialog}"' if b.dialog else ""
    lazy = f' hx-get="{url}" hx-target="#{dialog}" hx-swap="innerHTML"' if b.dialog_lazy else ""
    return f'<a class="btn btn--{style}" href="{url}"{opens}{lazy}>{label}</a>'


def _form(b: ActionButton, *, csrf_token: str, version: int, key: str) -> str:
    url, label = escape(b.url), escape(b.label)
    confirm = f' hx-confirm="{escape(b.confirm)}" data-confirm-ok="{label}"' if b.confirm else ""
    danger = " data-confirm-danger" if b.style == "danger" else ""
    look = "danger-outline" if b.style == "danger" else escape(b.style)
    disabled = "" if b.allowed else f' disabled aria-describedby="op-reason-{escape(b.key)}"'
    return (
        f'<form method="post" action="{url}" hx-post="{url}" hx-swap="none"\n'
        f'      hx-disabled-elt="find button"{confirm}{danger}>\n'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">\n'
        f'<input type="hidden" name="version" value="{version}">\n'
        f'<input type="hidden" name="idempotency_key" value="{escape(key)}">\n'
        f'<button type="submit" class="btn btn--{look}"{disabled}>{label}</button>\n'
        "</form>"
    )


def action_button_html(b: ActionButton, *, csrf_token: str, version: int, key: str) -> SafeString:
    """One button of the action bar: a link (or its disabled look) or a POST form with its
    one-time key; an unavailable one with the registry's reason under it."""
    control = (
        _link(b) if b.method == "get" else _form(b, csrf_token=csrf_token, version=version, key=key)
    )
    reason = (
        ""
        if b.allowed
        else f'<p class="reason" id="op-reason-{escape(b.key)}">{escape(b.reason)}</p>'
    )
    return mark_safe(
        f'<div class="action order-op order-op--{escape(b.key)}">\n{control}\n{reason}\n</div>\n'
    )
