"""Search the order list as a new user would: two letters find names that start with them,
and the page says so; three find them anywhere."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import sign_in
from tests.factories import OrderFactory, StoreFactory
from tests.orders.view_helpers import staff_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_letters_match_names_from_their_start_and_the_page_says_so(page: Page, live_server):
    store = StoreFactory(code="us", name="US Store")
    OrderFactory(number="100000001", store=store, customer_name="Zoe Adams")
    OrderFactory(number="100000002", store=store, customer_name="Anna Zorn")
    staff_user("view_orders", username="finder")
    errors = sign_in(page, live_server, "finder", "/orders/")
    rows = page.locator("table.table--orders tbody tr")
    note = page.get_by_test_id("short-search-note")
    search = page.get_by_role("search").get_by_label("Search orders")

    search.fill("zo")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Zoe Adams")
    expect(note).to_contain_text("start with “zo”")

    search.fill("zor")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Anna Zorn")
    expect(note).to_have_count(0)
    assert errors == []
