"""No page carries the same element id twice (a label, an aria reference or htmx's swap by id
would reach the wrong element).

A manager walks the main pages over the demo data (tests/page_walk.py): dashboard, order list,
each order page of every demo story with its dialogs' content, invoice and credit memo pages,
New Invoice, New Credit Memo, the transaction list and Transaction Details with each operation's
dialog. A dialog's content fetched by htmx counts as part of its page.
"""

import pytest

from tests.html_ids import duplicate_ids
from tests.page_walk import demo_signed_in, main_pages

pytestmark = pytest.mark.django_db


def test_no_page_repeats_an_element_id(client):
    demo_signed_in(client)

    walked = list(main_pages(client))

    assert {what: doubled for what, page in walked if (doubled := duplicate_ids(page))} == {}
    # The walk saw what it is about.
    seen = " ".join(what for what, _page in walked)
    for kind in ("/invoices/new/", "/credit-memos/new/", "invoice ", "credit memo ", "dialog"):
        assert kind in seen, kind
    assert any('data-testid="approvals"' in page for _what, page in walked)
    assert any(
        'id="mark-as-paid-dialog"' in page and "Refund dialog" in what for what, page in walked
    )
