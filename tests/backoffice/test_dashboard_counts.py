"""The dashboard's counts: each links to its full list, and that list has exactly that many rows."""

import re

import pytest
from django.urls import reverse

from backoffice import dashboard
from orders.enums import OrderState
from orders.models import ApprovalRequest
from payments.enums import PaymentStatus
from tests.backoffice.roles_helpers import eu_store, key, role_user
from tests.batch_helpers import age_authorization, order_with_authorization
from tests.factories import OrderFactory, StoreFactory

pytestmark = pytest.mark.django_db


def counted_links(html: str) -> list[tuple[str, int]]:
    """Every (link, count) of the page: the links marked with the count they stand for."""
    links = re.findall(r'<a [^>]*href="([^"]+)"[^>]*data-count="(\d+)"', html)
    return [(href.replace("&amp;", "&"), int(count)) for href, count in links]


def _tbody_rows(html: str, marker: str) -> int:
    section = html[html.index(marker) :]
    if "<tbody>" not in section[: section.find("</section>")]:
        return 0  # the card's empty state
    body = section[section.index("<tbody>") : section.index("</tbody>")]
    return len(re.findall(r"<tr[\s>]", body))


def rows_of(client, href: str) -> int:
    """How many rows the list behind `href` shows (every page of the order list)."""
    response = client.get(href)
    assert response.status_code == 200, href
    html = response.content.decode()
    if href.startswith(reverse("orders:list")):
        assert 'rel="next"' not in html, "the list has more pages than this test counts"
        return _tbody_rows(html, "table--orders")
    card = href.partition("#")[2].removesuffix("-title")
    return _tbody_rows(html, f'data-testid="dashboard-{card}"')


def _ask_mark_as_paid(client, order) -> None:
    url = reverse("orders:mark_as_paid", args=[order.number])
    data = {"amount": "90.00", "version": order.version, "idempotency_key": key()}
    assert client.post(url, data, headers={"HX-Request": "true"}).status_code == 200


@pytest.fixture
def busy(client, monkeypatch):
    """More of everything than the dashboard's cards draw at first."""
    monkeypatch.setattr(dashboard, "EXPIRING_ROWS", 2)
    monkeypatch.setattr(dashboard, "APPROVAL_ROWS", 1)
    store = StoreFactory(code="us")
    for state in [OrderState.PROCESSING] * 3 + [OrderState.HOLDED, OrderState.PAYMENT_REVIEW]:
        OrderFactory(store=store, state=state)
    OrderFactory(store=store, state=OrderState.NEW, payment_status=PaymentStatus.CAPTURED)
    for hours in (2, 5, 9):
        _order, payment = order_with_authorization()
        age_authorization(payment, authorized_days_ago=6.5, expires_in_days=hours / 24)
    _order, later = order_with_authorization()
    age_authorization(later, authorized_days_ago=1, expires_in_days=3)
    eu = eu_store(threshold=1000)
    client.force_login(role_user("finance"))
    for _ in range(3):
        _ask_mark_as_paid(client, OrderFactory(store=eu, subtotal=9000, shipping_amount=0))
    assert ApprovalRequest.objects.count() == 3
    client.force_login(role_user("manager"))


def test_each_count_equals_the_rows_of_the_list_it_links_to(client, busy):
    html = client.get("/").content.decode()

    links = counted_links(html)

    assert {href.split("?")[1] for href, _count in links} == {
        "state=processing",
        "state=holded",
        "state=payment_review",
        "payment_status=authorized&capture=open",
        "approvals=all#approvals-title",
        "expiring=all#expiring-title",
    }
    assert {href: rows_of(client, href) for href, _count in links} == dict(links)
    assert {href.split("?")[1]: n for href, n in links} == {
        "state=processing": 3 + 4 + 3,  # and the authorized and awaiting-approval orders
        "state=holded": 1,
        "state=payment_review": 1,
        "payment_status=authorized&capture=open": 4,
        "approvals=all#approvals-title": 3,
        "expiring=all#expiring-title": 3,
    }


def test_a_card_shows_its_first_rows_and_says_how_many_more_there_are(client, busy):
    html = client.get("/").content.decode()

    assert _tbody_rows(html, 'data-testid="dashboard-expiring"') == 2
    assert _tbody_rows(html, 'data-testid="dashboard-approvals"') == 1
    assert "Showing the 2 that expire first of 3." in html
    assert "Showing the oldest 1 of 3." in html
    assert 'href="/?expiring=all#expiring-title">Show all 3 authorizations</a>' in html
    full = client.get("/?expiring=all&approvals=all").content.decode()
    assert 'data-testid="expiring-show-all"' not in full
    assert 'data-testid="approvals-show-all"' not in full
