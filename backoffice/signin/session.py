"""What the sign-in keeps in the session: the half-done sign-in, and the time stamps of the
session policy (seconds since the epoch, as floats, so the session stays JSON)."""

import time
from typing import Any

from django.http import HttpRequest

PENDING = "signin_pending"  # {"user": pk, "backend": path, "next": url, "at": stamp}
ENROL_KEY = "signin_enrol_key"  # the secret shown on the enrolment page, until confirmed
SIGNED_IN_AT = "signin_at"
LAST_SEEN = "signin_last_seen"
FACTOR_AT = "signin_factor_at"  # the last time the second factor was given
PENDING_SECONDS = 10 * 60


def now() -> float:
    return time.time()


def stamp_full_sign_in(request: HttpRequest) -> None:
    at = now()
    request.session[SIGNED_IN_AT] = at
    request.session[LAST_SEEN] = at
    request.session[FACTOR_AT] = at


def pending(request: HttpRequest) -> dict[str, Any] | None:
    """The half-done sign-in (password right, code not given yet), None when none or stale."""
    data = request.session.get(PENDING)
    if not isinstance(data, dict) or now() - float(data.get("at", 0)) > PENDING_SECONDS:
        return None
    return data


def age(request: HttpRequest, key: str) -> float | None:
    value = request.session.get(key)
    return None if value is None else now() - float(value)
