"""Mass actions in a real browser: tick the page, "Select all N matching this filter", Capture;
the progress page ends with a result per order, the declined one with the gateway's reason. A
viewer gets no Capture on the grid."""

import re

import pytest
from django.db import connection
from playwright.sync_api import Page, expect

from backoffice.job_models import Job
from backoffice.jobs.runner import job_run
from orders.models import Invoice
from tests.backoffice.roles_helpers import role_user
from tests.browser.helpers import sign_in
from tests.orders.mass_helpers import authorized, declining

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def small_pages(monkeypatch):
    """A page of 4 rows, so that 8 orders fill more than one page."""
    monkeypatch.setattr("backoffice.grids.PAGE_SIZES", (4, 20, 50, 100, 200))


def test_select_all_matching_and_capture_shows_a_result_per_order(
    page: Page, live_server, small_pages
):
    good = [authorized("us") for _ in range(7)]
    declined = declining()
    other_store = authorized("eu")
    role_user("finance")
    connection.close()  # the live server thread opens its own

    errors = sign_in(page, live_server, "finance", "/orders/?store=us&per_page=4")
    expect(page.get_by_role("heading", name="Orders", level=1)).to_be_visible()
    page.get_by_label("Select all orders on this page").check()
    expect(page.get_by_text("All 4 orders on this page are selected.")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"Select all 8 orders matching this filter")).click()
    expect(page.get_by_text("All 8 orders matching this filter are selected.")).to_be_visible()
    page.get_by_role("group", name="Mass actions").get_by_role("button", name="Capture").click()

    expect(page.get_by_role("heading", name="Capture 8 orders?", level=1)).to_be_visible()
    expect(page.get_by_text("All 8 orders matching the filter")).to_be_visible()
    page.get_by_role("button", name="Capture 8 orders").click()

    progress = page.locator("#job-progress")
    expect(progress).to_have_attribute("data-job-status", "done")
    expect(progress.locator('[data-count="done"]')).to_have_text("7")
    expect(progress.locator('[data-count="failed"]')).to_have_text("1")
    expect(progress.locator("tbody tr")).to_have_count(8)
    failed = progress.locator(f'tr[data-row="{declined.number}"]')
    expect(failed).to_contain_text("declined")
    expect(failed).to_contain_text("the gateway declined it")
    expect(progress.locator(f'tr[data-row="{good[0].number}"]')).to_contain_text(
        "captured $122.00 online"
    )
    expect(progress.get_by_role("link", name="Download results (CSV)")).to_be_visible()
    expect(page.locator("[data-jobs-notice]")).to_have_count(0)  # seen on its own page

    job = Job.objects.get()
    assert job.params["all_matching"] is True
    assert Invoice.objects.filter(order=other_store).count() == 0
    assert errors == []


def test_a_viewer_gets_no_capture_on_the_mass_action_menu(page: Page, live_server):
    authorized("us")
    role_user("viewer")
    connection.close()

    errors = sign_in(page, live_server, "viewer", "/orders/")

    expect(page.get_by_role("heading", name="Orders", level=1)).to_be_visible()
    expect(page.locator("table.table--orders tbody tr")).to_have_count(1)
    expect(page.get_by_role("button", name="Capture")).to_have_count(0)
    expect(page.get_by_role("group", name="Mass actions")).to_have_count(0)
    expect(page.get_by_label("Select all orders on this page")).to_have_count(0)
    assert errors == []


def test_the_progress_page_refreshes_itself_until_the_job_ends(page: Page, live_server):
    orders = [authorized("us") for _ in range(2)]
    manager = role_user("manager")
    job = Job.objects.create(
        kind="orders.hold",
        title="Hold 2 orders",
        created_by=manager,
        params={"query": "", "numbers": [o.number for o in orders], "all_matching": False},
        total=2,
    )
    connection.close()

    errors = sign_in(page, live_server, "manager", f"/jobs/{job.pk}/")
    progress = page.locator("#job-progress")
    expect(progress).to_have_attribute("data-job-status", "queued")
    expect(progress).to_contain_text("This page updates by itself while the job runs.")

    job_run(job_id=job.pk)  # a worker runs it meanwhile
    connection.close()

    expect(progress).to_have_attribute("data-job-status", "done", timeout=5000)
    expect(progress.locator('[data-count="done"]')).to_have_text("2")
    expect(progress.locator("tbody tr")).to_have_count(2)
    expect(progress).not_to_contain_text("updates by itself")
    assert errors == []
