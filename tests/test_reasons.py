"""A reason reads once: "<Label> is not available: <why>. <hint>", as
`backoffice.availability.Availability.reason` writes it; no page, dialog or message puts the
label in front of it again, repeats it inside, or adds a second full stop.

A manager walks the main pages over the demo data and asks for what is not available anyway
(tests/page_walk.py): disabled buttons with their reasons, the 409 page of a form, a disabled
operation's dialog, an order action's htmx message.
"""

import html
import re

import pytest

from tests.page_walk import demo_signed_in, main_pages, refusals

pytestmark = pytest.mark.django_db

REASON = re.compile(r"(?P<label>[A-Z][\w ]*?) is not available(?P<colon>:?)(?P<rest>[^<]*)")


def visible_text(page: str) -> str:
    """The page's content as read: the <main> element (or the fragment), tags as spaces."""
    main = page[page.index("<main") :] if "<main" in page else page
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", main).split()))


def misread(text: str) -> list[str]:
    problems = []
    for match in REASON.finditer(text):
        label, rest = match["label"], match["rest"]
        sentence = match.group(0)[:160]
        if not match["colon"]:
            problems.append(f"a heading or prefix says it again: {sentence!r}")
        words = label.split()
        for size in range(1, len(words) + 1):
            prefix = " ".join(words[-size:])
            if re.search(rf"{re.escape(prefix)}\s*:\s*$", text[: match.start()][-80:]):
                problems.append(f"label in front: {prefix!r} before {sentence!r}")
        head = rest.lstrip(" :").lower()
        if head.startswith(label.lower()) or re.search(
            rf"\b{re.escape(label.lower())} is (?:not available|unavailable)\b", head
        ):
            problems.append(f"label twice: {sentence!r}")
    problems += [f"two full stops: {m.group(0)!r}" for m in re.finditer(r".{40}\w\.\.(?!\.)", text)]
    return problems


def test_no_reason_repeats_its_label(client):
    demo_signed_in(client)

    walked = [*main_pages(client), *refusals(client)]

    found = {what: problems for what, page in walked if (problems := misread(visible_text(page)))}
    assert found == {}
    reasons = [m.group(0) for _what, page in walked for m in REASON.finditer(visible_text(page))]
    assert len(reasons) > 100  # the walk met reasons of every kind
    assert any(what.endswith("(htmx)") for what, _page in walked)
    assert any("dialog" in what for what, _page in walked)


def test_what_counts_as_misread():
    assert misread("Mark as paid is not available: mark as paid is unavailable.")
    assert misread("Void: Void is not available: the order is on hold.")
    assert misread("Capture is not available Capture is not available: the invoice is paid.")
    assert misread("Refund is not available: nothing left to refund.. Cancel")
    assert not misread("Void is not available: the order is on hold. Unhold it first.")
    assert not misread(
        "Capture is not available: neither Capture Online nor Capture Offline can take it. "
        "Capture Online is not available: the order has no authorization."
    )
