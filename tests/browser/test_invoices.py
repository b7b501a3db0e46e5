"""Invoicing and the order header's money actions, in a real browser."""

import os
import re

import pytest
from playwright.sync_api import Page, expect

from orders.enums import InvoiceState, OrderState
from orders.models import Invoice, Order
from tests.browser.helpers import confirm_dialog, shot, sign_in_to_order
from tests.orders.invoice_helpers import finance, order_with_items, xpayments_order

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = os.environ.get("INVOICE_SCREENSHOTS")  # a folder: save screenshots for review


def log_in(page: Page, live_server, order: Order) -> list[str]:
    finance("fin")
    return sign_in_to_order(page, live_server, "fin", order)


def test_invoice_with_capture_online_updates_totals_and_history(page: Page, live_server):
    order, _item, _auths = xpayments_order()
    errors = log_in(page, live_server, order)

    page.get_by_role("link", name="Invoice", exact=True).click()
    expect(page.get_by_role("heading", name="New Invoice")).to_be_visible()
    grand_total = page.get_by_test_id("invoice-grand-total")
    expect(grand_total).to_have_text("$122.00")

    # Live totals: one unit plus the shipping.
    page.get_by_label("Qty to Invoice for SP1").fill("1")
    expect(grand_total).to_have_text("$66.00")
    expect(page.get_by_role("radio", name="Capture Online")).to_be_checked()
    # Before submitting, staff see what each authorization will give (soonest-expiring first).
    plan = page.get_by_role("list", name="Planned captures").get_by_role("listitem")
    expect(plan).to_have_count(2)
    expect(plan.first).to_contain_text("$61.00 from authorization")
    expect(plan.last).to_contain_text("$5.00 from authorization")
    page.get_by_label("Invoice Comments").fill("First box shipped.")
    shot(page, SHOTS, "invoice-new")

    page.get_by_role("button", name="Submit Invoice").click()
    confirm_dialog(page, "Submit Invoice")

    expect(page.get_by_role("heading", name=f"Order #{order.number}", level=1)).to_be_visible()
    invoice = Invoice.objects.get(order=order)
    expect(page.locator(".messages").first).to_contain_text(
        f"Invoice #{invoice.number}: captured $66.00 online."
    )
    totals = page.locator("#order-totals")
    expect(totals).to_contain_text("Total Paid")
    expect(totals).to_contain_text("$66.00")
    page.get_by_role("tab", name=re.compile("Comments History")).click()
    history = page.locator("#comments-history")
    expect(history).to_contain_text("Captured amount of $61.00 online.")
    expect(history).to_contain_text("Captured amount of $5.00 online.")
    expect(history).to_contain_text("First box shipped.")
    shot(page, SHOTS, "order-after-invoice")
    assert invoice.state == InvoiceState.PAID
    assert errors == []


def test_not_capture_then_capture_from_the_invoice_page(page: Page, live_server):
    order, _item, _auths = xpayments_order()
    errors = log_in(page, live_server, order)

    page.get_by_role("link", name="Invoice", exact=True).click()
    page.get_by_role("radio", name="Not Capture").check()
    page.get_by_role("button", name="Submit Invoice").click()  # no money moves: no dialog
    expect(page.locator(".messages").first).to_contain_text("Capture it from the invoice page")
    invoice = Invoice.objects.get(order=order)
    assert invoice.state == InvoiceState.OPEN

    page.get_by_role("tab", name=re.compile("Invoices")).click()
    page.get_by_role("link", name=f"#{invoice.number}").click()
    expect(page.get_by_role("heading", name=f"Invoice #{invoice.number}")).to_be_visible()
    expect(page.get_by_test_id("amount-to-capture")).to_have_text("$122.00")
    shot(page, SHOTS, "invoice-open")
    page.evaluate("window.__noReload = 'still here'")

    page.locator("#invoice-capture").get_by_role("button", name="Capture").click()
    confirm_dialog(page, "Capture")

    expect(page.locator("#flash")).to_contain_text(
        f"Invoice #{invoice.number}: captured $122.00 online."
    )
    expect(page.locator("#invoice-header")).to_contain_text("Paid")
    expect(page.get_by_test_id("invoice-due")).to_have_text("$0.00")
    expect(page.locator("#invoice-captures tbody tr")).to_have_count(2)
    assert page.evaluate("window.__noReload") == "still here"
    shot(page, SHOTS, "invoice-paid")
    assert errors == []


def test_mark_as_paid(page: Page, live_server):
    order, _item = order_with_items()
    errors = log_in(page, live_server, order)
    page.evaluate("window.__noReload = 'still here'")

    page.get_by_role("link", name="Mark as paid").click()
    dialog = page.locator("#mark-as-paid-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Amount (USD)")).to_have_value("122.00")
    dialog.get_by_label("Transaction ID").fill("WIRE-0042")
    dialog.get_by_label("Note").fill("Bank transfer received.")
    shot(page, SHOTS, "mark-as-paid")
    dialog.get_by_role("button", name="Mark as paid").click()
    confirm_dialog(page, "Mark as paid")

    expect(page.locator("#flash")).to_contain_text("Marked as paid: $122.00 received offline.")
    expect(page.locator("#order-totals")).to_contain_text("settled")
    expect(page.locator("#mark-as-paid-dialog")).to_have_count(0)
    expect(page.locator(".order-op--mark_as_paid .reason")).to_contain_text(
        "nothing is outstanding"
    )
    assert page.evaluate("window.__noReload") == "still here"
    assert errors == []


def test_hold_blocks_invoice_with_the_reason_shown(page: Page, live_server):
    order, _item, _auths = xpayments_order()
    errors = log_in(page, live_server, order)
    page.evaluate("window.__noReload = 'still here'")

    page.get_by_role("button", name="Hold").click()
    confirm_dialog(page, "Hold")

    expect(page.get_by_role("button", name="Unhold")).to_be_visible()
    invoice_action = page.locator(".order-op--invoice")
    expect(invoice_action.locator(".btn")).to_have_attribute("aria-disabled", "true")
    expect(invoice_action.locator(".reason")).to_have_text(
        "Invoice is not available: the order is on hold. Unhold it first."
    )
    expect(page.get_by_role("button", name="Void")).to_be_disabled()
    expect(page.locator("#flash")).to_contain_text("The order is on hold.")
    shot(page, SHOTS, "order-on-hold")
    assert Order.objects.get(pk=order.pk).state == OrderState.HOLDED
    assert page.evaluate("window.__noReload") == "still here"
    assert errors == []
