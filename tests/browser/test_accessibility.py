"""axe-core (vendored: tests/browser/vendor/axe.min.js, MPL-2.0, no CDN) on the main pages:
no "serious" or "critical" violation.

The script is injected into each page after it loaded (`add_script_tag`); the browser context
bypasses the app's CSP for that one injected script only in this test (the app itself never
loads axe).
"""

import os

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from payments.enums import TransactionType
from tests.browser.axe import axe_violations, readable
from tests.browser.helpers import shot, sign_in
from tests.orders.credit_memo_helpers import paid_invoice, refunder

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = os.environ.get("A11Y_SCREENSHOTS")  # a folder: save each page checked, for review


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "bypass_csp": True}


def test_the_main_pages_have_no_serious_or_critical_violations(page: Page, live_server):
    order, _item, invoice, payments = paid_invoice(invoice_qty=1)  # one unit left to invoice
    capture = payments[0].transactions.get(type=TransactionType.CAPTURE)
    refunder("admin_like")
    problems: list[str] = []

    page.goto(f"{live_server.url}{reverse('login')}")
    problems += readable("sign-in", axe_violations(page))

    sign_in(page, live_server, "admin_like", reverse("dashboard"))
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    pages = {
        "dashboard": reverse("dashboard"),
        "order list": reverse("orders:list"),
        "order page": reverse("orders:detail", args=[order.number]),
        "invoice new": reverse("orders:invoice_new", args=[order.number]),
        "credit memo new": reverse("orders:credit_memo_new", args=[order.number, invoice.number]),
        "transactions": reverse("payments:transaction_list"),
        "transaction details": reverse("payments:transaction_detail", args=[capture.uuid]),
        "reports": reverse("reports:money"),
        "audit": reverse("audit:list"),
        "store settings": reverse("store_settings", args=[order.store.code]),
    }
    for name, path in pages.items():
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, (name, path)
        problems += readable(name, axe_violations(page))
        shot(page, SHOTS, name.replace(" ", "-"))

    assert not problems, "axe found serious or critical violations:\n" + "\n".join(problems)
