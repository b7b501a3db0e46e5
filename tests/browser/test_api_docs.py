"""The storefront API's docs page (/api/v1/docs/) renders under the strict CSP: Swagger UI from
our own static files, no CDN, no CSP report."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import collect_errors

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_api_docs_render_every_operation_without_a_csp_violation(page: Page, live_server):
    errors = collect_errors(page)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.get_by_text("Back office storefront API").first).to_be_visible()
    for summary in ("Send one order", "One order: payment status, amounts, payments"):
        expect(page.get_by_text(summary).first).to_be_visible()
    page.get_by_text("Send one order").first.click()
    expect(page.get_by_text("409").first).to_be_visible()
    assert errors == []
    assert all(url.startswith(live_server.url) for url in requests), requests
