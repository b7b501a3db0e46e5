"""Coloured status pills: one tone per value so each state or status reads at a glance (the
CSS defines the tones). The `{% badge %}` tag (orders/templatetags/ui.py) and the grids'
precomputed cells (orders/grid.py, payments/grid.py) draw the same markup."""

from functools import lru_cache

from django.utils.safestring import SafeString

from backoffice.html_text import escaped, safe

BADGE_TONES: dict[str, dict[str, str]] = {
    "order_state": {
        "new": "sky",
        "pending_payment": "amber",
        "processing": "blue",
        "complete": "green",
        "closed": "slate",
        "canceled": "gray",
        "holded": "orange",
        "payment_review": "purple",
    },
    "payment_status": {
        "not_paid": "gray",
        "awaiting": "amber",
        "authorized": "indigo",
        "partially_authorized": "sky",
        "captured": "green",
        "partially_captured": "teal",
        "partially_refunded": "pink",
        "refunded": "purple",
        "canceled": "slate",
        "requires_action": "red",
        "expired": "orange",
        "charged_back": "rose",
        "partially_charged_back": "rose",
    },
    "transaction_status": {
        "pending": "amber",
        "success": "green",
        "failed": "red",
        "unknown": "purple",
    },
    "invoice_state": {"open": "amber", "paid": "green", "canceled": "gray"},
    "payment_link": {
        "open": "sky",
        "paid": "green",
        "processing": "amber",
        "expired": "orange",
        "revoked": "gray",
        "outdated": "slate",
    },
    "credit_memo_state": {
        "pending": "amber",
        "awaiting_approval": "purple",
        "refunded": "green",
        "partially_refunded": "pink",
        "failed": "red",
        "canceled": "gray",
    },
}


def badge_html(kind: str, value: str, label: str) -> SafeString:
    # Kept by its text: a list page draws the same few badges on every row.
    return _badge_html(kind, str(value), str(label))


@lru_cache(maxsize=1024)
def _badge_html(kind: str, value: str, label: str) -> SafeString:
    tone = BADGE_TONES.get(kind, {}).get(value, "gray")
    return safe(  # every part escaped, as format_html would
        f'<span class="badge badge--{escaped(tone)}" '
        f'data-{escaped(kind.replace("_", "-"))}="{escaped(value)}">{escaped(label)}</span>'
    )
