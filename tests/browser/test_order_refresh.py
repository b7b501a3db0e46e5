"""An order action answered by htmx refreshes every panel it changed, the tabs' counts too, and
the tabs keep working (their counts are swapped, not the tab bar)."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import confirm_dialog, sign_in_to_order
from tests.orders.invoice_helpers import finance, xpayments_order

pytestmark = pytest.mark.django_db(transaction=True)


def test_void_refreshes_the_tab_counts_and_the_payment_card_in_place(page: Page, live_server):
    order, _item, _auths = xpayments_order()
    finance("fin")
    errors = sign_in_to_order(page, live_server, "fin", order)
    expect(page.locator("#transactions-tab-count")).to_have_text("2")
    expect(page.locator("#payment-information")).to_contain_text("Open to capture")
    comments_before = int(page.locator("#comments-tab-count").inner_text())
    page.evaluate("window.notReloaded = true")

    page.get_by_role("button", name="Void", exact=True).click()
    confirm_dialog(page, "Void")

    expect(page.locator("#flash")).to_contain_text("Voided $122.00 online.")
    expect(page.locator("#transactions-tab-count")).to_have_text("4")
    expect(page.locator("#comments-tab-count")).not_to_have_text(str(comments_before))
    expect(page.locator("#payment-information")).not_to_contain_text("Open to capture")
    assert page.evaluate("window.notReloaded") is True
    page.get_by_role("tab", name=re.compile("Transactions")).click()
    expect(page.locator("#transactions-panel tbody tr")).to_have_count(4)
    expect(page.locator("#payment-information")).to_be_hidden()
    assert errors == []
