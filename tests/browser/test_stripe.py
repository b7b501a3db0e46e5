"""Issue 18: finance captures and refunds an order paid with Stripe through the same pages as
the sandbox — Transaction Details, its dialogs and the one confirmation — with the real stripe
SDK talking to the local fake of Stripe's API."""

import pytest
from playwright.sync_api import Page, expect

from payments.enums import TransactionType
from payments.models import Transaction
from tests.browser.helpers import confirm_dialog, sign_in
from tests.payments.money_helpers import staff
from tests.payments.stripe_helpers import serve_fake_stripe, stripe_payment

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fake_stripe(monkeypatch):
    yield from serve_fake_stripe(monkeypatch)


def test_finance_captures_and_refunds_a_stripe_payment(page: Page, live_server, fake_stripe):
    payment = stripe_payment(fake_stripe, 6100)
    pa = payment.transactions.get(type=TransactionType.AUTHORIZATION)
    staff("fin")
    errors = sign_in(page, live_server, "fin", f"/transactions/{pa.uuid}/")
    expect(page.get_by_role("heading", name="Pre-authorization", level=1)).to_be_visible()

    page.get_by_role("button", name="Capture", exact=True).click()
    dialog = page.locator("dialog#operation-dialog")
    dialog.get_by_label("Amount").fill("40.00")
    dialog.get_by_role("button", name="Submit").click()
    confirm = page.locator("dialog.confirm-dialog")
    expect(confirm).to_contain_text("Capture $40.00 online")
    confirm_dialog(page, "Capture")
    expect(dialog).to_contain_text("Capture succeeded")
    intent = fake_stripe.intents[payment.gateway_reference]
    assert intent["amount_received"] == 4000  # Stripe captured it

    capture = Transaction.objects.get(type=TransactionType.CAPTURE, payment=payment)
    page.goto(f"{live_server.url}/transactions/{capture.uuid}/")
    page.get_by_role("button", name="Refund", exact=True).click()
    dialog.get_by_label("Amount").fill("15.00")
    dialog.get_by_label("Reason").select_option(label="Returned")
    dialog.get_by_role("button", name="Submit").click()
    expect(confirm).to_contain_text("Refund $15.00 online")
    confirm_dialog(page, "Refund")
    expect(dialog).to_contain_text("Refund succeeded")
    refunds = [r for r in fake_stripe.refunds.values() if r["payment_intent"] == intent["id"]]
    assert [(r["amount"], r["reason"]) for r in refunds] == [(1500, "requested_by_customer")]
    payment.refresh_from_db()
    assert (payment.amount_captured, payment.amount_refunded) == (4000, 1500)
    assert errors == []
