"""Text for HTML written in Python (rows, badges, widgets): Django's `conditional_escape`
without its lazy-function wrapper, which costs more than the escaping on pages that draw
hundreds of cells. Safe strings (anything with `__html__`) stay as they are."""

from html import escape


def escaped(value: object) -> str:
    html = getattr(value, "__html__", None)
    return str(html()) if html is not None else escape(str(value))
