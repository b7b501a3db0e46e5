"""Existing stores get the usual locale of their country (the country of their time zone in
CLDR): us (America/New_York) en_US, eu (Europe/Berlin) de_DE, jp (Asia/Tokyo) ja_JP; a store
whose zone has no country (UTC) en_US."""

from babel import Locale
from babel.core import UnknownLocaleError, get_global
from django.db import migrations


def locale_of_zone(zone: str) -> str:
    # The rule of backoffice.locales.timezone_locale, frozen here as migrations must be.
    country = get_global("zone_territories").get(zone)
    if not country or country == "ZZ":
        return "en_US"
    try:
        return str(Locale.parse(f"und_{country}"))
    except (UnknownLocaleError, ValueError):
        return "en_US"


def fill_locales(apps, schema_editor):
    Store = apps.get_model("backoffice", "Store")
    for store in Store.objects.filter(locale=""):
        store.locale = locale_of_zone(store.timezone)
        store.save(update_fields=["locale"])


class Migration(migrations.Migration):
    dependencies = [("backoffice", "0002_store_locale_staff_profile")]

    operations = [migrations.RunPython(fill_locales, migrations.RunPython.noop)]
