"""Focus in a dialog whose content htmx redraws: set once when the content arrives, never moved
again when the swap settles (htmx would focus an `[autofocus]` field ~20 ms later, and what the
user types next would land in it)."""

import pytest
from playwright.sync_api import Page, expect

from payments.enums import TransactionType
from tests.browser.helpers import sign_in
from tests.factories import OrderFactory, StoreFactory
from tests.payments.money_helpers import authorized_payment, staff

pytestmark = pytest.mark.django_db(transaction=True)

# Where the focus is once htmx has settled the next swap, when "the user" moved it to the
# Transaction ID field as soon as the content was swapped in (no waiting on a clock).
WATCH_SETTLE = """() => {
  window.focusAtSettle = new Promise((resolve) => {
    let swapped = false;
    document.addEventListener("htmx:afterSwap", () => {
      swapped = true;
      document.querySelector("#operation-dialog [name=merchant_reference]").focus();
    }, { once: true });
    // Only the settle of that swap: the dialog's first content may still be settling (htmx
    // settles 20 ms after a swap; a loaded machine may take longer than the steps before).
    document.addEventListener("htmx:afterSettle", function settled() {
      if (!swapped) return;
      document.removeEventListener("htmx:afterSettle", settled);
      resolve(document.activeElement.getAttribute("name"));
    });
  });
}"""


def test_a_redrawn_dialog_leaves_the_focus_where_the_user_put_it(page: Page, live_server):
    store = StoreFactory(code="us", name="US Store")
    order = OrderFactory(number="100000111", store=store, subtotal=6100, shipping_amount=0)
    payment = authorized_payment(6100, order=order)
    pa = payment.transactions.get(type=TransactionType.AUTHORIZATION)
    staff("fin")
    errors = sign_in(page, live_server, "fin", f"/transactions/{pa.uuid}/")
    page.get_by_role("button", name="Capture", exact=True).click()
    dialog = page.locator("dialog#operation-dialog")
    amount = dialog.get_by_label("Amount")
    expect(amount).to_be_focused()  # once, when the form arrived

    amount.fill("70.00")
    page.evaluate(WATCH_SETTLE)
    dialog.get_by_role("button", name="Submit").click()
    expect(dialog).to_contain_text("The maximum is $61.00.")

    assert page.evaluate("window.focusAtSettle") == "merchant_reference"
    page.keyboard.type("CAP-1")
    expect(dialog.get_by_label("Transaction ID")).to_have_value("CAP-1")
    expect(dialog.get_by_label("Amount")).to_have_value("70.00")
    # Opened afresh, the dialog focuses the amount again.
    dialog.get_by_role("button", name="Cancel").click()
    page.get_by_role("button", name="Capture", exact=True).click()
    expect(dialog.get_by_label("Amount")).to_be_focused()
    assert [e for e in errors if "422" not in e] == []
