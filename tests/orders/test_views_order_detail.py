"""The order page: what staff see about an order and where its money stands."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.enums import (
    CaptureMode,
    CreditMemoState,
    InvoiceState,
    OrderState,
    RefundMode,
)
from orders.models import CreditMemo, Invoice, Order
from orders.selectors import RECENT_ROWS, order_money_summary
from payments.enums import TransactionType as T
from tests.factories import OrderFactory, OrderItemFactory, StoreFactory
from tests.orders.figure_helpers import figures_in, section
from tests.orders.view_helpers import (
    add_comment,
    add_txn,
    authorize,
    expired_payment_fields,
    many_captures,
    staff_user,
)

pytestmark = pytest.mark.django_db


def edited_order() -> Order:
    """The X-Payments case: two authorizations of $61.00, $66.00 captured, $10.00 refunded."""
    store = StoreFactory(code="us", name="US Store", timezone="UTC")
    order = OrderFactory(
        number="100000110",
        store=store,
        customer_name="Ann Lee",
        customer_email="ann@example.com",
        subtotal=11200,
        shipping_amount=1000,
        placed_at=datetime(2026, 11, 1, 10, tzinfo=UTC),
        state=OrderState.PROCESSING,
    )
    OrderItemFactory(
        order=order,
        sku="SP1",
        name="Simple product 1",
        qty_ordered=2,
        unit_price=5600,
        qty_invoiced=1,
        tax_amount=0,
    )
    first, first_auth = authorize(
        order, 6100, card_brand="visa", card_last4="4242", gateway_reference="psp-auth-1"
    )
    second, second_auth = authorize(
        order, 6100, card_brand="mastercard", card_last4="5454", gateway_reference="psp-auth-2"
    )
    invoice = Invoice.objects.create(
        order=order,
        number="INV-1",
        capture_mode=CaptureMode.ONLINE,
        state=InvoiceState.PAID,
        subtotal=5600,
        shipping_amount=1000,
        grand_total=6600,
    )
    capture = add_txn(
        first, T.CAPTURE, 6100, parent=first_auth, invoice=invoice, merchant_reference="WH-1"
    )
    add_txn(second, T.CAPTURE, 500, parent=second_auth, invoice=invoice)
    memo = CreditMemo.objects.create(
        order=order,
        invoice=invoice,
        number="CM-1",
        state=CreditMemoState.REFUNDED,
        mode=RefundMode.OFFLINE,
        grand_total=1000,
    )
    add_txn(first, T.REFUND, 1000, parent=capture, credit_memo=memo, is_online=False)
    add_comment(order, "Customer asked for gift wrap.")
    return order


def test_header_shows_number_badges_date_and_store(client, viewer):
    order = edited_order()

    html = client.get(order.get_absolute_url()).text

    assert "Order #100000110" in html
    assert 'data-order-state="processing"' in html
    assert 'data-payment-status="partially_refunded"' in html
    assert "Nov 1, 2026, 10:00 UTC" in html
    assert "US Store" in html
    assert 'id="order-actions"' in html  # the hook where the operations registry renders


def test_information_shows_account_addresses_and_methods(client, viewer):
    order = edited_order()

    html = client.get(order.get_absolute_url()).text

    assert "Order &amp; Account Information" in html
    assert "ann@example.com" in html
    assert "Billing Address" in html and "Shipping Address" in html
    assert "1 Main St" in html and "12345 Springfield" in html
    assert "Flat rate" in html and "Credit card (sandbox)" in html


def test_payment_information_has_one_card_per_payment(client, viewer):
    order = edited_order()

    html = client.get(order.get_absolute_url()).text
    section = html[html.index('id="payment-information"') : html.index('id="items-ordered"')]

    assert section.count('class="payment-card"') == 2
    assert "Visa ····4242" in section and "Mastercard ····5454" in section
    assert "psp-auth-1" in section and "psp-auth-2" in section
    assert "<dt>Captured</dt><dd>$61.00</dd>" in section
    assert "<dt>Captured</dt><dd>$5.00</dd>" in section
    assert "<dt>Refunded</dt><dd>$10.00</dd>" in section
    assert "<dt>Voided</dt><dd>$0.00</dd>" in section
    assert "<dt>Charged back</dt><dd>$0.00</dd>" in section
    assert "<dt>Currency</dt><dd>USD</dd>" in section
    assert 'data-payment-status="partially_captured"' in section
    assert "expires in 6" in section  # the second authorization still has money to capture


def test_expired_authorization_is_marked_expired(client, viewer):
    order = OrderFactory()
    authorize(order, 6100, **expired_payment_fields())

    html = client.get(order.get_absolute_url()).text

    assert re.search(r"expired 2\xa0days ago", html)


def test_items_ordered_show_quantities_and_amounts(client, viewer):
    order = edited_order()

    html = client.get(order.get_absolute_url()).text
    section = html[html.index('id="items-ordered"') : html.index('id="order-totals"')]

    assert "Simple product 1" in section and "SP1" in section
    assert "<dt>Ordered</dt><dd>2</dd>" in section
    assert "<dt>Invoiced</dt><dd>1</dd>" in section
    assert "$56.00" in section and "$112.00" in section


def test_totals_show_paid_refunded_due_and_outstanding(client, viewer):
    order = edited_order()

    html = client.get(order.get_absolute_url()).text
    totals = section(html, "order-totals")

    assert figures_in(totals) == {
        "grand_total": "$122.00",
        "total_paid": "$66.00",
        "total_refunded": "$10.00",
        # The $10.00 went back through a credit memo, which lowered what is owed.
        "credited": "−$10.00",
        "total_due": "$56.00",
        "open_to_capture": "$56.00",
        # Never "settled" next to a Total Due: the second authorization covers it.
        "outstanding": "$0.00 to collect — $56.00 authorized, awaiting capture",
    }
    assert 'data-testid="money-credited"' in totals


def test_money_summary_rules():
    order = edited_order()

    summary = order_money_summary(order=order)

    assert summary.total_paid == 6600
    assert summary.total_refunded == 1000
    assert summary.open_to_capture == 5600
    assert summary.total_due == 12200 - 6600
    assert summary.credited == 1000  # refunded through credit memo CM-1
    assert summary.outstanding == 0
    assert summary.outstanding_kind == "awaiting_capture"


def test_total_due_never_goes_below_zero():
    order = OrderFactory(subtotal=1000, shipping_amount=0)
    payment, auth = authorize(order, 1500)
    add_txn(payment, T.CAPTURE, 1500, parent=auth)

    summary = order_money_summary(order=Order.objects.get(pk=order.pk))

    assert summary.total_due == 0
    assert summary.outstanding == -500  # to refund


def test_invoices_credit_memos_and_transactions_tabs(client, viewer):
    order = edited_order()
    capture = order.transactions.get(merchant_reference="WH-1")

    html = client.get(order.get_absolute_url()).text

    invoices = html[html.index('id="invoices-panel"') : html.index('id="credit-memos-panel"')]
    assert "#INV-1" in invoices and "Paid" in invoices and "$66.00" in invoices
    memos = html[html.index('id="credit-memos-panel"') : html.index('id="transactions-panel"')]
    assert "#CM-1" in memos and "Refund Offline" in memos and "$10.00" in memos
    txns = html[html.index('id="transactions-panel"') : html.index('id="comments-history"')]
    assert txns.count("<tr>") == 1 + 5  # header + 2 authorizations, 2 captures, 1 refund
    assert f'href="/transactions/{capture.uuid}/"' in txns
    assert f">{str(capture.uuid)[:8]}</a>" in txns
    assert f'href="/transactions/{capture.parent.uuid}/"' in txns  # the parent column
    assert "WH-1" in txns and "Offline" in txns and "Pre-authorization" in txns


def test_comments_history_lists_every_comment_newest_first(client, viewer):
    order = OrderFactory()
    author = staff_user(username="sam", first_name="Sam", last_name="Ray")
    add_comment(order, "First note")
    add_comment(
        order, "Second note", author=author, is_customer_notified=True, is_visible_on_front=True
    )

    html = client.get(order.get_absolute_url()).text
    panel = html[html.index('id="comments-history"') :]

    assert panel.index("Second note") < panel.index("First note")
    assert "Sam Ray (sam)" in panel
    assert "System" in panel  # no author
    assert "Customer notified" in panel and "Not notified" in panel
    assert "Visible on storefront" in panel
    assert "Note" in panel and "Staff" in panel


def test_unknown_order_number_is_404(client, viewer):
    assert client.get("/orders/999999999/").status_code == 404


def test_order_of_a_store_the_user_cannot_view_is_404(client):
    us, eu = StoreFactory(code="us"), StoreFactory(code="eu", currency="EUR")
    order = OrderFactory(store=eu)
    client.force_login(staff_user("view_orders", store=us))

    response = client.get(order.get_absolute_url())

    assert response.status_code == 404
    assert order.number not in response.text


def big_order(store) -> Order:
    """More comments and transactions than the page draws (RECENT_ROWS), so the cut is tested."""
    order = OrderFactory(store=store)
    for _ in range(8):
        OrderItemFactory(order=order)
    for n in range(3):
        payment, auth = authorize(order, 3000)
        invoice = Invoice.objects.create(
            order=order,
            number=f"{order.number}-{n}",
            capture_mode=CaptureMode.ONLINE,
            grand_total=2000,
        )
        capture = add_txn(payment, T.CAPTURE, 2000, parent=auth, invoice=invoice)
        memo = CreditMemo.objects.create(
            order=order,
            invoice=invoice,
            number=f"CM{order.number}-{n}",
            mode=RefundMode.ONLINE,
            grand_total=500,
        )
        add_txn(payment, T.REFUND, 500, parent=capture, credit_memo=memo)
    many_captures(order, RECENT_ROWS + 5)
    for n in range(RECENT_ROWS + 5):
        add_comment(order, f"note {n}", author=staff_user() if n % 10 == 0 else None)
    return order


def small_order(store) -> Order:
    """One row of each kind (documents too: an order without any skips their queries)."""
    order = OrderFactory(store=store)
    OrderItemFactory(order=order)
    authorize(order, 1000)
    add_comment(order, "one note")
    invoice = Invoice.objects.create(
        order=order, number=order.number, capture_mode=CaptureMode.OFFLINE, grand_total=100
    )
    CreditMemo.objects.create(
        order=order,
        invoice=invoice,
        number=f"CM{order.number}",
        mode=RefundMode.OFFLINE,
        grand_total=100,
    )
    return order


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_order_page_query_count_does_not_grow_with_the_order(client, viewer):
    store = StoreFactory()
    small, big = small_order(store), big_order(store)
    client.get(small.get_absolute_url())  # warm caches such as content types

    assert count_queries(client, big.get_absolute_url()) == count_queries(
        client, small.get_absolute_url()
    )


def test_order_page_query_budget(client, viewer, django_assert_max_num_queries):
    order = big_order(StoreFactory())
    client.get(order.get_absolute_url())

    # session, user, 2FA device, permissions; the order with its store, addresses, counts and
    # flags; items; payments; its invoices and credit memos (it has some); the ledger; the
    # newest comments; the store's gateway accounts (Payment links: no payment holds one)
    with django_assert_max_num_queries(12):
        client.get(order.get_absolute_url())


def test_expiry_hint_uses_the_time_of_the_request(client, viewer):
    order = OrderFactory()
    soon = timezone.now() + timedelta(hours=5, minutes=30)
    authorize(order, 6100, expires_at=soon)

    assert "expires in 5\xa0hours" in client.get(order.get_absolute_url()).text
