"""Lockout through django-axes: 10 failed sign-ins per username and, separately, per address
lock for 30 minutes (settings AXES_*). A wrong password and a wrong code both count."""

from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone

LOCKED_MESSAGE = (
    "Sign-in is locked after too many failed attempts. Try again in 30 minutes, or ask a "
    "manager to unlock it."
)


def is_locked(request: HttpRequest, username: str) -> bool:
    return bool(AxesProxyHandler.is_locked(request, {"username": username}))


def code_failed(request: HttpRequest, username: str) -> None:
    """A wrong second-factor code: one more failed sign-in for the username and the address
    (axes listens to Django's `user_login_failed`, as for a wrong password)."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


def _cutoff() -> object:
    cool_off: timedelta = settings.AXES_COOLOFF_TIME
    return timezone.now() - cool_off


def locked_usernames(usernames: list[str]) -> set[str]:
    """Which of `usernames` are locked now (10 failures within the last 30 minutes)."""
    rows = (
        AccessAttempt.objects.filter(username__in=usernames, attempt_time__gte=_cutoff())
        .values("username")
        .annotate(failures=Sum("failures_since_start"))
    )
    limit = settings.AXES_FAILURE_LIMIT
    return {row["username"] for row in rows if row["failures"] >= limit}


def unlock(username: str) -> int:
    """Forget the username's failed attempts (its lock, and what they added to an address's
    count); how many attempt rows went."""
    return int(reset(username=username))
