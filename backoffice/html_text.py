"""Text for HTML written in Python (rows, badges, widgets), for pages that draw hundreds of
cells: Django's `conditional_escape` and `mark_safe` without their lazy-function wrapper
(`keep_lazy` looks through every argument for a lazy string on each call), which cost more
than the escaping. Safe strings (anything with `__html__`) stay as they are."""

from html import escape

from django.utils.safestring import SafeString


def escaped(value: object) -> str:
    html = getattr(value, "__html__", None)
    return str(html()) if html is not None else escape(str(value))


def safe(html: str) -> SafeString:
    """`mark_safe` for a string written here, every part of it escaped."""
    return SafeString(html)
