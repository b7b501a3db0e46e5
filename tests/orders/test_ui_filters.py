"""The table helpers the order page calls once per row: same text as Django's own tags."""

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django.utils.dateformat import format as date_format
from hypothesis import given
from hypothesis import strategies as st

from orders.templatetags.ui import DATETIME_FORMAT, store_time, transaction_url

ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Tokyo", "Asia/Kolkata", "Nowhere/X"]


@given(
    moment=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(ZONES),
)
def test_store_time_writes_djangos_date_format_with_the_zone(moment, zone):
    local = moment.astimezone(ZoneInfo(zone if zone != "Nowhere/X" else "UTC"))

    assert store_time(moment, zone) == f"{date_format(local, DATETIME_FORMAT)} {local.tzname()}"


def test_store_time_example_and_blank():
    moment = datetime(2026, 11, 1, 15, 4, tzinfo=UTC)

    assert store_time(moment, "America/New_York") == "Nov 1, 2026, 10:04 EST"
    assert store_time(None, "UTC") == ""


def test_store_time_month_follows_the_active_language():
    moment = datetime(2026, 5, 1, 15, 4, tzinfo=UTC)

    with translation.override("de"):
        expected = f"{date_format(moment, DATETIME_FORMAT)} UTC"
        assert store_time(moment, "UTC") == expected
    assert store_time(moment, "UTC") == "May 1, 2026, 15:04 UTC"


def test_transaction_url_is_the_reversed_url():
    value = uuid.uuid4()
    tag = Template("{% url 'payments:transaction_detail' uuid=value %}")

    assert transaction_url(value) == reverse("payments:transaction_detail", kwargs={"uuid": value})
    assert transaction_url(value) == tag.render(Context({"value": value}))
