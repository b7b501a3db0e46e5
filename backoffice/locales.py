"""Locales (CLDR, through Babel) in which staff type and read amounts.

A store has one (default: the usual locale of its country, the country being the one of its
time zone in CLDR); a staff member may prefer another (`backoffice.models.StaffProfile`).
"""

from functools import cache

from babel import Locale
from babel.core import UnknownLocaleError, get_global
from babel.localedata import exists

DEFAULT_LOCALE = "en_US"

# Offered on the Preferences page; the admin accepts any locale Babel knows.
COMMON_LOCALES = (
    "en_US",
    "en_GB",
    "en_IE",
    "de_DE",
    "de_AT",
    "de_CH",
    "fr_FR",
    "fr_BE",
    "fr_CH",
    "it_IT",
    "it_CH",
    "es_ES",
    "nl_NL",
    "pt_PT",
    "pl_PL",
    "sv_SE",
    "ja_JP",
)


@cache
def is_known_locale(value: str) -> bool:
    """A CLDR locale identifier in Babel's own spelling ("de_DE", not "de-DE" or "de_de")."""
    if not value or not exists(value):
        return False
    try:
        return str(Locale.parse(value)) == value
    except (UnknownLocaleError, ValueError, TypeError):
        return False


@cache
def country_locale(country: str) -> str:
    """The usual locale of a country: DE → de_DE, CH → de_CH, JP → ja_JP (CLDR likely subtags)."""
    try:
        return str(Locale.parse(f"und_{country}"))
    except (UnknownLocaleError, ValueError, TypeError):
        return DEFAULT_LOCALE


@cache
def timezone_locale(timezone: str) -> str:
    """The usual locale of the country of a time zone: Europe/Berlin → de_DE; UTC → en_US."""
    country = get_global("zone_territories").get(timezone)
    if not country or country == "ZZ":  # Etc/UTC and friends belong to no country
        return DEFAULT_LOCALE
    return country_locale(country)


@cache
def locale_label(value: str) -> str:
    """ "Deutsch (Deutschland) · de_DE": the name a speaker of it would recognise."""
    try:
        name = Locale.parse(value).get_display_name() or value
    except (UnknownLocaleError, ValueError, TypeError):
        return value
    return f"{name} · {value}"
