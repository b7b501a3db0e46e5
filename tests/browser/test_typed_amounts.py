"""Typed amounts in a real browser: what is read is shown, live, before it is booked."""

import os
import re

import pytest
from playwright.sync_api import Page, expect

from payments.enums import TransactionType
from payments.models import Transaction
from tests.browser.helpers import confirm_dialog, shot, sign_in, sign_in_to_order
from tests.factories import OrderFactory, OrderItemFactory, StoreFactory
from tests.orders.view_helpers import staff_user
from tests.payments.money_helpers import authorized_payment, staff

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = os.environ.get("INVOICE_SCREENSHOTS")  # a folder: save screenshots for review


def settled(page: Page) -> None:
    """htmx wires content it swapped in once it has settled it (a person is slower than that):
    typing before would go unheard."""
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


def test_an_eu_staff_member_types_1_50_and_sees_it_booked_as_1_euro_50(page: Page, live_server):
    eu = StoreFactory(code="eu", currency="EUR", timezone="Europe/Berlin", locale="de_DE")
    order = OrderFactory(store=eu, subtotal=122456, shipping_amount=1000)
    OrderItemFactory(order=order, sku="SP1", qty_ordered=1, unit_price=122456)
    staff_user("view_orders", "mark_as_paid", "comment_order", store=eu, username="elena")
    errors = sign_in_to_order(page, live_server, "elena", order)
    page.wait_for_load_state()  # the dialogs' script is wired

    page.get_by_role("link", name="Mark as paid").click()
    dialog = page.locator("#mark-as-paid-dialog")
    amount = dialog.get_by_label("Amount (EUR)")
    preview = dialog.get_by_test_id("amount-preview-amount")
    # What is due, proposed as the store's locale writes it, and read back.
    expect(amount).to_have_value("1.234,56")
    expect(preview).to_have_text("= €1,234.56")
    settled(page)

    amount.fill("1e2")
    expect(preview).to_have_text("Scientific notation is not accepted. Use 10.50 or 10,50.")
    amount.fill("1,50")
    expect(preview).to_have_text("= €1.50")
    shot(page, SHOTS, "mark-as-paid-typed-amount")
    dialog.get_by_role("button", name="Mark as paid").click()  # no confirmation for a preview
    confirm_dialog(page, "Mark as paid")

    expect(page.locator("#flash")).to_contain_text("Marked as paid: €1.50 received offline.")
    page.get_by_role("tab", name=re.compile("Comments History")).click()
    expect(page.locator("#comments-history")).to_contain_text("€1.50")
    manual = Transaction.objects.get(order=order, type=TransactionType.MANUAL)
    assert (manual.amount, manual.currency) == (150, "EUR")
    assert errors == []


def test_a_capture_dialog_says_what_it_reads_and_refuses_10_5_in_en_us(page: Page, live_server):
    store = StoreFactory(code="us", name="US Store", locale="en_US")
    order = OrderFactory(store=store, subtotal=6100, shipping_amount=0)
    pa = authorized_payment(6100, order=order).transactions.get(type=TransactionType.AUTHORIZATION)
    staff("fin")
    errors = sign_in(page, live_server, "fin", f"/transactions/{pa.uuid}/")
    expect(page.get_by_role("heading", name="Pre-authorization", level=1)).to_be_visible()
    page.wait_for_load_state()  # the dialogs' script is wired

    page.get_by_role("button", name="Capture", exact=True).click()
    dialog = page.locator("dialog#operation-dialog")
    preview = dialog.get_by_test_id("amount-preview-amount")
    expect(preview).to_have_text("= $61.00")
    settled(page)
    dialog.get_by_label("Amount").fill("10,5")
    expect(preview).to_have_text("This is not an amount. Use 10.50.")
    dialog.get_by_role("button", name="Submit").click()
    expect(dialog.locator(".field__error")).to_have_text("This is not an amount. Use 10.50.")
    assert not Transaction.objects.filter(parent=pa).exists()
    settled(page)

    dialog.get_by_label("Amount").fill("10.50")
    expect(preview).to_have_text("= $10.50")
    dialog.get_by_role("button", name="Submit").click()
    confirm_dialog(page, "Capture")
    expect(dialog.get_by_role("heading", name="Capture succeeded")).to_be_visible()
    assert Transaction.objects.get(parent=pa, type=TransactionType.CAPTURE).amount == 1050
    assert [e for e in errors if "status of 422" not in e] == []  # the refused submit
