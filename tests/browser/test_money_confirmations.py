"""Every money move confirms the money the server read, in one dialog, before it moves."""

import re

import pytest
from playwright.sync_api import Page, expect

from orders.models import Invoice, OrderComment
from payments.enums import TransactionType
from payments.models import Payment, Transaction
from payments.services import payment_authorize
from tests.browser.helpers import confirm_dialog, settled, sign_in, sign_in_to_order
from tests.factories import OrderFactory, OrderItemFactory, StoreFactory
from tests.orders.invoice_helpers import finance, xpayments_order
from tests.orders.view_helpers import staff_user
from tests.payments.money_helpers import key, sandbox_account, staff

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_eu_staff_member_confirms_1_comma_50_as_one_euro_fifty(page: Page, live_server):
    eu = StoreFactory(code="eu", currency="EUR", timezone="Europe/Berlin", locale="de_DE")
    order = OrderFactory(store=eu, subtotal=122456, shipping_amount=1000)
    OrderItemFactory(order=order, sku="SP1", qty_ordered=1, unit_price=122456)
    staff_user("view_orders", "mark_as_paid", "comment_order", store=eu, username="elena")
    errors = sign_in_to_order(page, live_server, "elena", order)
    page.wait_for_load_state()  # the dialogs' script is wired

    page.get_by_role("link", name="Mark as paid").click()
    dialog = page.locator("#mark-as-paid-dialog")
    expect(dialog.get_by_label("Amount (EUR)")).to_have_value("1.234,56")
    settled(page)
    dialog.get_by_label("Amount (EUR)").fill("1,50")
    dialog.get_by_role("button", name="Mark as paid").click()

    # The server read it back: the confirmation names the money as it will be booked.
    confirm = page.locator("dialog.confirm-dialog")
    expect(confirm.get_by_role("heading", name="Mark as paid")).to_be_visible()
    expect(confirm.get_by_test_id("confirm-sentence")).to_have_text(
        "Record a manual payment of €1.50 (Mark as paid)."
    )
    expect(confirm.get_by_role("button", name="Mark as paid")).to_be_focused()
    assert not Transaction.objects.filter(order=order, type=TransactionType.MANUAL).exists()
    confirm_dialog(page, "Mark as paid")

    expect(page.locator("#flash")).to_contain_text("Marked as paid: €1.50 received offline.")
    page.get_by_role("tab", name=re.compile("Comments History")).click()
    expect(page.locator("#comments-history")).to_contain_text("€1.50")
    manual = Transaction.objects.get(order=order, type=TransactionType.MANUAL)
    assert (manual.amount, manual.currency) == (150, "EUR")
    assert errors == []


def card_authorization(amount: int) -> Transaction:
    store = StoreFactory(code="us", name="US Store", locale="en_US")
    order = OrderFactory(store=store, subtotal=amount, shipping_amount=0)
    sandbox_account(store)
    result = payment_authorize(
        order=order,
        amount=amount,
        actor=None,
        idempotency_key=key(),
        source="batch",
        card_brand="visa",
        card_last4="4242",
    )
    assert result.ok, result.message
    payment = Payment.objects.get(pk=result.transaction.payment_id)
    return payment.transactions.get(type=TransactionType.AUTHORIZATION)


def test_a_capture_is_confirmed_with_the_card_and_go_back_sends_nothing(page: Page, live_server):
    pa = card_authorization(6100)
    staff("fin")
    errors = sign_in(page, live_server, "fin", f"/transactions/{pa.uuid}/")
    expect(page.get_by_role("heading", name="Pre-authorization", level=1)).to_be_visible()
    page.wait_for_load_state()

    page.get_by_role("button", name="Capture", exact=True).click()
    dialog = page.locator("dialog#operation-dialog")
    amount = dialog.get_by_label("Amount")
    expect(amount).to_be_focused()
    settled(page)
    confirm = page.locator("dialog.confirm-dialog")

    # What can't be read is refused next to the field: nothing to confirm, nothing written.
    amount.fill("10,5")
    dialog.get_by_role("button", name="Submit").click()
    expect(dialog.locator(".field__error")).to_have_text("This is not an amount. Use 10.50.")
    expect(confirm).to_have_count(0)
    settled(page)

    amount.fill("10.50")
    dialog.get_by_role("button", name="Submit").click()
    expect(confirm.get_by_test_id("confirm-sentence")).to_have_text(
        f"Capture $10.50 online from Visa ····4242 (authorization {pa.gateway_reference})."
    )
    expect(confirm.get_by_test_id("confirm-consequence")).to_contain_text("only a refund")
    confirm.get_by_role("button", name="Go back").click()
    expect(confirm).to_be_hidden()
    expect(amount).to_have_value("10.50")  # back in the dialog, as typed
    assert not Transaction.objects.filter(parent=pa).exists()
    assert not OrderComment.objects.filter(order=pa.order, transaction__parent=pa).exists()

    dialog.get_by_role("button", name="Submit").click()
    confirm_dialog(page, "Capture")
    expect(dialog.get_by_role("heading", name="Capture succeeded")).to_be_visible()
    assert Transaction.objects.get(parent=pa, type=TransactionType.CAPTURE).amount == 1050
    assert [e for e in errors if "status of 422" not in e] == []  # the refused submit


def test_a_preview_the_server_fails_sends_nothing(page: Page, live_server):
    """Without the server's sentence nothing moves: a 5xx answer to the preview is not
    "nothing to confirm" (which sends the real request) but a failure, said in the flash."""
    order, _item, _auths = xpayments_order()
    finance("fin")
    errors = sign_in_to_order(page, live_server, "fin", order)
    page.get_by_role("link", name="Invoice", exact=True).click()
    expect(page.get_by_role("radio", name="Capture Online")).to_be_checked()
    page.wait_for_load_state()  # the dialogs' script is wired

    def fail_the_preview(route) -> None:
        if route.request.method == "POST" and "preview" in (route.request.post_data or ""):
            route.fulfill(status=500, body="Server Error")
        else:
            route.continue_()

    page.route(re.compile(r"/invoices/new/$"), fail_the_preview)
    page.get_by_role("button", name="Submit Invoice").click()
    expect(page.locator("#flash")).to_contain_text(
        "The server could not check this request; nothing was sent. Try again."
    )
    expect(page.locator("dialog.confirm-dialog")).to_have_count(0)
    expect(page.get_by_role("heading", name="New Invoice")).to_be_visible()
    assert not Invoice.objects.filter(order=order).exists()

    # Once the server answers again, the same form asks and then invoices.
    page.unroute(re.compile(r"/invoices/new/$"))
    page.get_by_role("button", name="Submit Invoice").click()
    confirm_dialog(page, "Submit Invoice")
    expect(page.get_by_role("heading", name=f"Order #{order.number}", level=1)).to_be_visible()
    assert Invoice.objects.filter(order=order).count() == 1
    assert [e for e in errors if "status of 500" not in e] == []
