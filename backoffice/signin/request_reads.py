"""The signed-in user and their second-factor device, taken from the rows read with the session
(`backoffice.signin.session_store`: one statement for the three) instead of an ORM query built
per request for each (1.6–2.2 ms of every page and POST, bench/README.md; a round trip each,
issue 21). Every check stays Django's and django-otp's: the user is the one the session's data
names, the device is handed to django-otp as its own read would have returned it. When the
row's columns name someone other than its data does (a row this store did not write), both
are read by their keys."""

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

from backoffice.prebuilt_reads import row_by_pk
from backoffice.signin.session_store import NamedDevice, SignedInRows, named_device


@dataclass
class _RequestReads:
    """The request being handled, and the device its user was read with (if they were)."""

    request: HttpRequest
    device_read: tuple[NamedDevice, Device | None] | None = None


# Set by the middleware for the time of its request.
_current: ContextVar[_RequestReads | None] = ContextVar("signed_in_reads", default=None)


class SignedInUserBackend(ModelBackend):
    """Django's ModelBackend (passwords, permissions, `user_can_authenticate`), taking the
    signed-in user of each request from the rows read with its session, with the device."""

    def get_user(self, user_id: Any) -> User | None:
        reads = _current.get()
        rows = _rows_read_with_session(reads.request) if reads is not None else None
        if reads is None or rows is None or str(rows.user_pk) != str(user_id):
            user = cast(User | None, row_by_pk(get_user_model(), user_id))
        else:
            user = cast(User | None, rows.user)
            named = named_device(reads.request.session.get(DEVICE_ID_SESSION_KEY))
            if user is not None and named is not None:
                same, device = rows.device_of(named)
                if same:
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
        found = named_device(persistent_id)
        return row_by_pk(found.model, found.pk) if found is not None else None


def _rows_read_with_session(request: HttpRequest) -> SignedInRows | None:
    return getattr(getattr(request, "session", None), "signed_in", None)
