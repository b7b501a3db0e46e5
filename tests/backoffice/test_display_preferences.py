"""Per-user time zone and amount locale (Preferences): lists and pages show times in the
user's zone, the store's time on hover, and amounts in the user's locale."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from backoffice.display import displaying
from backoffice.models import StaffProfile
from orders.templatetags.money import money
from orders.templatetags.ui import store_time
from tests.factories import OrderFactory, StoreFactory
from tests.payments.money_helpers import staff

pytestmark = pytest.mark.django_db

PLACED = datetime(2026, 11, 1, 15, 4, tzinfo=UTC)


@pytest.fixture
def order():
    store = StoreFactory(code="us", timezone="America/New_York")
    return OrderFactory(store=store, placed_at=PLACED, number="100000777")


def test_the_time_zone_chosen_on_preferences_is_what_the_order_list_shows(client, order):
    user = staff("reader", ["view_orders"])
    client.force_login(user)
    before = client.get(reverse("orders:list")).content.decode()
    assert "10:04:00 EST" in before and "JST" not in before  # the store's zone

    saved = client.post(reverse("preferences"), {"locale": "", "time_zone": "Asia/Tokyo"})
    assert saved.status_code == 302
    assert StaffProfile.objects.get(user=user).time_zone == "Asia/Tokyo"

    after = client.get(reverse("orders:list")).content.decode()
    assert "Nov 2, 2026" in after and "00:04:00 JST" in after  # the user's zone
    assert 'title="Store time: Nov 1, 2026, 10:04:00 EST"' in after  # the store's, on hover

    page = client.get(order.get_absolute_url()).content.decode()
    assert 'title="Store time: Nov 1, 2026, 10:04 EST">Nov 2, 2026, 00:04 JST' in page


def test_a_zone_chosen_earlier_is_read_at_sign_in(client, order):
    user = staff("reader", ["view_orders"])
    StaffProfile.objects.create(user=user, time_zone="Europe/Berlin")
    client.force_login(user)
    assert "16:04:00 CET" in client.get(reverse("orders:list")).content.decode()


def test_an_unknown_zone_is_refused_next_to_the_field(client):
    user = staff("reader", ["view_orders"])
    client.force_login(user)
    response = client.post(reverse("preferences"), {"locale": "", "time_zone": "Mars/Olympus"})
    assert response.status_code == 422
    assert "is not a known time zone" in response.content.decode()
    assert not StaffProfile.objects.filter(user=user).exists()


def test_store_time_and_money_follow_the_request_preferences():
    assert store_time(PLACED, "America/New_York") == "Nov 1, 2026, 10:04 EST"
    with displaying(zone="America/New_York"):  # the store's own zone: no hover needed
        assert store_time(PLACED, "America/New_York") == "Nov 1, 2026, 10:04 EST"
    with displaying(zone="Europe/Berlin", locale="de_DE"):
        assert store_time(PLACED, "UTC") == (
            '<span class="user-time" title="Store time: Nov 1, 2026, 15:04 UTC">'
            "Nov 1, 2026, 16:04 CET</span>"
        )
        assert money(123456, "EUR") == "1.234,56\xa0€"
    assert money(123456, "EUR") == "€1,234.56"


def test_amounts_on_the_order_list_follow_the_users_locale(client, order):
    user = staff("reader", ["view_orders"])
    client.force_login(user)
    client.post(reverse("preferences"), {"locale": "de_DE", "time_zone": ""})
    html = client.get(reverse("orders:list")).content.decode()
    assert "122,00\xa0$" in html
