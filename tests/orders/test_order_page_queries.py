"""Issue 21: every order page in at most 10 queries whatever the order's size (session, user,
second factor, permissions and the page's own reads), the transaction list's budget, and the
markup of what the page now writes in Python (rows, action buttons) against the template's."""

import re
import uuid

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backoffice.availability import Availability
from backoffice.roles import MANAGER, role_codenames
from orders.action_bar_html import action_button_html
from orders.enums import CommentKind
from orders.history import comment_money, comment_note
from orders.models import Order, OrderComment
from orders.operation_buttons import ActionButton
from payments.enums import TransactionStatus
from payments.enums import TransactionType as T
from payments.models import Transaction
from tests.factories import OrderFactory, OrderItemFactory, StoreFactory
from tests.orders.view_helpers import add_txn, authorize, staff_user

pytestmark = pytest.mark.django_db

ORDER_PAGE_QUERIES = 10


def typical_order(store) -> Order:
    """Two items, an authorization captured, a few history entries."""
    order = OrderFactory(store=store)
    OrderItemFactory(order=order)
    OrderItemFactory(order=order)
    payment, auth = authorize(order, 5000)
    capture = add_txn(payment, T.CAPTURE, 5000, parent=auth)
    comment_money(order=order, kind=CommentKind.CAPTURE, body="Captured", transaction=capture)
    comment_note(order=order, author=None, body="Order placed")
    return order


def heavy_order(store) -> Order:
    """The bench's heavy order: 50 items, 200 comments, 100 transactions."""
    order = OrderFactory(store=store)
    for _ in range(50):
        OrderItemFactory(order=order)
    payment, auth = authorize(order, 98 * 100)
    captures = Transaction.objects.bulk_create(
        Transaction(
            payment=payment,
            order=order,
            store=store,
            type=T.CAPTURE,
            status=TransactionStatus.SUCCESS,
            amount=100,
            currency=payment.currency,
            idempotency_key=uuid.uuid4().hex,
            parent=auth,
        )
        for _ in range(98)
    )
    add_txn(payment, T.REFUND, 100, parent=captures[0])  # 100 rows; recomputes the payment
    for n in range(199):
        comment_note(order=order, author=None, body=f"Benchmark comment {n}")
    comment_money(order=order, kind=CommentKind.CAPTURE, body="Linked", transaction=captures[-1])
    return order


def queries_of(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


@pytest.fixture
def store_manager(client):
    """A manager of one store only (every permission, as guardian rows): every button, link
    and panel of the page is asked for."""
    store = StoreFactory()
    client.force_login(staff_user(*sorted(role_codenames(MANAGER)), store=store))
    return store


def test_typical_order_page_in_ten_queries(client, store_manager):
    order = typical_order(store_manager)
    client.get(order.get_absolute_url())  # content types and other process caches

    queries = queries_of(client, order.get_absolute_url())

    assert len(queries) <= ORDER_PAGE_QUERIES, "\n".join(queries)


def test_heavy_order_page_in_ten_queries(client, store_manager):
    order = heavy_order(store_manager)
    assert OrderComment.objects.filter(order=order).count() == 200
    client.get(order.get_absolute_url())

    queries = queries_of(client, order.get_absolute_url())
    page = client.get(order.get_absolute_url()).text

    assert len(queries) <= ORDER_PAGE_QUERIES, "\n".join(queries)
    # The page still draws what it drew: 50 items, the newest 50 of 100 transactions and of
    # 200 comments, each count on its tab.
    assert page.count('<td class="num"><strong>') == 50
    assert 'id="transactions-tab-count">100<' in page
    assert 'id="comments-tab-count">200<' in page
    assert "Showing the newest 50 of 100." in page
    assert "Showing the newest 50 of 200." in page


def test_show_all_draws_every_row_in_the_same_queries(client, store_manager):
    order = heavy_order(store_manager)
    url = order.get_absolute_url()
    client.get(url)

    queries = queries_of(client, f"{url}?comments=all&transactions=all")
    page = client.get(f"{url}?comments=all&transactions=all").text

    assert len(queries) <= ORDER_PAGE_QUERIES, "\n".join(queries)
    assert page.count('class="timeline__item ') == 200
    assert page.count('<td class="mono small">') == 100  # one gateway reference cell per row


def test_page_query_count_does_not_depend_on_the_order_size(client, store_manager):
    typical, heavy = typical_order(store_manager), heavy_order(store_manager)
    client.get(typical.get_absolute_url())

    assert len(queries_of(client, heavy.get_absolute_url())) == len(
        queries_of(client, typical.get_absolute_url())
    )


def test_transaction_list_query_budget(client, store_manager, django_assert_max_num_queries):
    typical_order(store_manager)
    heavy_order(store_manager)
    client.get("/transactions/")

    # session, user, second factor, saved views, permissions, stores, reason codes, the page,
    # and its total (PostgreSQL asks the planner's estimate first)
    with django_assert_max_num_queries(10):
        assert client.get("/transactions/").status_code == 200


def test_rows_drawn_in_python_escape_what_they_show(client, store_manager):
    """Items, transactions and comments are written by `orders/templatetags/order_rows.py`:
    text is escaped as the template escaped it, a comment's lines end in <br>."""
    order = typical_order(store_manager)
    OrderItemFactory(order=order, name="Fish & <Chips>", sku='S"1', discount_amount=50)
    payment = order.payments.get()
    add_txn(payment, T.CAPTURE, 100, merchant_reference="<ref>", recompute=False)
    comment_note(order=order, author=None, body="first <b>line</b>\r\nsecond & last")

    page = client.get(order.get_absolute_url()).text

    assert "<strong>Fish &amp; &lt;Chips&gt;</strong>" in page
    assert '<span class="mono">S&quot;1</span>' in page
    assert "−$0.50" in page  # a discount shows as money off
    assert '<td class="mono">&lt;ref&gt;</td>' in page
    assert "first &lt;b&gt;line&lt;/b&gt;<br>second &amp; last" in page
    assert "<b>line</b>" not in page


# What orders/_order_action_bar.html drew per button before its markup moved to Python.
_BUTTON_TEMPLATE = """{% with b=entry.button %}
  <div class="action order-op order-op--{{ b.key }}">
    {% if b.method == "get" %}
      {% if b.allowed %}
      <a class="btn btn--{{ b.style }}" href="{{ b.url }}"{% if b.dialog %} data-dialog-open="{{ b.dialog }}"{% endif %}{% if b.dialog_lazy %} hx-get="{{ b.url }}" hx-target="#{{ b.dialog }}" hx-swap="innerHTML"{% endif %}>{{ b.label }}</a>
      {% else %}
      <span class="btn btn--{{ b.style }} is-disabled" aria-disabled="true" aria-describedby="op-reason-{{ b.key }}">{{ b.label }}</span>
      {% endif %}
    {% else %}
      <form method="post" action="{{ b.url }}" hx-post="{{ b.url }}" hx-swap="none"
            hx-disabled-elt="find button"{% if b.confirm %} hx-confirm="{{ b.confirm }}" data-confirm-ok="{{ b.label }}"{% endif %}{% if b.style == "danger" %} data-confirm-danger{% endif %}>
        <input type="hidden" name="csrfmiddlewaretoken" value="{{ csrf_token }}">
        <input type="hidden" name="version" value="{{ version }}">
        <input type="hidden" name="idempotency_key" value="{{ entry.key }}">
        <button type="submit" class="btn btn--{% if b.style == 'danger' %}danger-outline{% else %}{{ b.style }}{% endif %}"{% if not b.allowed %} disabled aria-describedby="op-reason-{{ b.key }}"{% endif %}>{{ b.label }}</button>
      </form>
    {% endif %}
    {% if not b.allowed %}<p class="reason" id="op-reason-{{ b.key }}">{{ b.reason }}</p>{% endif %}
  </div>
  {% endwith %}"""  # noqa: E501


def _squeezed(markup: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", markup)).strip()


@pytest.mark.parametrize(
    "look",
    [
        {"method": "get", "style": "primary"},
        {"method": "get", "dialog": "mark-as-paid-dialog", "dialog_lazy": True},
        {"method": "get", "dialog": "goodwill-dialog", "dialog_lazy": True},
        {"confirm": "Void it? The customer's bank <releases> it & more."},
        {"confirm": "Cancel?", "style": "danger"},
        {"style": "danger"},
        {},
    ],
)
@pytest.mark.parametrize("allowed", [True, False])
def test_action_buttons_written_in_python_are_the_template_s_markup(look, allowed):
    why = "the order is on hold"
    answer = Availability("void", "Void & <more>", allowed, why=why, hint="Unhold it first.")
    button = ActionButton("void", "Void & <more>", "/orders/1/void/?a=1&b=2", answer, **look)
    context = {"entry": {"button": button, "key": "k" * 32}, "csrf_token": "tok", "version": 3}

    drawn = action_button_html(button, csrf_token="tok", version=3, key="k" * 32)

    expected = Template(_BUTTON_TEMPLATE).render(Context(context))
    assert _squeezed(drawn) == _squeezed(expected)


def test_edit_page_reads_the_ledger_once_whatever_the_order_size(client, store_manager):
    typical, heavy = typical_order(store_manager), heavy_order(store_manager)
    client.get(reverse("orders:edit", args=[typical.number]))

    queries = queries_of(client, reverse("orders:edit", args=[heavy.number]))

    assert len(queries) == len(queries_of(client, reverse("orders:edit", args=[typical.number])))
    # The payments' ledger rows are the order's, shared (orders.selectors.share_ledger).
    ledger_reads = [q for q in queries if 'FROM "payments_transaction"' in q]
    assert len(ledger_reads) == 1, "\n".join(ledger_reads)
    assert len(queries) <= ORDER_PAGE_QUERIES, "\n".join(queries)
