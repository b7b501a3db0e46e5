"""A finance user refunds a capture on Transaction Details for the reason "Damaged", then finds
the refund by that reason in the transaction search, in a browser."""

import pytest
from playwright.sync_api import Page, expect

from payments.enums import TransactionType
from payments.models import Transaction
from tests.browser.helpers import confirm_dialog, sign_in
from tests.factories import OrderFactory, StoreFactory
from tests.payments.money_helpers import captured_payment, staff

pytestmark = pytest.mark.django_db(transaction=True)


def test_refund_for_damaged_goods_then_find_it_by_its_reason(page: Page, live_server):
    store = StoreFactory(code="us", name="US Store", locale="en_US")
    order = OrderFactory(number="100000120", store=store, subtotal=6100, shipping_amount=0)
    capture = captured_payment(6100, order=order).transactions.get(type=TransactionType.CAPTURE)
    staff("fin")  # password pass-1234
    errors = sign_in(page, live_server, "fin", f"/transactions/{capture.uuid}/")
    expect(page.get_by_role("heading", name="Capture", level=1)).to_be_visible()

    page.get_by_role("button", name="Refund", exact=True).click()
    dialog = page.locator("dialog#operation-dialog")
    expect(dialog).to_be_visible()
    reason = dialog.get_by_label("Reason")
    expect(reason).to_have_value("")  # nobody's reason is assumed

    # Without a reason: the message shows next to the field and nothing is refunded.
    dialog.get_by_label("Amount").fill("20.00")
    dialog.get_by_role("button", name="Submit").click()
    expect(dialog).to_contain_text("Choose a reason for this refund.")
    assert not Transaction.objects.filter(parent=capture).exists()

    dialog.get_by_label("Reason").select_option(label="Damaged")
    dialog.get_by_role("button", name="Submit").click()
    confirm_dialog(page, "Refund")
    expect(dialog.get_by_role("heading", name="Refund succeeded")).to_be_visible()
    expect(dialog.locator('[data-field="new-reason"]')).to_have_text("Damaged")
    refund = Transaction.objects.get(parent=capture, type=TransactionType.REFUND)
    assert (refund.amount, refund.reason.code) == (2000, "damaged")

    # Its Transaction Details say why.
    dialog.get_by_role("link", name="Open the refund").click()
    expect(page.get_by_role("heading", name="Refund", level=1)).to_be_visible()
    expect(page.locator('[data-field="reason"]')).to_have_text("Damaged")

    # The search's Reason filter finds it, and only it.
    page.goto(f"{live_server.url}/transactions/")
    rows = page.locator("table.txn-table tbody tr")
    expect(rows).to_have_count(3)  # authorization, capture, refund
    page.get_by_label("Reason").select_option(label="Damaged")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-uuid", str(refund.uuid))
    page.get_by_label("Reason").select_option(label="Fraud")
    expect(page.get_by_role("heading", name="No transactions found")).to_be_visible()
    # The refused submit answered 422, which the browser logs; nothing else may go wrong.
    assert [e for e in errors if "status of 422" not in e] == []
