"""The signed-in user and their second-factor device, read on every request by primary key
with a statement written once (`backoffice.prebuilt_reads`), instead of an ORM query built
per request (with the session, signin/session_store.py: 1.6–2.2 ms of every page and POST,
bench/README.md). Every check stays Django's and django-otp's."""

from contextlib import suppress
from typing import Any, cast

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

from backoffice.prebuilt_reads import row_by_pk


class SignedInUserBackend(ModelBackend):
    """Django's ModelBackend (passwords, permissions, `user_can_authenticate`), reading the
    signed-in user of each request by its primary key."""

    def get_user(self, user_id: Any) -> User | None:
        user = cast(User | None, row_by_pk(get_user_model(), user_id))
        return user if user is not None and self.user_can_authenticate(user) else None


class SignedInDeviceOTPMiddleware(OTPMiddleware):
    """django-otp's middleware (its device-to-user binding, confirmation and session cleanup
    kept), reading the session's device by its primary key."""

    def _device_from_persistent_id(self, persistent_id: str) -> Device | None:
        path, _, device_id = self._normalize_persistent_id(persistent_id).rpartition("/")
        with suppress(ValueError, LookupError):
            model = apps.get_model(path)
            if issubclass(model, Device):  # anything else is no device (upstream: an error)
                return row_by_pk(model, int(device_id))
        return None
