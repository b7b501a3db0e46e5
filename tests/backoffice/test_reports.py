"""The money report (/reports/): by day × store × type from successful ledger rows, each day in
the store's time zone, per-currency totals, a validated date range, its CSV (export_data)."""

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from backoffice.models import Store
from payments.enums import TransactionStatus, TransactionType
from payments.reports import money_report
from tests.backoffice.roles_helpers import role_user
from tests.factories import StoreFactory
from tests.payments.transaction_pages_helpers import authorized_payment, make_txn

pytestmark = pytest.mark.django_db
T = TransactionType
PAGE, CSV = reverse("reports:money"), reverse("reports:money_csv")
TWO_DAYS = {"start": "2026-11-09", "end": "2026-11-10"}


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


@pytest.fixture
def ledger():
    """New York (USD) and Tokyo (JPY), with rows either side of a day boundary."""
    us = StoreFactory(code="us", currency="USD", timezone="America/New_York")
    jp = StoreFactory(code="jp", currency="JPY", timezone="Asia/Tokyo")
    pa = authorized_payment(amount=20000, store=us)
    # 03:00 UTC on the 10th is 22:00 on the 9th in New York.
    first = make_txn(parent=pa, type=T.CAPTURE, amount=10000, created_at=at(10, 3))
    second = make_txn(parent=pa, type=T.CAPTURE, amount=5000, created_at=at(10, 15))
    make_txn(parent=second, type=T.REFUND, amount=2000, created_at=at(10, 16))
    make_txn(parent=first, type=T.CHARGEBACK, amount=1000, created_at=at(10, 17))
    failed = {"status": TransactionStatus.FAILED, "created_at": at(10, 18)}
    make_txn(parent=pa, type=T.CAPTURE, amount=3000, **failed)  # moves no money
    yen = authorized_payment(amount=9000, store=jp)
    # 16:00 UTC on the 9th is 01:00 on the 10th in Tokyo.
    make_txn(parent=yen, type=T.CAPTURE, amount=5000, created_at=at(9, 16))
    return us, jp


def figures(html: str, marker: str) -> dict[tuple[str, ...], dict[str, str]]:
    """{(data-* key values): {figure: text}} of the rows of one section of the page."""
    section = html[html.index(marker) :]
    section = section[: section.index("</section>")]
    rows = {}
    for attrs, body in re.findall(r"<tr ((?:data-[a-z]+=\"[^\"]*\" ?)+)>(.*?)</tr>", section, re.S):
        key = tuple(re.findall(r'data-[a-z]+="([^"]*)"', attrs))
        cells = re.findall(r'data-figure="([a-z_]+)">(?:<strong>)?([^<]*)', body)
        rows[key] = dict(cells)
    return rows


def test_one_query_buckets_each_row_in_its_store_day(ledger, django_assert_num_queries):
    us, jp = ledger
    with django_assert_num_queries(1):
        report = money_report(stores=[jp, us], first=date(2026, 11, 9), last=date(2026, 11, 10))

    got = {(r.day.day, r.store.code, r.currency): r.amounts for r in report.rows}
    assert list(got) == [(10, "jp", "JPY"), (10, "us", "USD"), (9, "us", "USD")]
    assert (got[(9, "us", "USD")].captured, got[(9, "us", "USD")].net) == (10000, 10000)
    tenth = got[(10, "us", "USD")]
    assert (tenth.captured, tenth.refunded, tenth.charged_back, tenth.net) == (
        5000,
        2000,
        1000,
        2000,
    )
    assert got[(10, "jp", "JPY")].captured == 5000
    totals = report.totals()
    assert list(totals) == ["JPY", "USD"]
    assert (totals["USD"].captured, totals["USD"].net, totals["JPY"].net) == (15000, 12000, 5000)

    # The 10th alone: New York's evening of the 9th (already the 10th in UTC) is left out.
    only_tenth = money_report(stores=[us], first=date(2026, 11, 10), last=date(2026, 11, 10))
    assert [(r.day.day, r.amounts.captured) for r in only_tenth.rows] == [(10, 5000)]


def test_the_page_shows_days_stores_and_per_currency_totals(client, ledger):
    client.force_login(role_user("viewer"))

    response = client.get(PAGE, TWO_DAYS)

    assert response.status_code == 200
    html = response.content.decode()
    assert "calendar day in the store's own time zone" in html
    days = figures(html, 'data-testid="report-days"')
    assert days[("2026-11-10", "us", "USD")] == {
        "captured": "$50.00", "refunded": "$20.00", "charged_back": "$10.00", "net": "$20.00",
    }  # fmt: skip
    assert days[("2026-11-09", "us", "USD")]["captured"] == "$100.00"
    assert days[("2026-11-10", "jp", "JPY")]["captured"] == "¥5,000"
    totals = figures(html, 'data-testid="report-totals"')
    assert totals[("USD",)]["net"] == "$120.00" and totals[("JPY",)]["net"] == "¥5,000"
    assert "Download CSV" not in html  # a viewer may not export


def test_the_page_shows_only_the_stores_the_user_may_view(client, ledger):
    _us, jp = ledger
    client.force_login(role_user("finance", store=jp))
    html = client.get(PAGE, TWO_DAYS).content.decode()
    assert set(figures(html, 'data-testid="report-totals"')) == {("JPY",)}
    assert 'value="us"' not in html  # not even offered in the store filter
    # Choosing another store's code is a field error, not a leak.
    response = client.get(PAGE, {**TWO_DAYS, "store": "us"})
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-11-10", "end": "2026-11-01"}, "The end date is before the start date."),
        (
            {"start": "2025-01-01", "end": "2026-11-01"},
            "Choose at most 366 days; this range has 670.",
        ),
        ({"start": "10/11/2026", "end": "2026-11-10"}, "Enter a valid date."),
        ({"start": "2026-11-01", "end": ""}, "This field is required."),
    ],
)
def test_a_bad_range_is_an_error_next_to_its_field(client, ledger, params, message):
    client.force_login(role_user("finance"))
    response = client.get(PAGE, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'class="field__error" id="id_(start|end)_error">' + re.escape(message), html)
    assert 'data-testid="report-days"' not in html
    assert client.get(CSV, params).status_code == 400


def test_the_default_is_the_last_30_days(client):
    StoreFactory(code="us")
    client.force_login(role_user("viewer"))
    html = client.get(PAGE).content.decode()
    assert re.search(r'name="start" value="\d{4}-\d{2}-\d{2}"', html)
    assert "No money moved in these days." in html


def test_csv_has_the_same_rows_for_finance_and_is_refused_to_support(client, ledger):
    client.force_login(role_user("support"))
    assert client.get(CSV, TWO_DAYS).status_code == 403
    client.force_login(role_user("finance"))
    page = client.get(PAGE, TWO_DAYS).content.decode()
    assert "Download CSV" in page

    response = client.get(CSV, TWO_DAYS)

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="money-2026-11-09-to-2026-11-10.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["Day", "Store", "Currency", "Captured", "Refunded", "Charged back", "Net"],
        ["2026-11-10", "jp", "JPY", "5000", "0", "0", "5000"],
        ["2026-11-10", "us", "USD", "50.00", "20.00", "10.00", "20.00"],
        ["2026-11-09", "us", "USD", "100.00", "0.00", "0.00", "100.00"],
    ]


def test_page_queries_do_not_grow_with_days_or_stores(
    client, ledger, django_assert_max_num_queries
):
    client.force_login(role_user("manager"))
    client.get(PAGE, TWO_DAYS)  # warm the session
    with django_assert_max_num_queries(6) as few:
        client.get(PAGE, TWO_DAYS)
    for code in ("eu", "gb", "ca"):
        store = StoreFactory(code=code, currency="EUR", timezone="Europe/Berlin")
        authorized_payment(amount=1000, store=store)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(PAGE, {"start": "2026-01-01", "end": "2026-12-31"})


def test_a_staff_member_without_any_store_gets_403(client):
    StoreFactory(code="us")
    user = role_user("viewer", store=Store.objects.get(code="us"))
    user.groups.clear()
    client.force_login(user)
    assert client.get(PAGE).status_code == 403
