"""The dashboard's money per store and currency, and its 30-day chart (inline SVG with a data
table): ledger sums in minor units, never across currencies, only the stores one may view."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import ApprovalRequest
from payments.enums import TransactionType
from tests.backoffice.roles_helpers import role_user
from tests.factories import StoreFactory
from tests.payments.transaction_pages_helpers import authorized_payment, make_txn

pytestmark = pytest.mark.django_db
T = TransactionType


def money_rows(html: str) -> dict[tuple[str, str], dict[str, str]]:
    section = html[html.index('data-testid="dashboard-money"') :]
    section = section[: section.index("</section>")]
    rows = {}
    for store, currency, body in re.findall(
        r'<tr data-store="(\w+)" data-currency="(\w+)">(.*?)</tr>', section, re.S
    ):
        cells = re.findall(r'data-figure="([a-z_]+)">([^<]*)', body)
        rows[(store, currency)] = {name: text.strip() for name, text in cells}
    return rows


@pytest.fixture
def money():
    now = timezone.now()
    us = StoreFactory(code="us", currency="USD", timezone="America/New_York")
    jp = StoreFactory(code="jp", currency="JPY", timezone="Asia/Tokyo")
    sale = authorized_payment(amount=20000, store=us)
    capture = make_txn(
        parent=sale, type=T.CAPTURE, amount=15000, created_at=now - timedelta(days=2)
    )
    make_txn(parent=capture, type=T.REFUND, amount=2500, created_at=now - timedelta(days=1))
    make_txn(parent=capture, type=T.CHARGEBACK, amount=1000)
    old = make_txn(parent=sale, type=T.CAPTURE, amount=10, created_at=now - timedelta(days=40))
    assert old  # older than 30 days: in no figure of the chart's period
    # An open authorization of $70.00 expiring within 48 hours; 5,000 yen open for a week.
    expiring = authorized_payment(amount=7000, store=us)
    expiring.payment.expires_at = now + timedelta(hours=30)
    expiring.payment.save(update_fields=["expires_at"])
    authorized_payment(amount=5000, store=jp)
    ApprovalRequest.objects.create(
        order=sale.order, store=us, kind="refund", action="transaction_refund", amount=4000,
        currency="USD", target="t", idempotency_key="k1", requested_by_label="finance",
        expires_at=now + timedelta(days=1),
    )  # fmt: skip
    return us, jp


def test_figures_per_store_and_currency(client, money):
    client.force_login(role_user("manager"))

    html = client.get(reverse("dashboard")).content.decode()

    rows = money_rows(html)
    assert rows[("us", "USD")] == {
        "captured": "$150.00",
        "refunded": "$25.00",
        "net": "$115.00",  # captured − refunded − charged back
        "to_capture": "$119.90",  # $49.90 left of the first authorization, $70.00 of the second
        "expiring": "$70.00",
        "charged_back": "$10.00",
        "awaiting": "$40.00",
    }
    assert rows[("jp", "JPY")]["to_capture"] == "¥5,000"
    assert rows[("jp", "JPY")]["captured"] == "¥0"


def test_the_chart_is_an_accessible_svg_with_its_data_table(client, money):
    client.force_login(role_user("viewer"))

    html = client.get(reverse("dashboard")).content.decode()

    chart = html[html.index('data-testid="money-chart-USD"') :]
    svg = chart[: chart.index("</svg>")]
    assert 'role="img"' in svg
    assert 'aria-labelledby="chart-USD-title chart-USD-desc"' in svg
    assert '<title id="chart-USD-title">Captured and refunded per day in USD, last 30 days' in svg
    assert "$150.00 captured and $25.00 refunded" in svg  # the <desc>
    assert len(re.findall(r'class="chart__bar chart__bar--0"', svg)) == 30
    table = chart[chart.index("<details") : chart.index("</details>")]
    assert "<summary>Show the data table</summary>" in table
    assert len(re.findall(r"<tr><td class=\"nowrap\">", table)) == 30
    assert "$150.00" in table and "$25.00" in table
    assert 'data-testid="money-chart-JPY"' not in html  # no yen moved in 30 days: no chart


def test_only_the_stores_one_may_view(client, money):
    _us, jp = money
    client.force_login(role_user("finance", store=jp))
    html = client.get(reverse("dashboard")).content.decode()
    assert set(money_rows(html)) == {("jp", "JPY")}
    assert "money-chart-USD" not in html


def test_dashboard_queries_do_not_grow_with_stores(client, money, django_assert_max_num_queries):
    client.force_login(role_user("manager"))
    client.get(reverse("dashboard"))
    with django_assert_max_num_queries(40) as counted:
        client.get(reverse("dashboard"))
    for code, tz in (("eu", "Europe/Berlin"), ("gb", "Europe/London"), ("ca", "America/Toronto")):
        store = StoreFactory(code=code, currency="EUR", timezone=tz)
        pa = authorized_payment(amount=3000, store=store)
        make_txn(parent=pa, type=T.CAPTURE, amount=1000)
    with django_assert_max_num_queries(len(counted.captured_queries)):
        client.get(reverse("dashboard"))
