"""Django's database sessions (`SESSION_ENGINE`) in `SignedInSession`'s table: each request's
session read by its key together with the user it signs in and the second-factor device it was
verified with, in one statement (`backoffice.prebuilt_reads.row_by_pk_joined`) — the user and
the device are then taken from it (`backoffice.signin.request_reads`) instead of read again: a
round trip less on every signed-in request (issue 21). Writing, expiry and `clearsessions` are
Django's; saving a session also writes whom its data names into the row's columns."""

from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from django.apps import apps
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db.models import Model
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

from backoffice.prebuilt_reads import Joined, row_by_pk_joined

if TYPE_CHECKING:
    from backoffice.session_models import SignedInSession


@dataclass(frozen=True)
class NamedDevice:
    """A second-factor device as a session names it."""

    persistent_id: str  # as the session keeps it
    model: type[Device]
    pk: int


def named_device(persistent_id: Any) -> NamedDevice | None:
    """The device a session's `persistent_id` names, if it names one of a device model."""
    if not isinstance(persistent_id, str):
        return None
    normalized = OTPMiddleware._normalize_persistent_id(persistent_id)
    path, _, device_id = normalized.rpartition("/")
    with suppress(ValueError, LookupError):
        model = apps.get_model(path)
        if issubclass(model, Device):  # anything else is no device (upstream: an error)
            return NamedDevice(persistent_id, model, int(device_id))
    return None


@dataclass(frozen=True)
class SignedInRows:
    """The rows read with a session: its user and its device as its columns named them when
    it was last saved (None: no such row). Compared with the session's data before use."""

    user_pk: int | None
    user: Model | None
    device_key: tuple[str, int | None]  # (model label, primary key), as in the columns
    device: Device | None

    def device_of(self, named: NamedDevice) -> tuple[bool, Device | None]:
        """(True, the row read) when `named` is the device the columns named, else (False, None)."""
        if (named.model._meta.label_lower, named.pk) != self.device_key:
            return False, None
        return True, self.device


@cache
def _joined() -> tuple[Joined, ...]:
    """The user by `user_pk`, and each device model by `device_pk` when `device_model` is it."""
    devices = sorted(
        (m for m in apps.get_models() if issubclass(m, Device)), key=lambda m: m._meta.label_lower
    )
    return (
        Joined(get_user_model(), "user_pk"),
        *(Joined(m, "device_pk", when=("device_model", m._meta.label_lower)) for m in devices),
    )


class SessionStore(db.SessionStore):
    # The rows read with the session by `load`, None before or when there was no session.
    signed_in: SignedInRows | None = None

    @classmethod
    def get_model_class(cls) -> type[AbstractBaseSession]:
        # Imported here, as Django's own store does: the engine may be imported before the
        # models are ready.
        from backoffice.session_models import SignedInSession

        return SignedInSession

    def _get_session_from_db(self) -> AbstractBaseSession | None:
        # As Django's: a key with no row, or a row past its expiry, is no session (and the
        # key is dropped, so that a new one is made when the session is saved).
        self.signed_in = None
        if not self.session_key:
            return None
        found, (user, *devices) = row_by_pk_joined(self.model, self.session_key, _joined())
        session = cast("SignedInSession | None", found)
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        self.signed_in = SignedInRows(
            user_pk=session.user_pk,
            user=user,
            device_key=(session.device_model, session.device_pk),
            device=next((cast(Device, d) for d in devices if d is not None), None),
        )
        return session

    def create_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        session = cast("SignedInSession", super().create_model_instance(data))
        user_pk, device = str(data.get(SESSION_KEY)), named_device(data.get(DEVICE_ID_SESSION_KEY))
        session.user_pk = int(user_pk) if user_pk.isdigit() else None
        session.device_model = device.model._meta.label_lower if device else ""
        session.device_pk = device.pk if device else None
        return session
