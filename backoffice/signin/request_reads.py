"""The signed-in user and their second-factor device, read on every request by primary key
with a statement written once (`backoffice.prebuilt_reads`), instead of an ORM query built
per request (with the session, signin/session_store.py: 1.6–2.2 ms of every page and POST,
bench/README.md) — and in one statement when the session names a device (a round trip less
on every signed-in request, issue 21). Every check stays Django's and django-otp's: the
device read with the user is handed to django-otp as its own read would have returned it."""

from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, cast

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

from backoffice.prebuilt_reads import row_by_pk, rows_by_pk_pair


@dataclass(frozen=True)
class _NamedDevice:
    persistent_id: str  # as the session keeps it
    model: type[Device]
    pk: int


@dataclass
class _RequestReads:
    """The request being handled, and the device its user was read with (if they were)."""

    request: HttpRequest
    device_read: tuple[_NamedDevice, Device | None] | None = None


# Set by the middleware for the time of its request.
_current: ContextVar[_RequestReads | None] = ContextVar("signed_in_reads", default=None)


class SignedInUserBackend(ModelBackend):
    """Django's ModelBackend (passwords, permissions, `user_can_authenticate`), reading the
    signed-in user of each request by its primary key, with the device its session names."""

    def get_user(self, user_id: Any) -> User | None:
        reads = _current.get()
        named = _session_device(reads.request) if reads is not None else None
        if reads is None or named is None:
            user = cast(User | None, row_by_pk(get_user_model(), user_id))
        else:
            found, device = rows_by_pk_pair(get_user_model(), user_id, named.model, named.pk)
            user = found
            if user is not None:
                reads.device_read = (named, device)
        return user if user is not None and self.user_can_authenticate(user) else None


class SignedInDeviceOTPMiddleware(OTPMiddleware):
    """django-otp's middleware (its device-to-user binding, confirmation and session cleanup
    kept), taking the session's device as read with the user, else by its primary key."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(_RequestReads(request))
        try:
            return super().__call__(request)
        finally:
            _current.reset(token)

    def _device_from_persistent_id(self, persistent_id: str) -> Device | None:
        reads = _current.get()
        if reads is not None and reads.device_read is not None:
            named, device = reads.device_read
            if named.persistent_id == persistent_id:
                return device
        found = _named_device(persistent_id)
        return row_by_pk(found.model, found.pk) if found is not None else None


def _session_device(request: HttpRequest) -> _NamedDevice | None:
    """The device the session names, if it names one of a device model."""
    session = getattr(request, "session", None)
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    return _named_device(persistent_id) if isinstance(persistent_id, str) else None


def _named_device(persistent_id: str) -> _NamedDevice | None:
    normalized = OTPMiddleware._normalize_persistent_id(persistent_id)
    path, _, device_id = normalized.rpartition("/")
    with suppress(ValueError, LookupError):
        model = apps.get_model(path)
        if issubclass(model, Device):  # anything else is no device (upstream: an error)
            return _NamedDevice(persistent_id, model, int(device_id))
    return None
