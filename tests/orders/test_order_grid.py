"""The order grid: totals, page sizes, columns, amount and customer filters, `#number`."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.models import StaffProfile
from orders import list_selectors
from orders.filters import SORT_FIELDS
from tests.factories import OrderFactory, StoreFactory
from tests.orders.view_helpers import staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("grid_statistics_from_this_test")]


def listed_numbers(response) -> list[str]:
    return re.findall(r'class="link-strong" href="/orders/[^/]+/">#(\w+)</a>', response.text)


def count_label(response) -> str:
    found = re.search(r'data-testid="grid-count"[^>]*>([^<]+)<', response.text)
    assert found, "no total on the page"
    return found.group(1)


def make_orders(n: int, **fields) -> None:
    store = fields.pop("store", None) or StoreFactory()
    for _ in range(n):
        OrderFactory(store=store, **fields)


def header_labels(response) -> list[str]:
    return re.findall(r'<th scope="col"[^>]*>(?:<a[^>]*>)?(?:<abbr[^>]*>)?([^<]+)', response.text)


# ---- totals -------------------------------------------------------------------------------


def test_total_of_a_single_page_costs_no_count_query(client, viewer):
    make_orders(3)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/orders/")
    assert count_label(response) == "3 orders"
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


def test_the_last_page_knows_the_total_without_counting(client, viewer):
    make_orders(45)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/orders/", {"per_page": 20, "page": 3})
    assert count_label(response) == "45 orders"
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


def test_total_is_exact_up_to_the_bound_then_says_more_than(client, viewer, settings):
    settings.GRID_COUNT_BOUND = 30
    make_orders(25)
    assert count_label(client.get("/orders/", {"per_page": 20})) == "25 orders"
    make_orders(10, store=StoreFactory(code="eu"))
    # Beyond the bound, no statistics to estimate from (SQLite; a table never analyzed):
    # test_order_grid_pg.py has the estimate.
    assert count_label(client.get("/orders/", {"per_page": 20})) == "more than 30 orders"


def test_total_counts_the_filtered_rows(client, viewer):
    make_orders(25, state="holded")
    make_orders(5, store=StoreFactory(code="eu"), state="processing")
    response = client.get("/orders/", {"state": "holded", "per_page": 20})
    assert count_label(response) == "25 orders"
    assert len(listed_numbers(response)) == 20


def test_grid_query_count_stays_flat_with_counts(client, viewer, django_assert_max_num_queries):
    make_orders(25)
    with CaptureQueriesContext(connection) as few:
        client.get("/orders/", {"per_page": 20, "state": "processing"})
    make_orders(60, store=StoreFactory(code="eu"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/orders/", {"per_page": 20, "state": "processing"})
    assert count_label(response) == "85 orders"
    # session, user, 2FA device, saved views, permissions, the stores (filter choices and
    # each row's store), the page, its figures, the total (PostgreSQL: the table's statistics
    # first)
    assert len(few.captured_queries) <= 10


# ---- page sizes ---------------------------------------------------------------------------


@pytest.mark.parametrize(("asked", "shown"), [("20", 20), ("100", 100), ("7", 50), ("x", 50)])
def test_page_size_is_one_of_the_offered_sizes(client, viewer, asked, shown):
    make_orders(120)
    response = client.get("/orders/", {"per_page": asked})
    assert len(listed_numbers(response)) == shown
    assert f'<option value="{shown}" selected>' in response.text


def test_next_page_keeps_the_page_size(client, viewer):
    make_orders(45)
    response = client.get("/orders/", {"per_page": 20})
    assert "per_page=20&amp;page=2" in response.text
    assert "Showing 21–40" in client.get("/orders/", {"per_page": 20, "page": 2}).text


# ---- columns ------------------------------------------------------------------------------


def test_default_columns(client, viewer):
    make_orders(1)
    assert header_labels(client.get("/orders/")) == [
        "Order",
        "Placed at",
        "Store",
        "Customer",
        "Grand Total",
        "Total Due",
        "State",
        "Payment status",
    ]


def test_chosen_columns_in_the_grids_order_with_the_order_number_always(client, viewer):
    OrderFactory(number="100000001", subtotal=12345, shipping_amount=0, customer_name="Ann Lee")
    response = client.get("/orders/", {"cols": ["currency", "grand_total", "nope"]})
    assert header_labels(response) == ["Order", "Grand Total", "Currency"]
    row = re.search(r"<tbody>(.*?)</tbody>", response.text, re.S).group(1)
    assert "$123.45" in row and "USD" in row and "Ann Lee" not in row
    # The column chooser shows what is on; the filter form keeps it.
    assert 'name="cols" value="currency" checked' in response.text
    assert '<input type="hidden" name="cols" value="currency">' in response.text


# ---- filters ------------------------------------------------------------------------------


@pytest.fixture
def totals():
    us = StoreFactory(code="us", currency="USD")
    jp = StoreFactory(code="jp", currency="JPY", timezone="Asia/Tokyo")
    for number, store, total, currency in [
        ("100000001", us, 1000, "USD"),  # $10.00
        ("100000002", us, 5050, "USD"),  # $50.50
        ("100000003", us, 20000, "USD"),  # $200.00
        ("100000004", jp, 60, "JPY"),  # ¥60
        ("100000005", jp, 5000, "JPY"),  # ¥5000
    ]:
        OrderFactory(
            number=number, store=store, currency=currency, subtotal=total, shipping_amount=0
        )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"total_min": "50.50"}, ["100000002", "100000003"]),  # .50: no JPY amount
        ({"total_min": "50", "total_max": "200"}, ["100000002", "100000003", "100000004"]),
        ({"total_max": "10", "currency": "USD"}, ["100000001"]),
        ({"total_min": "1,000", "currency": "JPY"}, ["100000005"]),  # en_US grouping
    ],
)
def test_grand_total_range_in_each_currency(client, viewer, totals, params, expected):
    assert sorted(listed_numbers(client.get("/orders/", params))) == expected


@pytest.mark.parametrize("sort", [*SORT_FIELDS, *(f"-{key}" for key in SORT_FIELDS)])
def test_a_range_with_few_matches_lists_them_as_one_with_many_would(
    client, viewer, totals, monkeypatch, sort
):
    # Few matches are counted first, then read and sorted (list_selectors.FEW_MATCHES_SORTED);
    # with none deemed few, the page walks the sort's index: the same rows in the same order.
    params = {"total_min": "50", "total_max": "200", "sort": sort}
    few = client.get("/orders/", params)
    monkeypatch.setattr(list_selectors, "FEW_MATCHES_SORTED", 0)
    many = client.get("/orders/", params)

    assert listed_numbers(few) == listed_numbers(many) and len(listed_numbers(few)) == 3
    assert count_label(few) == count_label(many) == "3 orders"


def test_grand_total_range_in_the_users_locale(client, totals):
    user = staff_user("view_orders", username="berlin")
    StaffProfile.objects.create(user=user, locale="de_DE")
    client.force_login(user)  # the locale is kept in the session at sign-in
    response = client.get("/orders/", {"total_min": "50,50", "currency": "USD"})
    assert sorted(listed_numbers(response)) == ["100000002", "100000003"]


def amount_error(response, name: str) -> str | None:
    found = re.search(
        rf'class="field field--compact has-error">\s*<label for="id_{name}">.*?'
        r'<p class="field__error">([^<]+)</p>',
        response.text,
        re.S,
    )
    return found.group(1) if found else None


def test_an_amount_read_in_one_locale_is_still_checked_in_another(client, viewer, totals):
    # The filter form's markup is kept once drawn without errors: "50,50" is an amount in
    # German and not in English, so the English reader still sees why.
    berlin = staff_user("view_orders", username="berlin")
    StaffProfile.objects.create(user=berlin, locale="de_DE")
    params = {"total_min": "50,50", "currency": "USD"}
    client.force_login(berlin)
    assert amount_error(client.get("/orders/", params), "total_min") is None

    client.force_login(viewer)
    response = client.get("/orders/", params)

    assert amount_error(response, "total_min") == "This is not an amount. Use 10.50."
    assert 'value="50,50"' in response.text  # what was typed stays in its field


def test_the_filter_form_shows_what_each_view_asked_for(client, viewer):
    StoreFactory(code="us", name="US store")

    def selected(response) -> list[str]:
        return re.findall(r'<option value="([^"]+)" selected>', response.text)

    assert selected(client.get("/orders/", {"state": "processing"})) == ["processing", "50"]
    assert selected(client.get("/orders/", {"state": "complete", "store": "us"})) == [
        "us",
        "complete",
        "50",
    ]
    assert selected(client.get("/orders/", {"state": "complete", "page": "2"})) == [
        "complete",
        "50",
    ]
    assert selected(client.get("/orders/")) == ["50"]  # rows per page


def test_a_new_store_is_offered_by_the_store_filter_on_the_next_view(client, viewer):
    StoreFactory(code="us", name="US store")
    assert ">US store (US)</option>" in client.get("/orders/").text

    StoreFactory(code="nl", name="Dutch store")
    response = client.get("/orders/")

    assert ">US store (US)</option>" in response.text
    assert ">Dutch store (NL)</option>" in response.text


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1e3", "Scientific notation is not accepted."),
        ("ten", "This is not an amount."),
        ("10.505", "allows at most"),
    ],
)
def test_bad_amount_shows_an_error_next_to_its_field(client, viewer, totals, typed, message):
    response = client.get("/orders/", {"total_min": typed, "currency": "USD"})
    assert response.status_code == 200
    error = re.search(
        r'class="field field--compact has-error">\s*<label for="id_total_min">.*?'
        r'<p class="field__error">([^<]+)</p>',
        response.text,
        re.S,
    )
    assert error and message in error.group(1)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("lee", ["100000001"]),  # part of the name
        ("ANN@SHOP.EXAMPLE", ["100000001"]),  # the whole e-mail, any case
        ("shop.exam", ["100000001"]),  # part of the e-mail
        ("100000001", []),  # a number is no customer
    ],
)
def test_customer_filter_by_name_or_email(client, viewer, typed, expected):
    OrderFactory(number="100000001", customer_name="Ann Lee", customer_email="ann@shop.example")
    OrderFactory(number="100000002", customer_name="Bo Chan", customer_email="bo@example.com")
    assert listed_numbers(client.get("/orders/", {"customer": typed})) == expected


# ---- the order number as displayed -----------------------------------------------------------


@pytest.mark.parametrize("typed", ["100000110", "#100000110", " #100000110 "])
def test_an_exact_number_opens_the_order(client, viewer, typed):
    OrderFactory(number="100000110")
    OrderFactory(number="1000001101")  # its number starts the same
    response = client.get("/orders/", {"q": typed})
    assert response.status_code == 302 and response["Location"] == "/orders/100000110/"


def test_a_number_prefix_or_a_single_name_match_lists(client, viewer):
    OrderFactory(number="100000110", customer_name="Zed Single")
    OrderFactory(number="100000111")
    prefix = client.get("/orders/", {"q": "#10000011"})
    assert prefix.status_code == 200 and len(listed_numbers(prefix)) == 2
    name = client.get("/orders/", {"q": "Zed Single"})
    assert name.status_code == 200 and listed_numbers(name) == ["100000110"]


def test_an_exact_number_outside_the_filters_or_stores_does_not_open(client):
    mine, theirs = StoreFactory(code="us"), StoreFactory(code="eu")
    OrderFactory(number="100000110", store=mine, state="holded")
    OrderFactory(number="200000110", store=theirs)
    client.force_login(staff_user("view_orders", store=mine, username="us_only"))
    assert client.get("/orders/", {"q": "200000110"}).status_code == 200
    assert client.get("/orders/", {"q": "100000110", "state": "processing"}).status_code == 200
    assert client.get("/orders/", {"q": "100000110", "state": "holded"}).status_code == 302


def test_a_bare_exact_number_opens_the_order_before_the_grid_is_built(
    client, viewer, django_assert_num_queries
):
    OrderFactory(number="100000110")
    client.get("/orders/")  # the session's first request saves it; measure the next one
    # The session with its user and their second factor (one statement), their stores'
    # permissions, then the one lookup of the number: no filter form, store list, saved views
    # or page.
    with django_assert_num_queries(3):
        response = client.get("/orders/", {"q": "#100000110"})
    assert response.status_code == 302 and response["Location"] == "/orders/100000110/"


def test_a_text_search_counts_up_to_its_own_lower_bound(client, viewer, settings):
    # Each match of a search is read and compared: its total is exact up to a lower bound.
    settings.GRID_COUNT_BOUND, settings.GRID_SEARCH_COUNT_BOUND = 30, 10
    make_orders(25)

    assert count_label(client.get("/orders/", {"per_page": 20})) == "25 orders"
    searched = client.get("/orders/", {"per_page": 20, "q": "example"})
    assert len(listed_numbers(searched)) == 20
    assert count_label(searched) == "more than 10 orders"
    by_customer = client.get("/orders/", {"per_page": 20, "customer": "example"})
    assert count_label(by_customer) == "more than 10 orders"


@pytest.mark.parametrize(
    ("params", "note"),
    [({"q": "zo"}, "zo"), ({"customer": " Z "}, "Z"), ({"q": "zor"}, ""), ({"q": "12"}, "")],
)
def test_a_short_search_says_it_matches_from_the_start(client, viewer, params, note):
    response = client.get("/orders/", params)
    shown = re.search(r'data-testid="short-search-note">([^<]+)<', response.text)
    if note:
        assert shown and f"start with “{note}”" in shown.group(1)
        assert "Type 3 characters or more" in shown.group(1)
    else:
        assert shown is None


def test_a_page_turn_sort_or_page_size_alone_filters_nothing(client, viewer):
    """Only what filters binds the grid's filters: paging, sorting and the page size did
    build and validate the whole filter form on every page turn, and called an empty grid
    "No orders match" as if something had been filtered."""
    bare = client.get("/orders/", {"sort": "number", "per_page": 20, "page": 1, "q": ""})
    assert not bare.context["filterset"].is_bound
    assert "No orders yet" in bare.text

    make_orders(3)
    paged = client.get("/orders/", {"sort": "-number", "per_page": 20})
    assert not paged.context["filterset"].is_bound and len(listed_numbers(paged)) == 3
    filtered = client.get("/orders/", {"sort": "-number", "state": "canceled"})
    assert filtered.context["filterset"].is_bound
    assert "No orders match" in filtered.text
    several = client.get("/orders/", [("state", "processing"), ("state", "")])
    assert several.context["filterset"].is_bound  # a value among several is typed
