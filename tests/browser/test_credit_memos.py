"""A partial online credit memo and a goodwill refund, in a real browser."""

import os
import re

import pytest
from playwright.sync_api import Page, expect

from orders.enums import CreditMemoState
from orders.models import CreditMemo, Order
from payments.models import SandboxOperation
from tests.browser.helpers import confirm_dialog, shot, sign_in_to_order
from tests.orders.credit_memo_helpers import paid_invoice, refunder

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = os.environ.get("CREDIT_MEMO_SCREENSHOTS")  # a folder: save screenshots for review


def log_in(page: Page, live_server, order: Order) -> list[str]:
    refunder("refunder")
    return sign_in_to_order(page, live_server, "refunder", order)


def test_a_partial_online_credit_memo_lowers_the_refundable_amount_and_shows_in_history(
    page: Page, live_server
):
    order, _item, invoice, _ = paid_invoice()  # 2 × 56.00 + 10.00, captured online
    errors = log_in(page, live_server, order)

    # The invoice page says what can still be refunded, next to its Credit Memo button.
    page.get_by_role("tab", name=re.compile("Invoices")).click()
    page.get_by_role("link", name=f"#{invoice.number}").click()
    refundable = page.get_by_test_id("invoice-refundable")
    expect(refundable).to_have_text("$122.00")
    page.get_by_role("link", name="Credit Memo").click()
    expect(page.get_by_role("heading", name="New Credit Memo")).to_be_visible()

    # Live totals: one unit, no shipping, a 1.50 restocking fee.
    grand_total = page.get_by_test_id("memo-grand-total")
    expect(grand_total).to_have_text("$122.00")
    page.get_by_label("Qty to Refund for SP1").fill("1")
    page.get_by_label("Refund Shipping").fill("0")
    page.get_by_label("Adjustment Fee").fill("1.50")
    expect(grand_total).to_have_text("$54.50")
    # Before submitting, each button says what it will do.
    expect(page.get_by_test_id("memo-what-online")).to_have_text(
        "Refund $54.50 online to Visa ····4242 through sandbox."
    )
    expect(page.get_by_test_id("memo-what-offline")).to_have_text(
        "Record $54.50 as refunded outside the gateway."
    )
    # Too many decimals is refused next to the field while typing; nothing is sent.
    page.get_by_label("Adjustment Fee").fill("1.505")
    expect(page.locator("#memo-errors-adjustment_fee")).to_contain_text(
        "USD allows at most 2 decimal places."
    )
    expect(page.get_by_role("button", name="Refund", exact=True)).to_be_disabled()
    page.get_by_label("Adjustment Fee").fill("1.50")
    expect(page.get_by_role("button", name="Refund", exact=True)).to_be_enabled()
    page.get_by_label("Comment Text").fill("One mug arrived chipped.")
    page.get_by_label("Reason").select_option(label="Damaged")
    shot(page, SHOTS, "credit-memo-new")

    page.get_by_role("button", name="Refund", exact=True).click()
    confirm_dialog(page, "Refund")

    expect(page.get_by_role("heading", name=re.compile(r"^Credit Memo #"))).to_be_visible()
    memo = CreditMemo.objects.get()
    expect(page.locator(".messages").first).to_contain_text(
        f"Credit memo #{memo.number}: refunded $54.50 online to Visa ····4242."
    )
    expect(page.get_by_test_id("memo-mode")).to_have_text("Refund online")
    expect(page.get_by_test_id("memo-refunded")).to_have_text("$54.50")
    shot(page, SHOTS, "credit-memo-page")
    assert memo.state == CreditMemoState.REFUNDED
    assert SandboxOperation.objects.get(kind="refund").amount == 5450

    # Back on the invoice, the refundable amount dropped: $122.00 − $54.50 refunded − the
    # $1.50 Adjustment Fee the merchant kept (never refundable later, as in Magento).
    page.get_by_role("link", name=f"#{invoice.number}").first.click()
    expect(page.get_by_test_id("invoice-refundable")).to_have_text("$66.00")

    # The order's history shows the refund and the credit memo.
    page.goto(f"{live_server.url}{order.get_absolute_url()}#comments")
    history = page.locator("#comments-history .timeline")
    expect(history).to_contain_text("Refunded amount of $54.50 online.")
    expect(history).to_contain_text(
        f"Credit memo #{memo.number} from invoice #{invoice.number} created"
    )
    expect(history).to_contain_text("One mug arrived chipped.")
    page.get_by_role("tab", name=re.compile("Credit Memos")).click()
    expect(page.locator("#credit-memos-panel")).to_contain_text(f"#{memo.number}")
    assert errors == []


def test_a_goodwill_refund_from_the_order_page_updates_it_in_place(page: Page, live_server):
    order, _item, _invoice, _ = paid_invoice()
    errors = log_in(page, live_server, order)
    page.evaluate("window.__noReload = 'still here'")

    page.get_by_role("link", name="Refund", exact=True).click()
    dialog = page.locator("#goodwill-dialog")
    expect(dialog).to_be_visible()
    # The form is fetched as the dialog opens; the amount is ready to type in.
    expect(dialog.get_by_label("Amount")).to_be_focused()
    dialog.get_by_label("Amount").fill("200")
    dialog.get_by_role("button", name="Refund Offline").click()  # refused: nothing to confirm
    expect(dialog.locator("#goodwill-amount-error")).to_contain_text("Refund is limited to $122.00")

    dialog.get_by_label("Amount").fill("15")
    dialog.get_by_label("Reason").select_option(label="Goodwill")
    dialog.get_by_label("Note").fill("Late delivery")
    shot(page, SHOTS, "goodwill-dialog")
    dialog.get_by_role("button", name="Refund", exact=True).click()
    confirm_dialog(page, "Refund")

    expect(page.locator("#flash")).to_contain_text("refunded $15.00 online to Visa ····4242")
    expect(dialog).to_be_hidden()
    memo = CreditMemo.objects.get()
    assert (memo.adjustment_refund, memo.comment) == (1500, "Late delivery")
    # The panels were swapped in place: the memo is listed, the money summary says why
    # nothing is outstanding.
    expect(page.locator("#credit-memos-panel a.link-strong")).to_have_text(f"#{memo.number}")
    expect(page.get_by_test_id("money-credited")).to_have_text("−$15.00")
    assert page.evaluate("window.__noReload") == "still here"
    # The refused amount was answered 422 on purpose (the form with its error); the browser
    # logs every 4xx as a console error.
    assert [e for e in errors if "status of 422" not in e] == []
