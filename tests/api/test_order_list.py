"""GET /api/v1/orders/?updated_since=…: cursor pages, stable order, fixed queries per page."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.models import Order
from tests.api.helpers import ORDERS, get, post_order, store_token
from tests.orders.import_helpers import order_data

pytestmark = pytest.mark.django_db


def post_orders(client, token, count: int, *, store="us", currency="USD", first=1):
    for n in range(first, first + count):
        data = order_data(number=f"{store.upper()}{n:03d}", store=store, currency=currency)
        assert post_order(client, token, data).status_code == 201


def walk(client, token, url):
    numbers, pages = [], 0
    while url:
        response = get(client, token, url)
        assert response.status_code == 200, response.content
        body = response.json()
        numbers += [o["number"] for o in body["results"]]
        url, pages = body["next"], pages + 1
    return numbers, pages


def test_pages_follow_next_until_the_end_each_order_once_oldest_change_first(client):
    token = store_token()
    post_orders(client, token, 5)
    numbers, pages = walk(client, token, f"{ORDERS}?limit=2")
    assert numbers == ["US001", "US002", "US003", "US004", "US005"]
    assert pages == 3


def test_updated_since_keeps_only_orders_changed_from_then_and_next_keeps_the_filter(client):
    token = store_token()
    post_orders(client, token, 3)
    moment = timezone.now() - timedelta(days=30)
    Order.objects.filter(number="US001").update(updated_at=moment)
    since = (moment + timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    response = get(client, token, f"{ORDERS}?limit=1&updated_since={since}")
    body = response.json()
    assert [o["number"] for o in body["results"]] == ["US002"]
    assert "updated_since=" in body["next"]
    numbers, _pages = walk(client, token, body["next"])
    assert numbers == ["US003"]


def test_an_order_changed_while_paging_comes_again_after_the_cursor_none_is_lost(client):
    token = store_token()
    post_orders(client, token, 3)
    first = get(client, token, f"{ORDERS}?limit=2").json()
    assert [o["number"] for o in first["results"]] == ["US001", "US002"]
    Order.objects.filter(number="US001").update(updated_at=timezone.now())
    numbers, _pages = walk(client, token, first["next"])
    assert numbers == ["US003", "US001"]


def test_only_the_tokens_store(client):
    us = store_token()
    eu = store_token(code="eu", currency="EUR")
    post_orders(client, us, 2)
    post_orders(client, eu, 1, store="eu", currency="EUR")
    assert walk(client, eu, ORDERS)[0] == ["EU001"]


def test_the_number_of_queries_does_not_grow_with_the_page(client):
    token = store_token()
    post_orders(client, token, 2)
    with CaptureQueriesContext(connection) as small:
        assert get(client, token, f"{ORDERS}?limit=10").status_code == 200
    post_orders(client, token, 6, first=3)
    with CaptureQueriesContext(connection) as large:
        assert len(get(client, token, f"{ORDERS}?limit=10").json()["results"]) == 8
    assert len(large) == len(small)
    assert len(large) <= 11  # token, last use, orders, 6 prefetches, audit (+ savepoints)


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("cursor=bm9wZQ", "cursor"),
        ("cursor=%%%", "cursor"),
        ("updated_since=yesterday", "updated_since"),
        ("updated_since=2026-01-01T00:00:00", "updated_since"),
        ("limit=0", "limit"),
        ("limit=1000", "limit"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(client, query, path):
    token = store_token()
    response = get(client, token, f"{ORDERS}?{query}")
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [path]


def test_listing_needs_a_token(client):
    store_token()
    assert client.get(ORDERS).status_code == 401
