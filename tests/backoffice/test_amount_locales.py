"""The locale amounts are typed in: each store's (from its country by default), a staff
member's own preference (the Preferences page, the admin), and the live preview endpoint."""

from importlib import import_module

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from backoffice.demo.accounts import demo_stores_ensure
from backoffice.locales import country_locale, is_known_locale, timezone_locale
from backoffice.models import StaffProfile, Store, amount_locale
from tests.factories import StoreFactory, UserFactory
from tests.orders.view_helpers import staff_user

pytestmark = pytest.mark.django_db

PREVIEW = reverse("money_preview")
PREFERENCES = reverse("preferences")


# ---- where the locale comes from -------------------------------------------------------------


def test_a_country_has_its_usual_locale():
    assert [country_locale(c) for c in ("US", "DE", "JP", "CH", "AT")] == [
        "en_US",
        "de_DE",
        "ja_JP",
        "de_CH",
        "de_AT",
    ]
    assert timezone_locale("Europe/Berlin") == "de_DE"
    assert timezone_locale("UTC") == "en_US"


def test_a_new_store_takes_the_locale_of_its_time_zones_country():
    assert StoreFactory(code="de", currency="EUR", timezone="Europe/Berlin").locale == "de_DE"
    assert StoreFactory(code="xx", currency="USD", timezone="UTC").locale == "en_US"
    assert StoreFactory(code="ch", currency="CHF", locale="fr_CH").locale == "fr_CH"


def test_the_demo_stores_have_their_locales():
    stores = demo_stores_ensure()

    assert {code: s.locale for code, s in stores.items()} == {
        "us": "en_US",
        "eu": "de_DE",
        "jp": "ja_JP",
    }


def test_existing_stores_get_their_locale_from_the_data_migration():
    for code, zone in [("us", "America/New_York"), ("eu", "Europe/Berlin"), ("jp", "Asia/Tokyo")]:
        StoreFactory(code=code, timezone=zone)
    Store.objects.update(locale="")
    kept = StoreFactory(code="ch", timezone="Europe/Zurich", locale="fr_CH")

    migration = import_module("backoffice.migrations.0003_store_locale_from_country")
    migration.fill_locales(apps, None)

    assert dict(Store.objects.values_list("code", "locale")) == {
        "us": "en_US",
        "eu": "de_DE",
        "jp": "ja_JP",
        kept.code: "fr_CH",
    }


@pytest.mark.parametrize("value", ["de-DE", "de_de", "xx_YY", "de_XX", "english", "en_US "])
def test_a_locale_must_be_one_babel_knows_as_it_spells_it(value):
    assert not is_known_locale(value)
    store = StoreFactory.build(code="zz", name="Z", currency="EUR", locale=value)
    with pytest.raises(ValidationError) as refused:
        store.full_clean()
    assert "is not a known locale" in str(refused.value.message_dict["locale"])


def test_the_users_preference_comes_before_the_stores():
    eu = StoreFactory(code="eu", currency="EUR", locale="de_DE")
    user = UserFactory()
    assert amount_locale(user, eu) == "de_DE"

    StaffProfile.objects.create(user=user, locale="en_GB")

    assert amount_locale(type(user).objects.get(pk=user.pk), eu) == "en_GB"


# ---- the preview -----------------------------------------------------------------------------


@pytest.fixture
def eu_staff(client):
    eu = StoreFactory(code="eu", currency="EUR", locale="de_DE")
    user = staff_user("view_orders", store=eu)
    client.force_login(user)
    return user


def preview(client, **params) -> tuple[int, str]:
    response = client.get(PREVIEW, params)
    return response.status_code, response.content.decode()


def test_the_preview_shows_what_will_be_booked(client, eu_staff):
    assert preview(client, amount="1,50", currency="EUR", store="eu") == (
        200,
        '<span class="amount-preview__value">= €1.50</span>',
    )
    # The field's own name, as htmx sends it; the store's currency by default.
    _, html = preview(client, field="shipping_amount", shipping_amount="1.234,56", store="eu")
    assert html == '<span class="amount-preview__value">= €1,234.56</span>'


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1e2", "Scientific notation is not accepted. Use 10.50 or 10,50."),
        ("1.234", "Ambiguous: 1.234 could be 1234 or 1,234. Type one of those."),
        ("1" + "0" * 20, "The amount is too large: the most is 9.999.999.999,99\u00a0€."),
    ],
)
def test_an_amount_that_cannot_be_read_answers_200_with_the_message(
    client, eu_staff, amount, message
):
    status, html = preview(client, amount=amount, currency="EUR", store="eu")

    assert status == 200
    assert html == f'<span class="amount-preview__error">{message}</span>'


def test_an_empty_field_previews_nothing_and_a_bad_currency_says_so(client, eu_staff):
    assert preview(client, amount=" ", store="eu") == (200, "")
    status, html = preview(client, amount="1", currency="XXX1", store="eu")
    assert status == 200 and "is not an ISO 4217 currency code" in html


def test_the_preview_follows_the_users_locale(client, eu_staff):
    StaffProfile.objects.create(user=eu_staff, locale="en_US")

    assert "= €1,234.56" in preview(client, amount="1,234.56", store="eu")[1]
    assert "This is not an amount. Use 10.50." in preview(client, amount="1,50", store="eu")[1]


def test_the_preview_is_for_staff_and_their_stores_only(client, eu_staff):
    StoreFactory(code="us", currency="USD")
    assert client.get(PREVIEW, {"amount": "1", "store": "us"}).status_code == 404
    client.logout()
    assert client.get(PREVIEW, {"amount": "1"}).status_code == 302
    client.force_login(UserFactory(is_staff=False))
    assert client.get(PREVIEW, {"amount": "1"}).status_code == 403


def test_the_preview_only_reads(client, eu_staff):
    assert client.post(PREVIEW, {"amount": "1"}).status_code == 405


# ---- the Preferences page --------------------------------------------------------------------


def test_the_user_menu_leads_to_the_preferences(client, eu_staff):
    page = client.get(reverse("dashboard")).content.decode()

    assert f'href="{PREFERENCES}">Preferences</a>' in page


def test_the_preferences_page_shows_each_store_and_writes_nothing(client, eu_staff):
    response = client.get(PREFERENCES)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="" selected>Each store&#x27;s own</option>' in html
    assert 'data-testid="example-eu">1.234,56 EUR' in html
    assert not StaffProfile.objects.exists()


def test_choosing_a_locale_changes_how_amounts_are_typed(client, eu_staff):
    response = client.post(PREFERENCES, {"locale": "en_US"})

    assert response.status_code == 302
    assert StaffProfile.objects.get(user=eu_staff).locale == "en_US"
    page = client.get(PREFERENCES).content.decode()
    assert 'data-testid="example-eu">1,234.56 EUR' in page
    assert "Your preferences are saved." in page

    client.post(PREFERENCES, {"locale": ""})
    assert StaffProfile.objects.get(user=eu_staff).locale == ""


def test_a_locale_that_is_not_offered_is_refused(client, eu_staff):
    response = client.post(PREFERENCES, {"locale": "xx_YY"})

    assert response.status_code == 422
    assert response.context["form"].errors["locale"]
    assert not StaffProfile.objects.exists()


def test_the_page_changes_only_the_users_own_preferences(client, eu_staff):
    other = StaffProfile.objects.create(user=UserFactory(), locale="ja_JP")

    client.post(PREFERENCES, {"locale": "en_GB", "user": other.user_id})

    assert StaffProfile.objects.get(pk=other.pk).locale == "ja_JP"
    assert StaffProfile.objects.get(user=eu_staff).locale == "en_GB"


# ---- the admin -------------------------------------------------------------------------------


def test_superusers_set_a_stores_locale_and_a_users_preference_in_the_admin(client):
    store = StoreFactory(code="eu", currency="EUR")
    user = UserFactory(username="sam")
    client.force_login(UserFactory(username="root", is_superuser=True))

    url = reverse("admin:backoffice_store_change", args=[store.pk])
    # Code and currency are read-only once the store exists (backoffice/admin_policy.py).
    fields = {"name": "EU", "timezone": "UTC", "approval_window_hours": "24"}
    refused = client.post(url, {**fields, "locale": "de-DE"})
    assert refused.status_code == 200 and "is not a known locale" in refused.content.decode()
    saved = client.post(url, {**fields, "locale": "de_DE"})
    assert saved.status_code == 302, saved.content.decode()[:3000]
    assert Store.objects.get(pk=store.pk).locale == "de_DE"

    client.post(reverse("admin:backoffice_staffprofile_add"), {"user": user.pk, "locale": "fr_CH"})
    assert StaffProfile.objects.get(user=user).locale == "fr_CH"
