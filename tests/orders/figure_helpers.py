"""Read the money figures a page shows: every cell marked `data-figure` (orders/_order_figures
.html, the order list's rows), by figure, as the text a person reads."""

import html as html_lib
import re

_CELL = re.compile(r'<(dd|td)\b[^>]*\bdata-figure="(\w+)"[^>]*>(.*?)</\1>', re.S)
_LABEL = re.compile(r'<abbr class="figure" title="([^"]*)"[^>]*>([^<]*)</abbr>')


def text_of(fragment: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def figures_in(page: str) -> dict[str, str]:
    """{figure: text} of the cells in `page` (an excerpt: the first cell of each figure)."""
    found: dict[str, str] = {}
    for _tag, key, body in _CELL.findall(page):
        found.setdefault(key, text_of(body))
    return found


def section(page: str, element_id: str) -> str:
    """The page from the element with this id to the end of its card (`</section>`)."""
    start = page.index(f'id="{element_id}"')
    return page[start : page.index("</section>", start)]


def order_row(page: str, number: str) -> str:
    """The `<tr>` of order `number` in a table of orders (the list, the dashboard)."""
    start = page.index(f">#{number}</a>")
    return page[page.rindex("<tr", 0, start) : page.index("</tr>", start)]


def hover_labels(page: str) -> set[tuple[str, str]]:
    """(label, its explanation) of every figure label (`{% figure %}`) in `page`."""
    return {(label, html_lib.unescape(title)) for title, label in _LABEL.findall(page)}
