"""Four-eyes in a real browser: finance asks for a large refund, a manager approves it in place;
a manager's own small refunds add up, wait, and are withdrawn by the manager."""

import re

import pytest
from django.db import connection
from playwright.sync_api import Page, expect

from orders.models import ApprovalRequest, ApprovalState
from payments.models import Transaction
from tests.backoffice.roles_helpers import T, capture_of, captured, eu_store, role_user
from tests.browser.helpers import confirm_dialog, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_large_refund_waits_then_a_manager_approves_it_on_the_order_page(page: Page, live_server):
    capture = capture_of(captured(100000, store=eu_store(threshold=50000)))
    order = capture.order
    role_user("finance")
    role_user("manager")
    connection.close()  # the live server thread opens its own

    # Finance asks for €600.00 from Transaction Details: it waits for approval.
    errors = sign_in(page, live_server, "finance", f"/transactions/{capture.uuid}/")
    page.get_by_role("button", name="Refund", exact=True).click()
    page.get_by_label("Amount").fill("600.00")
    page.get_by_label("Reason").select_option(label="Damaged")
    page.get_by_label("Memo").fill("Parcel arrived damaged")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".confirm-dialog")).to_contain_text(
        "Request approval of a €600.00 refund: above the store's €500.00 threshold."
    )
    confirm_dialog(page, "Request approval")
    expect(page.get_by_text("Refund of €600.00 is awaiting approval by a manager.")).to_be_visible()
    assert not Transaction.objects.filter(order=order, type=T.REFUND).exists()

    # The requester sees the request on the order page but can't approve it.
    page.goto(f"{live_server.url}{order.get_absolute_url()}")
    panel = page.locator("#approvals-panel")
    expect(panel).to_contain_text("Refund of €600.00")
    expect(panel.get_by_role("button", name="Approve")).to_be_disabled()
    expect(panel).to_contain_text("You cannot approve your own request.")
    expect(panel.get_by_role("button", name="Reject")).to_be_disabled()

    # A manager approves it in place: the panel empties, the refund shows in the history.
    page.context.clear_cookies()
    errors += sign_in(page, live_server, "manager", order.get_absolute_url())
    panel = page.locator("#approvals-panel")
    expect(panel).to_contain_text("Parcel arrived damaged")
    panel.get_by_role("button", name="Approve").click()
    page.locator(".confirm-dialog").get_by_role("button", name="Approve").click()
    expect(page.locator("#flash")).to_contain_text(re.compile("Approved"))
    expect(panel.locator("[data-approval]")).to_have_count(0)

    assert ApprovalRequest.objects.get().state == ApprovalState.APPROVED
    refund = Transaction.objects.get(order=order, type=T.REFUND)
    assert (refund.amount, refund.status) == (60000, "success")
    assert errors == []


def test_a_managers_second_refund_adds_up_waits_and_is_withdrawn(page: Page, live_server):
    capture = capture_of(captured(20000, store=eu_store(threshold=5000)))  # €50.00
    order = capture.order
    role_user("manager")
    connection.close()
    errors = sign_in(page, live_server, "manager", f"/transactions/{capture.uuid}/")

    def refund(amount: str, confirm: str) -> None:
        page.get_by_role("button", name="Refund", exact=True).click()
        dialog = page.locator("dialog#operation-dialog")
        dialog.get_by_label("Amount").fill(amount)
        dialog.get_by_label("Reason").select_option(label="Damaged")
        dialog.get_by_role("button", name="Submit").click()
        confirm_dialog(page, confirm)

    refund("45.00", "Refund")
    expect(page.locator("dialog#operation-dialog")).to_contain_text("Refund succeeded")
    page.goto(f"{live_server.url}/transactions/{capture.uuid}/")
    page.get_by_role("button", name="Refund", exact=True).click()
    dialog = page.locator("dialog#operation-dialog")
    dialog.get_by_label("Amount").fill("45.00")
    dialog.get_by_label("Reason").select_option(label="Damaged")
    dialog.get_by_role("button", name="Submit").click()
    expect(page.locator(".confirm-dialog")).to_contain_text(
        "Request approval of a €45.00 refund: with €45.00 refunded on this order in the last "
        "24 hours, above the store's €50.00 threshold."
    )
    confirm_dialog(page, "Request approval")
    expect(page.get_by_text("Refund of €45.00 is awaiting approval by a manager.")).to_be_visible()

    # On the order page the manager may not decide their own request, only withdraw it.
    page.goto(f"{live_server.url}{order.get_absolute_url()}")
    panel = page.locator("#approvals-panel")
    expect(panel.get_by_role("button", name="Approve")).to_be_disabled()
    expect(panel.get_by_role("button", name="Reject")).to_be_disabled()
    expect(panel).to_contain_text("You cannot reject your own request; withdraw it instead.")
    panel.get_by_role("button", name="Withdraw").click()
    page.locator(".confirm-dialog").get_by_role("button", name="Withdraw").click()
    expect(page.locator("#flash")).to_contain_text("Refund of €45.00 is withdrawn.")
    expect(panel.locator("[data-approval]")).to_have_count(0)

    assert ApprovalRequest.objects.get().state == ApprovalState.WITHDRAWN
    assert Transaction.objects.filter(order=order, type=T.REFUND).count() == 1
    assert errors == []
