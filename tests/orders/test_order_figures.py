"""One definition of each money figure (payments.figures), shown the same everywhere.

Each scenario is an order of $122.00 whose money moved a certain way; its figures are read from
the one computation and from the HTML of the order page, the order list and the dashboard.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from orders.document_figures import DOCUMENT_FIGURES
from orders.enums import CreditMemoState, InvoiceState, OrderState, RefundMode
from orders.models import CreditMemo, Invoice, Order
from orders.operations import OrderOperation, order_operation_availability
from orders.selectors import order_detail, order_money_summary
from payments.enums import PaymentAction
from payments.enums import TransactionType as T
from payments.figures import FIGURES
from payments.models import Payment
from tests.backoffice.test_dashboard_counts import counted_links, rows_of
from tests.batch_helpers import age_authorization, order_with_authorization
from tests.factories import OrderFactory, StoreFactory
from tests.orders.figure_helpers import figures_in, hover_labels, order_row, section
from tests.orders.view_helpers import add_txn, authorize

pytestmark = pytest.mark.django_db

GRAND_TOTAL = 12200


def _order(state: str = OrderState.PROCESSING) -> Order:
    store = StoreFactory(code="us", currency="USD", timezone="UTC")
    return OrderFactory(store=store, subtotal=11200, shipping_amount=1000, state=state)


def _lapse(payment: Payment) -> None:
    """Past its expiry date; expire_authorizations has not run (`is_expired` still False)."""
    Payment.objects.filter(pk=payment.pk).update(expires_at=timezone.now() - timedelta(hours=1))


def authorized_only() -> Order:
    order = _order()
    authorize(order, GRAND_TOTAL)
    return order


def authorized_then_lapsed() -> Order:
    order = _order()
    payment, _auth = authorize(order, GRAND_TOTAL)
    _lapse(payment)
    return order


def partially_captured() -> Order:
    order = _order()
    payment, auth = authorize(order, GRAND_TOTAL)
    add_txn(payment, T.CAPTURE, 6100, parent=auth)
    return order


def authorized_short() -> Order:
    order = _order()
    authorize(order, 6100)
    return order


def captured_with_credit_memo() -> Order:
    order = _order()
    payment, auth = authorize(order, GRAND_TOTAL)
    capture = add_txn(payment, T.CAPTURE, GRAND_TOTAL, parent=auth)
    memo = CreditMemo.objects.create(
        order=order,
        number=f"{order.number}-CM",
        state=CreditMemoState.REFUNDED,
        mode=RefundMode.OFFLINE,
        grand_total=2000,
    )
    add_txn(payment, T.REFUND, 2000, parent=capture, credit_memo=memo, is_online=False)
    return order


def refunded_without_memo() -> Order:
    """A refund on Transaction Details: the order's total was not lowered, so it is owed."""
    order = _order()
    payment, auth = authorize(order, GRAND_TOTAL)
    capture = add_txn(payment, T.CAPTURE, GRAND_TOTAL, parent=auth)
    add_txn(payment, T.REFUND, 2000, parent=capture)
    return order


def charged_back() -> Order:
    order = _order()
    payment, auth = authorize(order, GRAND_TOTAL)
    capture = add_txn(payment, T.CAPTURE, GRAND_TOTAL, parent=auth)
    add_txn(payment, T.CHARGEBACK, 3000, parent=capture)
    return order


def canceled_nothing_paid() -> Order:
    order = _order(OrderState.CANCELED)
    payment, auth = authorize(order, GRAND_TOTAL)
    add_txn(payment, T.REVERSAL, GRAND_TOTAL, parent=auth)
    return order


def canceled_with_money_to_give_back() -> Order:
    order = _order(OrderState.CANCELED)
    payment, auth = authorize(order, GRAND_TOTAL)
    add_txn(payment, T.CAPTURE, 5000, parent=auth)
    add_txn(payment, T.REVERSAL, GRAND_TOTAL - 5000, parent=auth)
    return order


def overpaid() -> Order:
    order = _order()
    payment, auth = authorize(order, 13000)
    add_txn(payment, T.CAPTURE, 13000, parent=auth)
    return order


@dataclass(frozen=True)
class Expected:
    paid: str
    refunded: str
    due: str
    open: str
    outstanding: str
    extra: tuple[tuple[str, str], ...] = ()  # figures shown only when non-zero


AUTHORIZED = "%s authorized, awaiting capture"
CREDITED = (("credited", "−$20.00"),)
CHARGED = (("charged_back", "$30.00"),)
SHORT = f"$61.00 to collect, besides {AUTHORIZED % '$61.00'}"


def covered(amount: str) -> str:
    """Outstanding when authorizations cover what is due: never "settled"."""
    return f"$0.00 to collect — {AUTHORIZED % amount}"


SCENARIOS: dict[str, tuple[Callable[[], Order], Expected]] = {
    "authorized only": (
        authorized_only,
        Expected("$0.00", "$0.00", "$122.00", "$122.00", covered("$122.00")),
    ),
    "authorization past its expiry, not marked yet": (
        authorized_then_lapsed,
        Expected("$0.00", "$0.00", "$122.00", "$0.00", "$122.00 to collect"),
    ),
    "partially captured": (
        partially_captured,
        Expected("$61.00", "$0.00", "$61.00", "$61.00", covered("$61.00")),
    ),
    "authorized for less than the total": (
        authorized_short,
        Expected("$0.00", "$0.00", "$122.00", "$61.00", SHORT),
    ),
    "captured, then a credit memo refund": (
        captured_with_credit_memo,
        Expected("$122.00", "$20.00", "$0.00", "$0.00", "$0.00 settled", CREDITED),
    ),
    "refunded on Transaction Details, no credit memo": (
        refunded_without_memo,
        Expected("$122.00", "$20.00", "$20.00", "$0.00", "$20.00 to collect"),
    ),
    "chargeback": (
        charged_back,
        Expected("$122.00", "$0.00", "$0.00", "$0.00", "$0.00 settled", CHARGED),
    ),
    "canceled, nothing paid": (
        canceled_nothing_paid,
        Expected("$0.00", "$0.00", "$0.00", "$0.00", "$0.00 settled"),
    ),
    "canceled, money to give back": (
        canceled_with_money_to_give_back,
        Expected("$50.00", "$0.00", "$0.00", "$0.00", "$50.00 to refund"),
    ),
    "over-paid": (
        overpaid,
        Expected("$130.00", "$0.00", "$0.00", "$0.00", "$8.00 to refund"),
    ),
}


def _shown(expected: Expected) -> dict[str, str]:
    return {
        "grand_total": "$122.00",
        "total_paid": expected.paid,
        "total_refunded": expected.refunded,
        **dict(expected.extra),
        "total_due": expected.due,
        "open_to_capture": expected.open,
        "outstanding": expected.outstanding,
    }


@pytest.mark.parametrize("name", SCENARIOS)
def test_each_page_shows_the_same_figures_of_the_one_computation(client, viewer, name):
    make, expected = SCENARIOS[name]
    order = make()

    page = client.get(order.get_absolute_url()).text
    listed = order_row(client.get("/orders/").text, order.number)
    dashboard = order_row(client.get("/").text, order.number)

    assert figures_in(section(page, "order-totals")) == _shown(expected)
    row = {"grand_total": "$122.00", "total_due": expected.due}
    assert figures_in(listed) == row
    assert figures_in(dashboard) == row
    # The computation the pages read, and what Mark as paid offers at most: the Outstanding.
    figures = order_money_summary(order=order_detail(user=viewer, number=order.number))
    assert figures.grand_total == GRAND_TOTAL
    assert f"${figures.total_due / 100:.2f}" == expected.due
    mark_as_paid = order_operation_availability(
        user=None, order=order_detail(user=viewer, number=order.number),
        operation=OrderOperation.MARK_AS_PAID,
    )  # fmt: skip
    if figures.outstanding > 0 and order.state != OrderState.CANCELED:
        assert mark_as_paid.allowed and mark_as_paid.max_amount == figures.outstanding
    else:
        assert not mark_as_paid.allowed


def test_an_authorization_past_its_expiry_is_expired_on_its_card_and_open_to_nothing(
    client, viewer
):
    order = authorized_then_lapsed()

    card = section(client.get(order.get_absolute_url()).text, "payment-information")

    assert "expired" in card
    assert "Open to capture" not in card
    assert Payment.objects.get(order=order).capturable == 0


def test_a_payment_card_shows_the_transaction_ids_entered_for_it(client, viewer):
    order = _order()
    payment, auth = authorize(order, 6100, gateway_reference="psp-auth-9")
    capture = add_txn(payment, T.CAPTURE, 6100, parent=auth, merchant_reference="WH-77")
    add_txn(payment, T.REFUND, 1000, parent=capture, merchant_reference="RF-5")
    manual = Payment.objects.create(
        order=order,
        gateway="manual",
        payment_action=PaymentAction.AUTHORIZE_CAPTURE,
        method_title="Manual payment (Mark as paid)",
        currency="USD",
        amount_requested=6100,
    )
    add_txn(manual, T.MANUAL, 6100, merchant_reference="WIRE-0042", is_online=False)

    page = client.get(order.get_absolute_url()).text
    cards = section(page, "payment-information").split('class="payment-card"')[1:]

    assert "psp-auth-9" in cards[0] and "Transaction ID" in cards[0] and "WH-77" in cards[0]
    assert "WIRE-0042" not in cards[0]
    assert "RF-5" not in cards[0]  # a refund's ID is its row's, in Transactions
    assert "Transaction ID" in cards[1] and "WIRE-0042" in cards[1]
    assert 'data-copy="WIRE-0042"' in cards[1]


def test_every_figure_explains_itself_on_hover_on_every_page(client, viewer):
    order = captured_with_credit_memo()
    invoice = Invoice.objects.create(
        order=order, number=f"{order.number}-1", state=InvoiceState.PAID, grand_total=GRAND_TOTAL
    )
    charged = charged_back()
    memo = CreditMemo.objects.get(order=order)

    pages = {
        "order": client.get(order.get_absolute_url()).text,
        "charged back order": client.get(charged.get_absolute_url()).text,
        "list": client.get("/orders/").text,
        "dashboard": client.get("/").text,
        "invoice": client.get(
            reverse("orders:invoice_detail", args=[order.number, invoice.number])
        ).text,
        "credit memo": client.get(
            reverse("orders:credit_memo_detail", args=[order.number, memo.number])
        ).text,
    }

    everywhere = ["grand_total", "total_due"]
    money = ["total_paid", "total_refunded", "open_to_capture", "outstanding"]
    shown = {
        "order": [*everywhere, *money, "credited"],
        "charged back order": [*everywhere, *money, "charged_back"],
        "list": ["total_due"],
        "dashboard": everywhere,
        "invoice": [*everywhere, *money, "credited", "invoice_paid", "invoice_due"],
        "credit memo": [*everywhere, *money, "credited", "memo_grand_total", "memo_refunded"],
    }
    for name, keys in shown.items():
        hovers = hover_labels(pages[name])
        for key in keys:
            figure = FIGURES.get(key) or DOCUMENT_FIGURES[key]
            assert (figure.label, figure.help) in hovers, (name, key)
    # The list's Grand Total is a sortable header: its link carries the explanation.
    assert f'title="{escape(FIGURES["grand_total"].help)}"' in pages["list"]
    assert '<abbr class="figure" title=' in pages["list"]
    assert 'tabindex="0"' in pages["list"]  # the explanation reaches keyboard users too


def test_the_dashboard_counts_and_lists_leave_lapsed_authorizations_out(client, viewer):
    soon, payment = order_with_authorization()
    age_authorization(payment, authorized_days_ago=6.5, expires_in_days=0.25)
    for _ in range(2):  # past their expiry date an hour ago; expire_authorizations not run
        _order, stale = order_with_authorization()
        age_authorization(stale, authorized_days_ago=7, expires_in_days=-1 / 24)
    assert Order.objects.filter(payment_status="authorized").count() == 3

    html = client.get("/").text

    links = dict(counted_links(html))
    assert links == {
        "/orders/?state=processing": 3,
        "/orders/?state=holded": 0,
        "/orders/?state=payment_review": 0,
        "/orders/?payment_status=authorized&capture=open": 1,
        "/?expiring=all#expiring-title": 1,
    }
    counted = {href: n for href, n in links.items() if n}
    assert {href: rows_of(client, href) for href in counted} == counted
    listed = client.get("/orders/?payment_status=authorized&capture=open").text
    assert f">#{soon.number}</a>" in listed
    expiring = html[html.index('data-testid="dashboard-expiring"') :]
    open_to_capture = FIGURES["open_to_capture"]
    assert (open_to_capture.label, open_to_capture.help) in hover_labels(expiring)
