"""The Medusa story's payment link, in a real browser: staff copy a payment link for the
outstanding amount, the customer opens it signed out and pays with a sandbox test card, and the
order page shows the new authorization."""

import os
import re

import pytest
from django.db import connection
from playwright.sync_api import Browser, Page, expect

from orders.models import PaymentLink
from payments.models import Payment
from tests.browser.helpers import collect_errors, shot, sign_in_to_order
from tests.browser.test_accessibility import axe_violations, readable
from tests.orders.payment_link_helpers import finance_user, owing_order

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = os.environ.get("PAYMENT_LINK_SCREENSHOTS")  # a folder: save screenshots for review


def test_copy_a_payment_link_the_customer_pays_it_signed_out(
    page: Page, browser: Browser, live_server
):
    order = owing_order(customer_name="Ann Lee")
    finance_user("fin")
    connection.close()  # the live server thread opens its own

    errors = sign_in_to_order(page, live_server, "fin", order)
    links = page.locator("#payment-links")
    expect(links).to_contain_text("The customer authorizes $61.00")
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
    expect(customer.get_by_test_id("amount-due")).to_have_text("$61.00")
    expect(customer.get_by_text("fin")).to_have_count(0)
    customer.get_by_label("Name on card").fill("Ann Lee")
    customer.get_by_label("Card number").fill("4000 0000 0000 0002")
    customer.get_by_label("Expiry (MM/YY)").fill("12/39")
    customer.get_by_label("Security code (CVC)").fill("123")
    customer.get_by_role("button", name="Pay $61.00").click()
    expect(customer.get_by_test_id("declined")).to_contain_text("Your card was declined.")
    shot(customer, SHOTS, "pay-declined")
    customer.get_by_label("Card number").fill("4242 4242 4242 4242")
    customer.get_by_label("Expiry (MM/YY)").fill("12/39")
    customer.get_by_label("Security code (CVC)").fill("123")
    customer.get_by_role("button", name="Pay $61.00").click()
    expect(customer.get_by_test_id("link-state")).to_have_text(
        "This payment link has been paid. Thank you!"
    )
    shot(customer, SHOTS, "pay-paid")
    customer.context.close()

    # Back on the order page: a second authorization, the order authorized, the link paid.
    page.reload()
    expect(page.locator("#payment-links li[data-status='paid']")).to_contain_text("Paid")
    expect(page.locator("#order-header")).to_contain_text("Authorized")
    expect(page.locator("#payment-information")).to_contain_text("····4242")
    shot(page, SHOTS, "order-page-paid")
    page.get_by_role("tab", name=re.compile("Comments History")).click()
    expect(page.locator("#comments-history")).to_contain_text(
        "Authorization of $61.00 through the payment link."
    )
    authorized = Payment.objects.filter(order=order, amount_authorized=6100)
    assert authorized.count() == 2  # the declined try is a payment with a failed row
    assert PaymentLink.objects.get().paid_at is not None
    assert errors == [] and customer_errors == []
