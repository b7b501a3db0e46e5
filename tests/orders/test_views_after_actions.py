"""Views that stay true after an action: htmx's answer to an action leaves the page equal to a
fresh load of it.

Each test takes the page as drawn before the action, posts the action as htmx does (HX-Request),
plays htmx's swaps on the page (`hx-select-oob` ids of the page, `hx-swap-oob` elements of the
answer) and compares the result with a fresh GET. The tab counts, the totals and the payment
card are also compared by element id between the answer and the fresh page.
"""

import pytest
from django.urls import reverse

from orders.enums import CaptureMode, CreditMemoState, InvoiceState, OrderState
from orders.models import ApprovalRequest, CreditMemo, Invoice
from payments.enums import TransactionType
from payments.models import Transaction
from tests.backoffice.roles_helpers import eu_store, role_user
from tests.factories import OrderFactory, reason_pk
from tests.html_ids import (
    apply_htmx_swaps,
    element,
    elements,
    normalized,
    select_oob_ids,
)
from tests.orders.credit_memo_helpers import paid_invoice, refunder
from tests.orders.invoice_helpers import (
    finance,
    fresh,
    key,
    order_with_items,
    xpayments_order,
)
from tests.orders.test_order_actions import invoice

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
TAB_COUNTS = [
    "invoices-tab-count",
    "credit-memos-tab-count",
    "transactions-tab-count",
    "comments-tab-count",
]
ORDER_PARTS = [*TAB_COUNTS, "order-totals", "payment-information", "order-header"]


def _without_flash(html: str) -> str:
    """The page with an empty message area: a fresh GET shows no htmx flash message."""
    flash = elements(html).get("flash")
    if flash is None:
        return html
    empty = flash[: flash.index(">") + 1] + "</div>"
    return html.replace(flash, empty, 1)


def assert_page_follows(client, url: str, before: str, response) -> str:
    """htmx's answer leaves the page as a fresh GET draws it; the fresh page is returned."""
    assert response.status_code == 200, response.content.decode()[:2000]
    answer = response.content.decode()
    after = apply_htmx_swaps(before, answer, select_oob_ids(before))
    fresh_page = client.get(url).content.decode()
    assert normalized(_without_flash(after)) == normalized(_without_flash(fresh_page))
    return fresh_page


def assert_order_parts_follow(answer: str, fresh_page: str) -> None:
    """The tab counts, the totals and the payment card: answered as a fresh GET draws them."""
    for part in ORDER_PARTS:
        assert normalized(element(answer, part)) == normalized(element(fresh_page, part)), part


def tab_count(html: str, tab: str) -> int:
    text = element(html, f"{tab}-tab-count")
    return int(text[text.index(">") + 1 : text.rindex("<")])


def post(client, name: str, order, data: dict | None = None):
    url = reverse(f"orders:{name}", args=[order.number])
    payload = {"version": fresh(order).version, "idempotency_key": key(), **(data or {})}
    return client.post(url, payload, headers=HTMX)


@pytest.fixture
def user(client):
    user = finance()
    client.force_login(user)
    return user


def test_void_refreshes_the_tab_counts_totals_and_payment_card(client, user):
    order, _item, _auths = xpayments_order()
    url = order.get_absolute_url()
    before = client.get(url).content.decode()

    response = post(client, "void", order)

    fresh_page = assert_page_follows(client, url, before, response)
    assert_order_parts_follow(response.content.decode(), fresh_page)
    assert tab_count(before, "transactions") == 2
    assert tab_count(fresh_page, "transactions") == 4  # two voids
    assert tab_count(fresh_page, "comments") > tab_count(before, "comments")


def test_capturing_an_invoice_refreshes_its_page(client, user):
    order, item, _auths = xpayments_order()
    open_invoice = invoice(order, item, user, 2, mode=CaptureMode.NOT_CAPTURE)
    url = reverse("orders:invoice_detail", args=[order.number, open_invoice.number])
    before = client.get(url).content.decode()

    response = client.post(
        reverse("orders:invoice_capture", args=[order.number, open_invoice.number]),
        {"version": fresh(order).version, "idempotency_key": key(), "capture_mode": "online"},
        headers=HTMX,
    )

    assert_page_follows(client, url, before, response)
    assert Invoice.objects.get(pk=open_invoice.pk).state == InvoiceState.PAID


def test_the_order_page_after_a_capture_of_its_invoice(client, user):
    """Mark as paid of an open invoice (a capture offline on the order page)."""
    order, item = order_with_items()
    open_invoice = invoice(order, item, user, 2, mode=CaptureMode.NOT_CAPTURE)
    url = order.get_absolute_url()
    before = client.get(url).content.decode()

    response = post(client, "mark_as_paid", order, {"amount": "122.00"})

    fresh_page = assert_page_follows(client, url, before, response)
    assert_order_parts_follow(response.content.decode(), fresh_page)
    assert Invoice.objects.get(pk=open_invoice.pk).state == InvoiceState.PAID
    assert tab_count(fresh_page, "transactions") == tab_count(before, "transactions") + 1


def test_a_refund_by_credit_memo_refreshes_the_counts_totals_and_payment_card(client):
    order, _item, _invoice, _payments = paid_invoice()
    client.force_login(refunder())
    url = order.get_absolute_url()
    before = client.get(url).content.decode()

    data = {"amount": "20.00", "note": "Late delivery", "reason": reason_pk(order.store_id)}
    response = post(client, "refund", order, data)

    fresh_page = assert_page_follows(client, url, before, response)
    assert_order_parts_follow(response.content.decode(), fresh_page)
    assert CreditMemo.objects.get(order=order).state == CreditMemoState.REFUNDED
    assert (tab_count(before, "credit-memos"), tab_count(fresh_page, "credit-memos")) == (0, 1)
    assert Transaction.objects.filter(order=order, type=TransactionType.REFUND).count() == 1


@pytest.mark.parametrize("action", ["hold", "cancel"])
def test_hold_and_cancel_refresh_the_page(client, user, action):
    order, _item, _auths = xpayments_order()
    url = order.get_absolute_url()
    before = client.get(url).content.decode()

    response = post(client, action, order)

    fresh_page = assert_page_follows(client, url, before, response)
    assert_order_parts_follow(response.content.decode(), fresh_page)
    assert fresh(order).state in {OrderState.HOLDED, OrderState.CANCELED}


def test_unhold_refreshes_the_page(client, user):
    order, _item, _auths = xpayments_order()
    post(client, "hold", order)
    url = order.get_absolute_url()
    before = client.get(url).content.decode()

    response = post(client, "unhold", order)

    assert_page_follows(client, url, before, response)
    assert fresh(order).state == OrderState.PROCESSING


def test_approving_a_refund_refreshes_the_page(client):
    store = eu_store(threshold=1000)
    order = OrderFactory(store=store, subtotal=9000, shipping_amount=0)
    client.force_login(role_user("finance"))
    post(client, "mark_as_paid", order, {"amount": "90.00"})
    approval = ApprovalRequest.objects.get()
    client.force_login(role_user("manager"))
    url = order.get_absolute_url()
    before = client.get(url).content.decode()
    assert 'data-testid="approvals"' in before

    response = client.post(
        reverse("orders:approval_approve", args=[order.number, approval.pk]), headers=HTMX
    )

    fresh_page = assert_page_follows(client, url, before, response)
    assert_order_parts_follow(response.content.decode(), fresh_page)
    assert 'data-testid="approvals"' not in fresh_page
    assert tab_count(fresh_page, "transactions") == 1
