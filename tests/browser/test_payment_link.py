"""The Medusa story in a real browser: staff edit an order up (Partially authorized), copy a
payment link for the outstanding amount, the customer opens it signed out and pays with a
sandbox test card (Authorized), and staff capture the whole order across both
authorizations."""

import os
import re

import pytest
from django.db import connection
from playwright.sync_api import Browser, Page, expect

from orders.models import Invoice, PaymentLink
from payments.models import Payment
from tests.browser.axe import axe_violations, readable
from tests.browser.helpers import collect_errors, confirm_dialog, shot, sign_in_to_order
from tests.orders.edit_helpers import editor, one_unit_order

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = os.environ.get("PAYMENT_LINK_SCREENSHOTS")  # a folder: save screenshots for review


def test_edit_up_copy_a_payment_link_the_customer_pays_it_signed_out_then_capture(
    page: Page, browser: Browser, live_server
):
    order, _item, _first = one_unit_order(customer_name="Ann Lee")  # $61.00, authorized
    editor("fin")
    connection.close()  # the live server thread opens its own

    # Edit up: a second unit ($56.00); the order is now partially authorized.
    errors = sign_in_to_order(page, live_server, "fin", order)
    page.get_by_role("link", name="Edit", exact=True).click()
    page.wait_for_load_state()
    page.get_by_label("Qty for SP1").fill("2")
    expect(page.get_by_test_id("edit-difference")).to_have_text("+$56.00")
    page.get_by_label("Reason for the edit").fill("A second unit, paid by link.")
    page.get_by_role("button", name="Save changes").click()
    confirm_dialog(page, "Save changes")
    expect(page.locator("#order-header")).to_contain_text("Partially authorized")

    links = page.locator("#payment-links")
    expect(links).to_contain_text("The customer authorizes $56.00")
    links.get_by_role("button", name="Copy payment link").click()
    expect(page.get_by_text("Payment link ready")).to_be_visible()
    url = page.get_by_test_id("payment-link-url").input_value()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/pay/[^/]+/", url)
    expect(page.locator("#payment-links li[data-status='open']")).to_contain_text("Open")
    shot(page, SHOTS, "order-page-link")

    # The customer: another browser, signed out.
    # (CSP bypassed for axe's injected script only; the app's own pages load no inline code.)
    customer = browser.new_context(bypass_csp=True).new_page()
    customer_errors = collect_errors(customer)
    customer.goto(url)
    expect(customer.get_by_role("heading", name=f"Order #{order.number}")).to_be_visible()
    assert readable("pay page", axe_violations(customer)) == []
    expect(customer.get_by_test_id("amount-due")).to_have_text("$56.00")
    expect(customer.get_by_text("fin")).to_have_count(0)
    customer.get_by_label("Name on card").fill("Ann Lee")
    customer.get_by_label("Card number").fill("4000 0000 0000 0002")
    customer.get_by_label("Expiry (MM/YY)").fill("12/39")
    customer.get_by_label("Security code (CVC)").fill("123")
    customer.get_by_role("button", name="Pay $56.00").click()
    expect(customer.get_by_test_id("declined")).to_contain_text("Your card was declined.")
    shot(customer, SHOTS, "pay-declined")
    customer.get_by_label("Card number").fill("4242 4242 4242 4242")
    customer.get_by_label("Expiry (MM/YY)").fill("12/39")
    customer.get_by_label("Security code (CVC)").fill("123")
    customer.get_by_role("button", name="Pay $56.00").click()
    expect(customer.get_by_test_id("link-state")).to_have_text(
        "This payment link has been paid. Thank you!"
    )
    shot(customer, SHOTS, "pay-paid")
    customer.context.close()

    # Back on the order page: a second authorization, the order authorized, the link paid.
    page.reload()
    expect(page.locator("#payment-links li[data-status='paid']")).to_contain_text("Paid")
    expect(page.locator("#order-header")).not_to_contain_text("Partially authorized")
    expect(page.locator("#order-header")).to_contain_text("Authorized")
    expect(page.locator("#payment-information")).to_contain_text("····4242")
    shot(page, SHOTS, "order-page-paid")

    # Capture: one invoice of both units, online across the two authorizations.
    page.get_by_role("link", name="Invoice", exact=True).click()
    expect(page.get_by_role("heading", name="New Invoice")).to_be_visible()
    page.get_by_role("button", name="Submit Invoice").click()
    confirm_dialog(page, "Submit Invoice")
    expect(page.locator(".messages").first).to_contain_text("captured $117.00 online")
    expect(page.locator('#order-totals [data-figure="total_paid"]')).to_have_text("$117.00")
    page.get_by_role("tab", name=re.compile("Comments History")).click()
    history = page.locator("#comments-history")
    expect(history).to_contain_text("Order edited by fin: +1 × Simple product 1 ($56.00)")
    expect(history).to_contain_text("Authorization of $56.00 through the payment link.")
    paid = Payment.objects.filter(order=order, amount_captured__gt=0)
    assert sorted(p.amount_captured for p in paid) == [5600, 6100]
    assert Invoice.objects.filter(order=order).count() == 1
    assert PaymentLink.objects.get().paid_at is not None
    assert errors == [] and customer_errors == []
