"""The X-Payments story in a real browser: an order of one unit is edited to two, the
difference is authorized on the card on file, and two invoices capture online across the two
authorizations (soonest-expiring first)."""

import os
import re

import pytest
from playwright.sync_api import Page, expect

from orders.models import Invoice
from payments.figures import figures_of
from payments.models import Payment
from tests.browser.helpers import confirm_dialog, shot, sign_in_to_order
from tests.orders.edit_helpers import editor, one_unit_order
from tests.orders.invoice_helpers import fresh, order_with_items
from tests.payments.money_helpers import captured_payment

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = os.environ.get("ORDER_EDIT_SCREENSHOTS")  # a folder: save screenshots for review


def settled(page: Page) -> None:
    """htmx wires content it swapped in once it has settled it: typing before goes unheard."""
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


def invoice_one_unit(page: Page, plan: list[str]) -> None:
    page.get_by_role("link", name="Invoice", exact=True).click()
    expect(page.get_by_role("heading", name="New Invoice")).to_be_visible()
    page.get_by_label("Qty to Invoice for SP1").fill("1")
    steps = page.get_by_role("list", name="Planned captures").get_by_role("listitem")
    expect(steps).to_have_count(len(plan))
    for step, text in zip(steps.all(), plan, strict=True):
        expect(step).to_contain_text(text)
    page.get_by_role("button", name="Submit Invoice").click()
    confirm_dialog(page, "Submit Invoice")


def test_xpayments_story_edit_authorize_the_difference_and_capture_across_two(
    page: Page, live_server
):
    order, _item, _first = one_unit_order()
    editor("finance")
    errors = sign_in_to_order(page, live_server, "finance", order)

    # Edit: 2 units and $10.00 shipping; the live totals show old → new and the difference.
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", name=f"Edit Order #{order.number}")).to_be_visible()
    page.wait_for_load_state()
    page.get_by_label("Qty for SP1").fill("2")
    settled(page)
    shipping = page.get_by_label("Shipping & Handling (USD)")
    shipping.fill("10.00")
    expect(page.get_by_test_id("edit-new-total")).to_have_text("$122.00")
    expect(page.get_by_test_id("edit-old-total")).to_have_text("$61.00")
    expect(page.get_by_test_id("edit-difference")).to_have_text("+$61.00")
    page.get_by_label("Reason for the edit").fill("The customer asked for a second unit.")
    shot(page, SHOTS, "order-edit")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_test_id("confirm-sentence")).to_contain_text(
        "from $61.00 to $122.00 (+$61.00): +1 × Simple product 1 ($56.00), shipping $5.00 → $10.00."
    )
    confirm_dialog(page, "Save changes")

    # Back on the order: partially authorized, $61.00 outstanding, the version listed.
    expect(page.get_by_role("heading", name=f"Order #{order.number}", level=1)).to_be_visible()
    expect(page.locator(".messages").first).to_contain_text("edited (version 1)")
    expect(page.locator("#order-header")).to_contain_text("Partially authorized")
    expect(page.get_by_test_id("order-edits")).to_contain_text("The customer asked")
    outstanding = page.get_by_test_id("outstanding-panel")
    expect(outstanding).to_contain_text("$61.00 outstanding")
    shot(page, SHOTS, "order-edited")

    # Authorize the difference on the card on file: two $61.00 authorizations.
    outstanding.get_by_role("button", name="Authorize the difference").click()
    expect(page.get_by_test_id("confirm-sentence")).to_have_text(
        "Authorize $61.00 online on Sandbox (a new authorization)."
    )
    confirm_dialog(page, "Authorize")
    expect(page.locator("#flash")).to_contain_text("$61.00")
    expect(page.locator("#order-header")).not_to_contain_text("Partially authorized")
    expect(page.get_by_test_id("outstanding-panel")).to_have_count(0)
    authorized = Payment.objects.filter(order=order).order_by("pk")
    assert [p.amount_authorized for p in authorized] == [6100, 6100]
    expect(page.locator("#payment-information .payment-card")).to_have_count(2)

    # Invoice 1 unit with Capture Online: $61.00 from the first, $5.00 from the second …
    invoice_one_unit(page, ["$61.00 from authorization", "$5.00 from authorization"])
    expect(page.locator(".messages").first).to_contain_text("captured $66.00 online")
    # … then the last unit: $56.00 from the second.
    invoice_one_unit(page, ["$56.00 from authorization"])
    expect(page.locator(".messages").first).to_contain_text("captured $56.00 online")

    totals = page.locator("#order-totals")
    expect(totals.locator('[data-figure="total_paid"]')).to_have_text("$122.00")
    assert Invoice.objects.filter(order=order).count() == 2
    page.get_by_role("tab", name=re.compile("Comments History")).click()
    history = page.locator("#comments-history")
    expect(history).to_contain_text("Order edited by finance: +1 × Simple product 1 ($56.00)")
    expect(history).to_contain_text("grand total $61.00 → $122.00")
    expect(history).to_contain_text("Captured amount of $61.00 online.")
    expect(history).to_contain_text("Captured amount of $5.00 online.")
    expect(history).to_contain_text("Captured amount of $56.00 online.")
    shot(page, SHOTS, "order-after-invoices")
    assert errors == []


def test_edit_down_after_a_capture_then_refund_the_difference(page: Page, live_server):
    order, item = order_with_items(qty=2)  # 2 × 56.00 + 10.00, all captured at once
    captured_payment(12200, order=order)
    editor("finance")
    errors = sign_in_to_order(page, live_server, "finance", order)

    page.get_by_role("link", name="Edit", exact=True).click()
    page.wait_for_load_state()
    page.get_by_label("Qty for SP1").fill("1")
    expect(page.get_by_test_id("edit-difference")).to_have_text("−$56.00")
    page.get_by_label("Reason for the edit").fill("One unit was out of stock.")
    page.get_by_role("button", name="Save changes").click()
    confirm_dialog(page, "Save changes")

    outstanding = page.get_by_test_id("outstanding-panel")
    expect(outstanding).to_contain_text("$56.00 paid above the order's total")
    outstanding.get_by_role("link", name="Refund the difference").click()
    # Transaction Details' Refund of the capture, pre-filled: a refund outside any credit memo
    # (the edit already lowered the total).
    expect(page.get_by_label("Amount")).to_have_value("56.00")
    page.get_by_label("Reason").select_option(label="Other")
    shot(page, SHOTS, "refund-difference")
    page.get_by_role("button", name="Submit").click()
    confirm_dialog(page, "Refund")
    expect(page.get_by_role("heading", name="Refund succeeded")).to_be_visible()

    page.goto(f"{live_server.url}{order.get_absolute_url()}")
    expect(page.locator('[data-figure="outstanding"]')).to_contain_text("settled")
    expect(page.get_by_test_id("outstanding-panel")).to_have_count(0)
    assert figures_of(fresh(order)).outstanding == 0
    assert item.pk and errors == []
