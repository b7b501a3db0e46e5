"""A finance user captures part of a pre-authorization from Transaction Details, in a browser."""

import re

import pytest
from playwright.sync_api import Page, expect

from payments.enums import TransactionType
from payments.models import Transaction
from tests.browser.helpers import confirm_dialog, settled, sign_in
from tests.factories import OrderFactory, StoreFactory
from tests.payments.money_helpers import authorized_payment, staff

pytestmark = pytest.mark.django_db(transaction=True)


def test_capture_part_of_a_preauthorization_and_copy_its_uuid(page: Page, live_server):
    store = StoreFactory(code="us", name="US Store")
    order = OrderFactory(number="100000110", store=store, subtotal=6100, shipping_amount=0)
    payment = authorized_payment(6100, order=order)
    pa = payment.transactions.get(type=TransactionType.AUTHORIZATION)
    staff("fin")  # password pass-1234
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    errors = sign_in(page, live_server, "fin", "/transactions/")

    # Find the pre-authorization by its short UUID and open its details.
    page.get_by_label("Search", exact=True).fill(pa.short_uuid)
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(f"q={pa.short_uuid}"))
    settled(page)  # the search's rows, not the ones it replaces
    rows = page.locator("table.txn-table tbody tr")
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link", name=pa.short_uuid).click()
    expect(page.get_by_role("heading", name="Pre-authorization", level=1)).to_be_visible()
    # The page shows before its deferred scripts run: clicked earlier, Capture opens its page
    # without JavaScript (as it should), not the dialog this test is about.
    page.wait_for_load_state()

    # Capture opens the dialog, prefilled with the maximum.
    page.get_by_role("button", name="Capture", exact=True).click()
    dialog = page.locator("dialog#operation-dialog")
    expect(dialog).to_be_visible()
    amount = dialog.get_by_label("Amount")
    expect(amount).to_have_value("61.00")
    expect(dialog).to_contain_text("Maximum: $61.00")

    # Too much first: the error shows next to the field, and nothing is captured.
    amount.fill("70.00")
    dialog.get_by_role("button", name="Submit").click()
    expect(dialog).to_contain_text("The maximum is $61.00.")
    assert not Transaction.objects.filter(parent=pa).exists()

    amount.fill("25.00")
    dialog.get_by_label("Transaction ID").fill("CAP-BROWSER-1")
    dialog.get_by_label("Memo").fill("First shipment")
    dialog.get_by_role("button", name="Submit").click()
    confirm_dialog(page, "Capture")  # the amount as read, confirmed before it moves
    expect(dialog.get_by_role("heading", name="Capture succeeded")).to_be_visible()

    new_uuid = dialog.locator('[data-field="new-uuid"]').inner_text().strip()
    assert re.fullmatch(r"[0-9a-f-]{36}", new_uuid)
    dialog.get_by_role("button", name="Copy new UUID").click()
    expect(dialog.get_by_role("button", name="Copy new UUID")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == new_uuid
    expect(dialog.locator('[data-field="new-transaction-id"]')).to_have_text("CAP-BROWSER-1")

    capture = Transaction.objects.get(uuid=new_uuid)
    assert (capture.parent_id, capture.amount, capture.merchant_reference) == (
        pa.pk,
        2500,
        "CAP-BROWSER-1",
    )

    # Closing the dialog shows the page, whose panels were refreshed without a reload.
    dialog.get_by_role("button", name="Done").click()
    expect(dialog).to_be_hidden()
    related = page.locator("#related-transactions")
    new_row = related.locator(f'tr[data-uuid="{new_uuid}"]')
    expect(new_row).to_be_visible()
    expect(new_row).to_contain_text("Capture")
    expect(new_row).to_contain_text("$25.00")
    expect(page.locator("#transaction-operations")).to_contain_text("up to $36.00")
    # The refused amount answered 422, which the browser logs; nothing else may go wrong.
    assert [e for e in errors if "status of 422" not in e] == []
