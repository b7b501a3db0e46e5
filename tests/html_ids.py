"""Reading rendered pages by element id, with the standard library's `html.parser`.

`elements(html)` maps each id to its element's outer HTML; `all_ids(html)` lists every `id`
attribute in document order (duplicates included); `apply_htmx_swaps` plays what htmx does with
an action's answer (`hx-select-oob` picks, `hx-swap-oob` elements) on a page, so a test can
compare the page the browser ends up with to a fresh GET.
"""

import re
from html.parser import HTMLParser

VOID_ELEMENTS = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)


class _Elements(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.html = html
        self.line_starts = [0]
        for match in re.finditer("\n", html):
            self.line_starts.append(match.end())
        self.ids: list[str] = []
        self.spans: dict[str, tuple[int, int]] = {}
        self.attrs_by_id: dict[str, dict[str, str | None]] = {}
        self.stack: list[tuple[str, int, str | None]] = []  # tag, start offset, id

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _record(self, element_id: str | None, start: int, end: int) -> None:
        if element_id is not None and element_id not in self.spans:
            self.spans[element_id] = (start, end)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        start = self._offset()
        element_id = dict(attrs).get("id")
        if element_id is not None:
            self.ids.append(element_id)
            self.attrs_by_id.setdefault(element_id, dict(attrs))
        if tag in VOID_ELEMENTS:
            text = self.get_starttag_text() or ""
            self._record(element_id, start, start + len(text))
        else:
            self.stack.append((tag, start, element_id))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        start = self._offset()
        element_id = dict(attrs).get("id")
        if element_id is not None:
            self.ids.append(element_id)
            self.attrs_by_id.setdefault(element_id, dict(attrs))
        self._record(element_id, start, start + len(self.get_starttag_text() or ""))

    def handle_endtag(self, tag: str) -> None:
        if not any(open_tag == tag for open_tag, _start, _id in self.stack):
            return  # a stray end tag: the browser ignores it too
        end = self.html.index(">", self._offset()) + 1
        while self.stack:
            open_tag, start, element_id = self.stack.pop()
            self._record(element_id, start, end)  # implied end tags close with their parent
            if open_tag == tag:
                break


def _parse(html: str) -> _Elements:
    parser = _Elements(html)
    parser.feed(html)
    parser.close()
    return parser


def all_ids(html: str) -> list[str]:
    return _parse(html).ids


def duplicate_ids(html: str) -> list[str]:
    seen: set[str] = set()
    return sorted({i for i in all_ids(html) if i in seen or seen.add(i)})


def elements(html: str) -> dict[str, str]:
    """Each id's element, outer HTML, as the server wrote it (the first one of an id)."""
    parsed = _parse(html)
    return {element_id: html[start:end] for element_id, (start, end) in parsed.spans.items()}


def element(html: str, element_id: str) -> str:
    found = elements(html).get(element_id)
    assert found is not None, f"no element with id={element_id!r}"
    return found


def attribute(html: str, element_id: str, name: str) -> str | None:
    return _parse(html).attrs_by_id.get(element_id, {}).get(name)


def select_oob_ids(html: str) -> list[str]:
    """The ids every `hx-select-oob` of the page names (`#a,#b:outerHTML` → a, b)."""
    ids: list[str] = []
    for value in re.findall(r'hx-select-oob="([^"]*)"', html):
        for part in value.split(","):
            name = part.strip().split(":")[0].lstrip("#")
            if name and name not in ids:
                ids.append(name)
    return ids


def apply_htmx_swaps(page: str, response: str, select_oob: list[str]) -> str:
    """The page after htmx handled `response` with `hx-swap="none"`: each `select_oob` id
    found in the response replaces the page's element (outerHTML), and so does each element of
    the response marked `hx-swap-oob="true"` (`innerHTML` replaces the content only)."""
    swaps: list[tuple[str, str, str]] = []  # id, new outer HTML, swap style
    answered = elements(response)
    for element_id in select_oob:
        if element_id in answered:
            swaps.append((element_id, answered[element_id], "outerHTML"))
    parsed = _parse(response)
    for element_id, attrs in parsed.attrs_by_id.items():
        style = attrs.get("hx-swap-oob")
        if style and element_id not in select_oob:
            swaps.append((element_id, answered[element_id], style))
    for element_id, new, style in swaps:
        span = _parse(page).spans.get(element_id)
        if span is None:
            continue
        current = page[span[0] : span[1]]
        if style == "innerHTML":
            new = current[: current.index(">") + 1] + _inner(new) + f"</{_tag(current)}>"
        else:
            new = re.sub(r'\s+hx-swap-oob="[^"]*"', "", new, count=1)
        page = page[: span[0]] + new + page[span[1] :]
    return page


def with_content(page: str, element_id: str, content: str) -> str:
    """The page with `content` as the inner HTML of `element_id` (htmx's innerHTML swap of a
    dialog's fetched content)."""
    start, end = _parse(page).spans[element_id]
    current = page[start:end]
    opening = current[: current.index(">") + 1]
    return page[:start] + opening + content + f"</{_tag(current)}>" + page[end:]


def _tag(outer: str) -> str:
    return re.match(r"<([a-zA-Z0-9-]+)", outer).group(1)  # type: ignore[union-attr]


def _inner(outer: str) -> str:
    return outer[outer.index(">") + 1 : outer.rindex("</")]


# One-time values that differ on every drawing of the same page.
_VOLATILE = [
    (re.compile(r'(name="(?:csrfmiddlewaretoken|idempotency_key)" value=")[^"]*"'), r'\1…"'),
    (re.compile(r'(value=")[^"]*("[^>]*name="(?:csrfmiddlewaretoken|idempotency_key)")'), r"\1…\2"),
    (re.compile(r'("X-CSRFToken": ")[^"]*"'), r'\1…"'),
    (re.compile(r'( nonce=")[^"]*"'), r'\1…"'),
]


def normalized(html: str) -> str:
    """`html` without its one-time tokens (CSRF, idempotency keys, CSP nonce) and blank-line
    noise."""
    for pattern, replacement in _VOLATILE:
        html = pattern.sub(replacement, html)
    return "\n".join(line.rstrip() for line in html.splitlines() if line.strip())
