"""The Back button to a form with live totals (New Invoice, New Credit Memo): the browser puts
back what was typed, and the totals are recomputed for it (static/js/app.js, on `pageshow`)."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import sign_in_to_order
from tests.orders.credit_memo_helpers import paid_invoice, refunder
from tests.orders.invoice_helpers import finance, xpayments_order

pytestmark = pytest.mark.django_db(transaction=True)


def set_quietly(page: Page, label: str, value: str) -> None:
    """Type `value` the way a page left at once does: the field holds it, the live update
    never ran (no input event). Back then shows the field restored with totals drawn for it
    only if the page recomputes them itself."""
    page.get_by_label(label).evaluate("(field, value) => { field.value = value; }", value)


def leave_and_come_back(page: Page) -> None:
    page.get_by_role("link", name="Orders", exact=True).first.click()
    expect(page.get_by_role("heading", name="Orders", level=1)).to_be_visible()
    page.go_back()


def test_new_invoice_restored_by_back_recomputes_its_totals(page: Page, live_server):
    order, _item, _auths = xpayments_order()
    finance("fin")
    errors = sign_in_to_order(page, live_server, "fin", order)
    page.get_by_role("link", name="Invoice", exact=True).click()
    grand_total = page.get_by_test_id("invoice-grand-total")
    expect(grand_total).to_have_text("$122.00")

    page.get_by_label("Qty to Invoice for SP1").fill("1")
    expect(grand_total).to_have_text("$66.00")
    leave_and_come_back(page)

    expect(page.get_by_label("Qty to Invoice for SP1")).to_have_value("1")
    expect(grand_total).to_have_text("$66.00")

    # Left before the live update ran: the totals follow the field all the same.
    set_quietly(page, "Qty to Invoice for SP1", "2")
    leave_and_come_back(page)

    expect(page.get_by_label("Qty to Invoice for SP1")).to_have_value("2")
    expect(grand_total).to_have_text("$122.00")
    assert errors == []


def test_new_credit_memo_restored_by_back_recomputes_its_totals(page: Page, live_server):
    order, _item, invoice, _ = paid_invoice()
    refunder("refunder")
    errors = sign_in_to_order(page, live_server, "refunder", order)
    page.goto(
        f"{live_server.url}/orders/{order.number}/invoices/{invoice.number}/credit-memos/new/"
    )
    grand_total = page.get_by_test_id("memo-grand-total")
    expect(grand_total).to_have_text("$122.00")

    set_quietly(page, "Qty to Refund for SP1", "1")
    leave_and_come_back(page)

    expect(page.get_by_label("Qty to Refund for SP1")).to_have_value("1")
    expect(grand_total).to_have_text("$66.00")
    assert errors == []
