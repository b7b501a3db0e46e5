"""The dashboard: what needs attention, in the stores the user can view."""

import re
from datetime import UTC, datetime

import pytest

from orders.enums import OrderState
from orders.models import Order
from payments.enums import PaymentStatus
from payments.models import Payment
from tests.factories import OrderFactory, StoreFactory
from tests.orders.view_helpers import authorize, expired_payment_fields, staff_user

pytestmark = pytest.mark.django_db


def kpi_value(html: str, key: str) -> int:
    block = html[html.index(f'class="kpi kpi--{key}"') :]
    value = block[block.index('class="kpi__value">') + len('class="kpi__value">') :]
    return int(value[: value.index("<")])


def test_kpis_count_orders_that_need_attention(client):
    store = StoreFactory()
    for _ in range(3):
        OrderFactory(store=store, state=OrderState.PROCESSING)
    OrderFactory(store=store, state=OrderState.HOLDED)
    OrderFactory(store=store, state=OrderState.PAYMENT_REVIEW)
    awaiting = OrderFactory(store=store, state=OrderState.NEW)
    authorize(awaiting, awaiting.grand_total)
    # Past its expiry date, not marked yet by expire_authorizations: nothing to capture.
    lapsed = OrderFactory(store=store, state=OrderState.NEW)
    payment, _auth = authorize(lapsed, lapsed.grand_total)
    Payment.objects.filter(pk=payment.pk).update(**expired_payment_fields())
    assert Order.objects.get(pk=lapsed.pk).payment_status == PaymentStatus.AUTHORIZED
    OrderFactory(store=store, state=OrderState.NEW, payment_status=PaymentStatus.CAPTURED)
    client.force_login(staff_user("view_orders"))

    html = client.get("/").text

    assert kpi_value(html, "processing") == 3
    assert kpi_value(html, "on_hold") == 1
    assert kpi_value(html, "payment_review") == 1
    assert kpi_value(html, "to_capture") == 1
    assert 'href="/orders/?state=holded"' in html
    assert 'href="/orders/?payment_status=authorized&amp;capture=open"' in html


def test_kpis_and_recent_orders_are_scoped_to_visible_stores(client):
    us, eu = StoreFactory(code="us"), StoreFactory(code="eu", currency="EUR")
    mine = OrderFactory(store=us, state=OrderState.HOLDED)
    theirs = OrderFactory(store=eu, state=OrderState.HOLDED)
    client.force_login(staff_user("view_orders", store=us))

    html = client.get("/").text

    assert kpi_value(html, "on_hold") == 1
    assert f"#{mine.number}" in html
    assert f"#{theirs.number}" not in html


def test_recent_orders_newest_first_at_most_ten(client):
    store = StoreFactory()
    for day in range(1, 13):
        OrderFactory(
            number=f"9000{day:02d}", store=store, placed_at=datetime(2026, 5, day, tzinfo=UTC)
        )
    client.force_login(staff_user("view_orders"))

    html = client.get("/").text

    assert "#900012" in html and "#900003" in html
    assert "#900002" not in html
    assert html.index("#900012") < html.index("#900011")


def test_dashboard_without_visible_orders_explains_why(client):
    client.force_login(staff_user())

    html = client.get("/").text

    assert "No orders to show" in html
    assert kpi_value(html, "processing") == 0


def test_navigation_links_and_user_menu(client):
    client.force_login(staff_user("view_orders", username="kim"))

    html = client.get("/").text

    for href in ('href="/"', 'href="/orders/"', 'href="/transactions/"'):
        assert href in html
    assert 'aria-current="page"' in html
    assert "kim" in html
    assert '<form method="post" action="/accounts/logout/">' in html


def test_page_loads_htmx_from_our_static_files_under_the_csp(client):
    client.force_login(staff_user("view_orders"))

    response = client.get("/")

    assert "django_htmx/htmx-2" in response.text
    assert '"includeIndicatorStyles": false' in response.text
    assert "X-CSRFToken" in response.text
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert " style=" not in response.text and "onclick" not in response.text


@pytest.mark.usefixtures("grid_statistics_from_this_test")
def test_a_count_beyond_the_grids_bound_says_it_is_not_exact(client, settings):
    # Counted as the order list behind it counts its total (exact up to the bound, then the
    # database's estimate on PostgreSQL): no scan of every order for the tile.
    settings.GRID_COUNT_BOUND = 2
    store = StoreFactory()
    for _ in range(3):
        OrderFactory(store=store, state=OrderState.PROCESSING)
    OrderFactory(store=store, state=OrderState.HOLDED)
    client.force_login(staff_user("view_orders"))

    html = client.get("/").text

    assert kpi_value(html, "on_hold") == 1
    tile = html[html.index('class="kpi kpi--processing"') :]
    tile = tile[: tile.index("</a>")]
    shown = re.search(r'class="kpi__value" title="([^"]+)">([^<]+)<', tile)
    assert shown, tile
    assert shown.group(1).startswith("Counted exactly up to 2")
    assert shown.group(2) == "2+"  # the tables' statistics say nothing yet: no estimate
