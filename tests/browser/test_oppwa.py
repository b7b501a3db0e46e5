"""Issue 19: Transaction Details of an OPPWA payment offers the operations of its type and runs a
capture with Amount, Usage, Transaction ID and Memo, through the adapter's httpx client to the
local fake of OPPWA's REST API."""

import pytest
from playwright.sync_api import Page, expect

from payments.enums import TransactionType
from payments.models import Transaction
from tests.browser.helpers import confirm_dialog, sign_in
from tests.payments.money_helpers import staff
from tests.payments.oppwa_helpers import oppwa_payment, serve_fake_oppwa

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fake_oppwa(monkeypatch):
    yield from serve_fake_oppwa(monkeypatch)


def test_finance_captures_an_oppwa_preauthorization(page: Page, live_server, fake_oppwa):
    payment = oppwa_payment(fake_oppwa, 6100)
    pa = payment.transactions.get(type=TransactionType.AUTHORIZATION)
    staff("fin")
    errors = sign_in(page, live_server, "fin", f"/transactions/{pa.uuid}/")
    expect(page.get_by_role("heading", name="Pre-authorization", level=1)).to_be_visible()

    # A pre-authorization offers Capture and Reversal, nothing of a capture's or a debit's.
    operations = page.locator("#transaction-operations [data-operation]")
    expect(operations).to_have_count(2)
    expect(page.locator("#transaction-operations")).to_contain_text("Capture")
    expect(page.locator("#transaction-operations")).to_contain_text("Reversal")

    page.get_by_role("button", name="Capture", exact=True).click()
    dialog = page.locator("dialog#operation-dialog")
    dialog.get_by_label("Amount").fill("40.00")
    dialog.get_by_label("Usage").fill("Order 6100 shipment 1")
    dialog.get_by_label("Transaction ID").fill("ACI-CAP-0001")
    dialog.get_by_label("Memo").fill("First parcel")
    dialog.get_by_role("button", name="Submit").click()
    expect(page.locator("dialog.confirm-dialog")).to_contain_text("Capture €40.00 online")
    confirm_dialog(page, "Capture")
    expect(dialog.get_by_role("heading", name="Capture succeeded")).to_be_visible()
    expect(dialog.locator('[data-field="new-transaction-id"]')).to_have_text("ACI-CAP-0001")

    [sent] = [r[2] for r in fake_oppwa.requests if r[2].get("paymentType") == "CP"]
    assert (sent["amount"], sent["currency"]) == ("40.00", "EUR")
    assert (sent["merchantTransactionId"], sent["descriptor"]) == (
        "ACI-CAP-0001",
        "Order 6100 shipment 1",
    )
    capture = Transaction.objects.get(type=TransactionType.CAPTURE, payment=payment)
    assert (capture.amount, capture.usage, capture.memo) == (
        4000,
        "Order 6100 shipment 1",
        "First parcel",
    )

    # Its own details show OPPWA's result code next to the reference.
    page.goto(f"{live_server.url}/transactions/{capture.uuid}/")
    expect(page.locator("#gateway-data")).to_contain_text("000.100.110")
    expect(page.locator("#gateway-data")).to_contain_text(capture.gateway_reference)
    assert errors == []
