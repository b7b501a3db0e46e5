"""Save a view of the order grid (a filter and a column choice) and come back to it."""

import os

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import shot, sign_in
from tests.factories import OrderFactory, StoreFactory
from tests.orders.view_helpers import staff_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_save_a_view_and_come_back_to_it(page: Page, live_server):
    store = StoreFactory(code="us", name="US Store")
    OrderFactory(number="100000001", store=store, state="holded", customer_name="Ann Hold")
    OrderFactory(number="100000002", store=store, state="processing", customer_name="Bo Busy")
    staff_user("view_orders", username="grid")
    errors = sign_in(page, live_server, "grid", "/orders/")
    rows = page.locator("table.table--orders tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("grid-count")).to_have_text("2 orders")

    # A filter, then fewer columns.
    filters = page.get_by_role("search")
    filters.get_by_label("State").select_option(label="On hold")
    page.get_by_role("button", name="Apply filters").click()
    expect(rows).to_have_count(1)
    page.get_by_text("Columns", exact=True).click()
    chooser = page.get_by_role("group", name="Visible columns")
    chooser.get_by_label("Store", exact=True).uncheck()
    chooser.get_by_label("Payment status", exact=True).uncheck()
    page.get_by_role("button", name="Show these columns").click()
    headers = page.locator("table.table--orders thead th:not(.col-select)")
    expect(headers).to_have_count(6)
    expect(page.get_by_role("columnheader", name="Store")).to_have_count(0)

    # Save it as my default.
    page.locator("summary", has_text="Views").click()
    page.get_by_label("View name").fill("On hold")
    page.get_by_label("Open by default").check()
    shot(page, os.environ.get("SCREENSHOTS"), "grid-views-menu")
    page.get_by_role("button", name="Save view").click()
    expect(page.get_by_test_id("active-view")).to_have_text("On hold")
    shot(page, os.environ.get("SCREENSHOTS"), "grid-view-saved")

    # Elsewhere, then back to the bare grid: the view opens, its filter and columns too.
    page.goto(f"{live_server.url}/orders/?view=")
    expect(rows).to_have_count(2)
    expect(page.get_by_role("columnheader", name="Store")).to_have_count(1)
    page.goto(f"{live_server.url}/orders/")
    expect(page.get_by_test_id("active-view")).to_have_text("On hold")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("#100000001")
    expect(filters.get_by_label("State")).to_have_value("holded")
    expect(headers).to_have_count(6)
    expect(page.get_by_role("columnheader", name="Store")).to_have_count(0)

    # And from the menu.
    page.goto(f"{live_server.url}/orders/?view=")
    page.locator("summary", has_text="Views").click()
    page.get_by_role("link", name="On hold", exact=True).click()
    expect(rows).to_have_count(1)
    assert errors == []
