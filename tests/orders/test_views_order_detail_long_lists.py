"""A busy order's Comments History and Transactions: the newest rows first, "Show all" on demand."""

import pytest
from django.urls import reverse

from orders.enums import CommentKind
from orders.history import comment_money
from orders.models import Order
from orders.selectors import RECENT_ROWS
from tests.factories import OrderFactory, StoreFactory
from tests.orders.view_helpers import add_comment, many_captures, staff_user

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
COMMENTS = RECENT_ROWS + 10
CAPTURES = RECENT_ROWS + 9  # plus the authorization: RECENT_ROWS + 10 transactions
TRANSACTIONS = CAPTURES + 1


@pytest.fixture
def busy_order() -> Order:
    order = OrderFactory()
    many_captures(order, CAPTURES)
    for n in range(COMMENTS):
        add_comment(order, f"Note number {n}.")
    return order


def between(html: str, start: str, end: str) -> str:
    return html[html.index(start) : html.index(end, html.index(start))]


def test_the_page_draws_the_newest_comments_and_transactions_with_full_counts(
    client, viewer, busy_order
):
    html = client.get(busy_order.get_absolute_url()).text

    tabs = between(html, 'class="tabs"', "</nav>")
    assert f'id="transactions-tab-count">{TRANSACTIONS}</span>' in tabs
    assert f'id="comments-tab-count">{COMMENTS}</span>' in tabs
    comments = between(html, 'id="comments-history"', "</section>")
    assert f"{COMMENTS} entries" in comments
    assert comments.count('class="timeline__item ') == RECENT_ROWS
    assert f"Note number {COMMENTS - 1}." in comments  # the newest
    assert "Note number 9." not in comments  # the oldest ten are behind "Show all"
    assert f"Showing the newest {RECENT_ROWS} of {COMMENTS}." in comments
    assert f"Show all {COMMENTS} comments" in comments
    transactions = between(html, 'id="transactions-panel"', "</section>")
    assert transactions.count("<tr>") == 1 + RECENT_ROWS
    assert "Pre-authorization" not in transactions  # the oldest row
    assert f"Show all {TRANSACTIONS} transactions" in transactions
    number = busy_order.number
    assert f'href="{reverse("payments:transaction_list")}?q={number}"' in transactions


def test_show_all_comments_loads_the_whole_list_in_place(client, viewer, busy_order):
    html = client.get(busy_order.get_absolute_url()).text
    link = reverse("orders:comments_panel", args=[busy_order.number]) + "?all=1"
    assert f'hx-get="{link}" hx-target="#comments-timeline" hx-swap="outerHTML"' in html

    response = client.get(link, headers=HTMX)

    assert response.status_code == 200
    panel = response.text
    assert panel.lstrip().startswith('<div id="comments-timeline">')
    assert panel.count('class="timeline__item ') == COMMENTS
    assert panel.index(f"Note number {COMMENTS - 1}.") < panel.index("Note number 0.")
    assert "Show all" not in panel


def test_show_all_transactions_loads_the_whole_tab_in_place(client, viewer, busy_order):
    link = reverse("orders:transactions_panel", args=[busy_order.number]) + "?all=1"
    assert f'hx-get="{link}"' in client.get(busy_order.get_absolute_url()).text

    response = client.get(link, headers=HTMX)

    assert response.status_code == 200
    panel = response.text
    assert panel.lstrip().startswith('<section class="card" id="transactions-panel">')
    assert panel.count("<tr>") == 1 + TRANSACTIONS
    assert "Pre-authorization" in panel
    assert "Show all" not in panel


def test_without_javascript_show_all_is_a_link_to_the_page_with_every_row(
    client, viewer, busy_order
):
    url = busy_order.get_absolute_url()
    html = client.get(url).text
    assert f'href="{url}?comments=all#comments"' in html
    assert f'href="{url}?transactions=all#transactions"' in html

    everything = client.get(url, {"comments": "all", "transactions": "all"}).text

    comments = between(everything, 'id="comments-history"', "</section>")
    assert comments.count('class="timeline__item ') == COMMENTS
    transactions = between(everything, 'id="transactions-panel"', "</section>")
    assert transactions.count("<tr>") == 1 + TRANSACTIONS
    assert "Show all" not in everything
    # Opened without htmx, the panel URLs lead to that page.
    panel = client.get(reverse("orders:comments_panel", args=[busy_order.number]), {"all": "1"})
    assert panel.status_code == 302
    assert panel["Location"] == f"{url}?comments=all#comments"


def test_a_short_history_has_no_show_all(client, viewer):
    order = OrderFactory()
    add_comment(order, "Only note.")

    html = client.get(order.get_absolute_url()).text

    assert "Only note." in html
    assert "Show all" not in html
    assert 'id="comments-tab-count">1</span>' in html


def test_the_panels_of_another_stores_order_are_404(client, busy_order):
    client.force_login(staff_user("view_orders", store=StoreFactory(code="zz")))

    for name in ("orders:comments_panel", "orders:transactions_panel"):
        response = client.get(reverse(name, args=[busy_order.number]), headers=HTMX)
        assert response.status_code == 404


def test_adding_a_comment_keeps_the_tab_count_whole(client, busy_order):
    client.force_login(staff_user("view_orders", "comment_order"))

    response = client.post(
        reverse("orders:comment_add", args=[busy_order.number]), {"body": "One more."}, headers=HTMX
    )

    html = response.text
    assert f'id="comments-tab-count" hx-swap-oob="true">{COMMENTS + 1}</span>' in html
    assert html.count('class="timeline__item ') == RECENT_ROWS
    assert f"Show all {COMMENTS + 1} comments" in html


def test_a_comment_about_a_transaction_links_to_it(client, viewer):
    order = OrderFactory()
    payment = many_captures(order, 1)
    capture = payment.transactions.get(type="CP")
    comment_money(
        order=order, kind=CommentKind.CAPTURE, body="Captured $1.00.", transaction=capture
    )

    html = client.get(order.get_absolute_url()).text

    comments = between(html, 'id="comments-history"', "</section>")
    link = reverse("payments:transaction_detail", kwargs={"uuid": capture.uuid})
    assert f'Transaction <a class="mono" href="{link}">{str(capture.uuid)[:8]}</a>' in comments
    transactions = between(html, 'id="transactions-panel"', "</section>")
    parent = reverse("payments:transaction_detail", kwargs={"uuid": capture.parent.uuid})
    assert f'<a class="mono" href="{parent}" title="{capture.parent.uuid}">' in transactions
