"""The order list: search, filters, sorting and count-free pagination."""

import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.enums import OrderState
from payments.enums import PaymentStatus
from tests.factories import OrderFactory, PaymentFactory, StoreFactory
from tests.orders.view_helpers import staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("grid_statistics_from_this_test")]


def listed_numbers(response) -> list[str]:
    """Order numbers in table order, as the person sees them."""
    return re.findall(r'class="link-strong" href="/orders/[^/]+/">#(\w+)</a>', response.text)


def test_lists_orders_newest_first_with_their_columns(client, viewer):
    store = StoreFactory(code="us", name="US Store", timezone="America/New_York")
    OrderFactory(number="100000001", store=store, placed_at=datetime(2026, 1, 1, 12, tzinfo=UTC))
    OrderFactory(
        number="100000002",
        store=store,
        customer_name="Bo Chan",
        customer_email="bo@example.com",
        grand_total=12345,
        subtotal=11345,
        state=OrderState.HOLDED,
        payment_status=PaymentStatus.AUTHORIZED,
        placed_at=datetime(2026, 1, 2, 15, 30, tzinfo=UTC),
    )

    response = client.get("/orders/")

    assert listed_numbers(response) == ["100000002", "100000001"]
    html = response.text
    assert "Bo Chan" in html and "bo@example.com" in html
    assert "$123.45" in html
    assert "On hold" in html and "Authorized" in html
    # In the store's time zone; date above time so the row fits a laptop screen.
    assert "Jan 2, 2026" in html and "10:30:00 EST" in html
    assert "Showing 1–2" in html


def test_empty_list_says_so(client, viewer):
    assert "No orders yet" in client.get("/orders/").text
    assert "No orders match" in client.get("/orders/?q=zzz").text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # the exact number opens the order instead: tests/orders/test_order_grid.py
        ("#1000007", ["100000777"]),  # as displayed, with its "#"
        ("1000007", ["100000777"]),  # number prefix
        ("ANN@shop.example", ["100000777"]),  # email, any case
        ("ann@", ["100000777"]),  # part of the email
        ("lee", ["100000777"]),  # part of the name, any case
        ("psp-ref-42", ["100000777"]),  # a payment's gateway reference
        ("nobody", []),
    ],
)
def test_search_box_finds_by_each_key(client, viewer, query, expected):
    order = OrderFactory(
        number="100000777", customer_name="Ann Lee", customer_email="ann@shop.example"
    )
    PaymentFactory(order=order, gateway_reference="psp-ref-42")
    OrderFactory(number="200000001", customer_name="Bo Chan", customer_email="bo@example.com")

    assert listed_numbers(client.get("/orders/", {"q": query})) == expected


def test_order_with_several_payments_of_one_reference_is_listed_once(client, viewer):
    order = OrderFactory(number="100000777")
    PaymentFactory(order=order, gateway_reference="psp-shared")
    PaymentFactory(order=order, gateway_reference="psp-shared")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/orders/", {"q": "psp-shared"})

    assert listed_numbers(response) == ["100000777"]
    page_query = next(q["sql"] for q in queries if "LIMIT" in q["sql"] and "customer" in q["sql"])
    # Payments are looked up first by their indexed reference, never joined into the order rows.
    assert "payments_payment" not in page_query


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"store": "eu"}, ["2"]),
        ({"state": "holded"}, ["3"]),
        ({"payment_status": "captured"}, ["2"]),
        ({"currency": "EUR"}, ["2"]),
        ({"placed_from": "2026-03-01"}, ["3", "2"]),
        ({"placed_to": "2026-03-01"}, ["2", "1"]),  # the whole "to" day is included
        ({"placed_from": "2026-03-01", "placed_to": "2026-03-01"}, ["2"]),
        ({"store": "us", "state": "processing"}, ["1"]),
    ],
)
def test_each_filter_narrows_the_list(client, viewer, params, expected):
    us, eu = StoreFactory(code="us"), StoreFactory(code="eu", currency="EUR")
    OrderFactory(number="1", store=us, placed_at=datetime(2026, 2, 1, 10, tzinfo=UTC))
    OrderFactory(
        number="2",
        store=eu,
        payment_status=PaymentStatus.CAPTURED,
        placed_at=datetime(2026, 3, 1, 23, 59, tzinfo=UTC),
    )
    OrderFactory(
        number="3", store=us, state=OrderState.HOLDED, placed_at=datetime(2026, 4, 1, tzinfo=UTC)
    )

    assert listed_numbers(client.get("/orders/", params)) == expected


def test_invalid_filter_value_is_reported_next_to_the_field(client, viewer):
    OrderFactory(number="1")

    response = client.get("/orders/", {"state": "bogus", "placed_from": "yesterday"})

    assert response.status_code == 200
    assert response.text.count('class="field__error"') == 2
    assert "Select a valid choice" in response.text
    assert "Enter a valid date" in response.text


def test_store_filter_offers_only_visible_stores(client):
    us = StoreFactory(code="us", name="US Store")
    StoreFactory(code="eu", name="EU Store")
    client.force_login(staff_user("view_orders", store=us))

    response = client.get("/orders/", {"store": "eu"})

    assert '<option value="us"' in response.text
    assert '<option value="eu"' not in response.text
    assert "Select a valid choice" in response.text


def test_each_persons_filter_offers_their_own_stores_one_after_the_other(client):
    """The filter form's class is kept per set of choices (backoffice/filtersets.py): a person
    never gets the stores or currencies of the one before."""
    us = StoreFactory(code="us", name="US Store", currency="USD")
    eu = StoreFactory(code="eu", name="EU Store", currency="EUR")
    pages = []
    for store, username in ((us, "ann"), (eu, "bo"), (us, "cy")):
        client.force_login(staff_user("view_orders", store=store, username=username))
        pages.append(client.get("/orders/").text)

    for page, own, other in zip(pages, ("us", "eu", "us"), ("eu", "us", "eu"), strict=True):
        assert f'<option value="{own}"' in page and f'<option value="{other}"' not in page
    assert '<option value="EUR"' in pages[1] and '<option value="EUR"' not in pages[2]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("number", ["A1", "B2", "C3"]),
        ("-number", ["C3", "B2", "A1"]),
        ("placed_at", ["B2", "C3", "A1"]),
        ("-placed_at", ["A1", "C3", "B2"]),
        ("customer", ["C3", "A1", "B2"]),
        ("-customer", ["B2", "A1", "C3"]),
        ("grand_total", ["B2", "A1", "C3"]),
        ("-grand_total", ["C3", "A1", "B2"]),
        ("state", ["C3", "B2", "A1"]),
        ("-state", ["A1", "B2", "C3"]),
        ("payment_status", ["B2", "C3", "A1"]),
        ("-payment_status", ["A1", "C3", "B2"]),
        ("id; DROP TABLE x", ["A1", "C3", "B2"]),  # not whitelisted: default sort
    ],
)
def test_columns_sort_both_ways(client, viewer, sort, expected):
    def order(number, name, total, state, status, day):
        OrderFactory(
            number=number,
            customer_name=name,
            subtotal=total,
            shipping_amount=0,
            state=state,
            payment_status=status,
            placed_at=datetime(2026, 1, day, tzinfo=UTC),
        )

    order("A1", "Mia", 2000, OrderState.PROCESSING, PaymentStatus.REFUNDED, 30)
    order("B2", "Zoe", 1000, OrderState.NEW, PaymentStatus.AUTHORIZED, 1)
    order("C3", "Ann", 3000, OrderState.COMPLETE, PaymentStatus.CAPTURED, 15)

    assert listed_numbers(client.get("/orders/", {"sort": sort})) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("state", ["N1", "P1", "P3", "P2"]),
        ("-state", ["P2", "P3", "P1", "N1"]),
        ("payment_status", ["N1", "P1", "P3", "P2"]),
        ("-payment_status", ["P2", "P3", "P1", "N1"]),
    ],
)
def test_orders_of_one_state_follow_the_time_placed(client, viewer, sort, expected):
    # Created in another order than placed: the time placed decides, in the sort's direction.
    for number, day, state, status in (
        ("P2", 20, OrderState.PROCESSING, PaymentStatus.REFUNDED),
        ("P1", 5, OrderState.PROCESSING, PaymentStatus.REFUNDED),
        ("N1", 25, OrderState.NEW, PaymentStatus.AUTHORIZED),
        ("P3", 10, OrderState.PROCESSING, PaymentStatus.REFUNDED),
    ):
        placed = datetime(2026, 1, day, tzinfo=UTC)
        OrderFactory(number=number, state=state, payment_status=status, placed_at=placed)

    assert listed_numbers(client.get("/orders/", {"sort": sort})) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("grand_total", ["E1", "E2", "J1", "J2"]),
        ("-grand_total", ["J2", "J1", "E2", "E1"]),
    ],
)
def test_sort_by_grand_total_groups_currencies(client, viewer, sort, expected):
    eu, jp = StoreFactory(code="eu", currency="EUR"), StoreFactory(code="jp", currency="JPY")
    OrderFactory(number="J2", store=jp, currency="JPY", subtotal=65810, shipping_amount=0)
    OrderFactory(number="E2", store=eu, currency="EUR", subtotal=79707, shipping_amount=0)
    OrderFactory(number="J1", store=jp, currency="JPY", subtotal=500, shipping_amount=0)
    OrderFactory(number="E1", store=eu, currency="EUR", subtotal=1000, shipping_amount=0)

    assert listed_numbers(client.get("/orders/", {"sort": sort})) == expected


def test_sort_links_keep_the_filters_and_toggle_direction(client, viewer):
    OrderFactory(state=OrderState.PROCESSING)

    html = client.get("/orders/", {"q": "ann", "state": "processing", "sort": "number"}).text

    assert 'href="?q=ann&amp;state=processing&amp;sort=-number"' in html
    assert 'href="?q=ann&amp;state=processing&amp;sort=-grand_total"' in html
    assert 'aria-sort="ascending"' in html


def make_orders(count: int, **fields) -> None:
    store = StoreFactory()
    for n in range(count):
        OrderFactory(
            number=f"{500000 + n}",
            store=store,
            placed_at=datetime(2026, 1, 1, tzinfo=UTC).replace(minute=n % 60, hour=n // 60),
            addresses=False,
            **fields,
        )


def test_pages_of_fifty_without_counting(client, viewer):
    make_orders(120)

    with CaptureQueriesContext(connection) as queries:
        first = client.get("/orders/")
    second = client.get("/orders/", {"page": 2})
    last = client.get("/orders/", {"page": 3})

    assert not [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert len(listed_numbers(first)) == 50
    assert listed_numbers(first)[0] == "500119"
    assert "Showing 1–50" in first.text
    assert 'rel="next" href="?page=2"' in first.text
    assert 'rel="prev"' not in first.text
    assert listed_numbers(second)[0] == "500069"
    assert "Showing 51–100" in second.text
    assert 'rel="prev" href="?page=1"' in second.text
    assert "Showing 101–120" in last.text
    assert len(listed_numbers(last)) == 20
    assert 'rel="next"' not in last.text


def test_exactly_one_page_has_no_next_link(client, viewer):
    make_orders(50)

    response = client.get("/orders/")

    assert len(listed_numbers(response)) == 50
    assert 'rel="next"' not in response.text


def test_pagination_keeps_search_filters_and_sort(client, viewer):
    make_orders(60, state=OrderState.PROCESSING)

    response = client.get("/orders/", {"q": "500", "state": "processing", "sort": "number"})

    assert 'rel="next" href="?q=500&amp;state=processing&amp;sort=number&amp;page=2"' in (
        response.text
    )


def test_page_past_the_end_offers_the_first_page(client, viewer):
    make_orders(3)

    response = client.get("/orders/", {"page": 9})

    assert "No orders on this page" in response.text
    assert listed_numbers(response) == []


@pytest.mark.parametrize("page", ["abc", "-3", "0", ""])
def test_nonsense_page_number_shows_the_first_page(client, viewer, page):
    make_orders(3)

    assert len(listed_numbers(client.get("/orders/", {"page": page}))) == 3


def test_list_query_count_does_not_grow_with_rows(client, viewer, django_assert_max_num_queries):
    make_orders(60)

    # session, user, 2FA device, permissions, the stores (filter choices and each row's
    # store), one page of orders, their figures, the saved views menu and the total
    # (tests/orders/test_order_grid.py: on PostgreSQL the table's statistics, kept a minute,
    # then the plan's estimate or a bounded count)
    with django_assert_max_num_queries(10):
        client.get("/orders/")
