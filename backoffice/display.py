"""What the current request shows times and amounts in: the staff member's own time zone and
amount locale (`StaffProfile`), when they chose them.

Read once per session, not per request: the choice is kept in the session when they sign in
and when they save their preferences, and the middleware lends it to the request through two
context variables, so the template filters (`store_time`, `stacked_time`, `money`) follow it
without a query and without every view passing it down. Empty: none chosen, each store's own
zone and the default amount format, as before. Django's current time zone is the chosen one
too, so `|date` in lists without a store (the audit stream) follows it.

A change made in the admin reaches a session at its next sign-in.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from backoffice.locales import DEFAULT_LOCALE
from backoffice.money import format_money

SESSION_KEY = "backoffice_display"

_zone: ContextVar[str] = ContextVar("backoffice_display_zone", default="")
_locale: ContextVar[str] = ContextVar("backoffice_display_locale", default="")


def display_zone() -> str:
    """The zone the current user reads times in, "" when each store's own."""
    return _zone.get()


def display_locale() -> str:
    """The locale the current user reads amounts in, "" when none chosen."""
    return _locale.get()


def display_money(minor: int, currency: str) -> str:
    """An amount as the current user reads it: in their chosen locale, else the default one
    (the `money` filter, the grids' cells, the dashboard's charts)."""
    return format_money(minor, currency, locale=display_locale() or DEFAULT_LOCALE)


def zone_or_none(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


@contextmanager
def displaying(*, zone: str = "", locale: str = "") -> Iterator[None]:
    """Show times in `zone` and amounts in `locale` inside the block (a request, a test)."""
    tz = zone_or_none(zone)
    zone_token, locale_token = _zone.set(zone if tz else ""), _locale.set(locale)
    if tz is not None:
        timezone.activate(tz)
    try:
        yield
    finally:
        if tz is not None:
            timezone.deactivate()
        _zone.reset(zone_token)
        _locale.reset(locale_token)


def remember_preferences(session: Any, *, time_zone: str, locale: str) -> None:
    """Keep the user's choice in their session (sign-in, Preferences saved)."""
    session[SESSION_KEY] = {"zone": time_zone, "locale": locale}


def _stored(user: Any) -> dict[str, str]:
    from backoffice.models import StaffProfile

    row = StaffProfile.objects.filter(user_id=user.pk).values_list("time_zone", "locale").first()
    zone, locale = row if row is not None else ("", "")
    return {"zone": zone, "locale": locale}


@receiver(user_logged_in, dispatch_uid="backoffice.display.remember_preferences")
def _on_sign_in(sender: object, request: HttpRequest | None = None, user: Any = None, **_: Any):
    if request is not None and hasattr(request, "session") and user is not None:
        stored = _stored(user)
        remember_preferences(request.session, time_zone=stored["zone"], locale=stored["locale"])


class DisplayPreferencesMiddleware:
    """After the authentication middleware: the signed-in user's zone and locale, from the
    session (a session from before this existed reads the profile once and keeps it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.session.get(SESSION_KEY)
        if chosen is None and request.user.is_authenticated:
            chosen = _stored(request.user)
            remember_preferences(request.session, time_zone=chosen["zone"], locale=chosen["locale"])
        chosen = chosen or {}
        with displaying(zone=chosen.get("zone", ""), locale=chosen.get("locale", "")):
            return self.get_response(request)
