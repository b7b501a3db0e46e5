"""A staff member finds an order and comments on it, in a real browser."""

import re

import pytest
from playwright.sync_api import Page, expect

from orders.models import OrderComment
from tests.browser.helpers import settled, sign_in
from tests.factories import OrderFactory, OrderItemFactory, StoreFactory
from tests.orders.view_helpers import authorize, staff_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_find_an_order_and_comment_without_a_reload(page: Page, live_server):
    store = StoreFactory(code="us", name="US Store")
    order = OrderFactory(
        number="100000110", store=store, customer_name="Ann Lee", customer_email="ann@example.com"
    )
    OrderItemFactory(order=order, name="Simple product 1")
    authorize(order, 6100, gateway_reference="psp-auth-1")
    OrderFactory(number="200000001", store=store, customer_name="Bo Chan")
    staff_user("view_orders", "comment_order", "notify_customer", username="sam")

    # Log in through the form.
    errors = sign_in(page, live_server, "sam", "/orders/")
    expect(page.get_by_role("heading", name="Orders")).to_be_visible()

    # Search by the payment's gateway reference.
    page.get_by_label("Search orders").fill("psp-auth-1")
    page.get_by_role("button", name="Search").click()
    settled(page)  # the search's rows, not the ones it replaces
    rows = page.locator("table.table--orders tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ann Lee")

    # Open it; the tabs are client-side, so Payment Information shows and comments are hidden.
    rows.first.get_by_role("link", name="#100000110").click()
    expect(page.get_by_role("heading", name="Order #100000110", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Payment Information")).to_be_visible()
    expect(page.locator("#comments-history")).to_be_hidden()
    page.get_by_role("tab", name=re.compile("Comments History")).click()
    expect(page.locator("#comments-history")).to_be_visible()
    expect(page.locator("#payment-information")).to_be_hidden()

    # An empty comment is refused next to the field, in place.
    page.evaluate("window.__noReload = 'still here'")
    page.get_by_role("button", name="Submit Comment").click()
    # The browser's own `required` check may stop an empty submit before htmx does.
    assert OrderComment.objects.count() == 0

    # Add a comment: htmx swaps the panel; the page is not reloaded.
    page.get_by_label("Comment").fill("Customer asked for gift wrap.")
    page.get_by_label("Visible on Storefront").check()
    page.get_by_role("button", name="Submit Comment").click()
    history = page.locator("#comments-history .timeline")
    expect(history).to_contain_text("Customer asked for gift wrap.")
    expect(history).to_contain_text("Visible on storefront")
    expect(page.locator("#comments-history")).to_contain_text("Comment added.")
    expect(page.get_by_label("Comment")).to_have_value("")
    assert page.evaluate("window.__noReload") == "still here"
    assert OrderComment.objects.get().is_visible_on_front
    assert errors == []
