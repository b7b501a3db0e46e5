"""Writes of the sign-in: enrolling a second factor, resetting one, unlocking; each audited."""

from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.audit.events import MFA_ENROLLED, MFA_RESET, UNLOCK, record_event
from backoffice.signin import factors, lockout


def second_factor_enrol(
    *, user: User, key: str, code: str, request: HttpRequest
) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the authenticator app holding `key` by one of its codes: the new device and
    fresh recovery codes (to show once), or None when the code is wrong (nothing written)."""
    if not factors.code_matches_key(key, code):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice(user=user, key=key, name=factors.APP_DEVICE_NAME, confirmed=True)
        device.save()
        if not device.verify_token(factors.normalized(code)):  # the code is now used up
            raise RuntimeError("A code that matched the key was refused by its device.")
        recovery, _ = StaticDevice.objects.get_or_create(
            user=user, defaults={"name": factors.RECOVERY_DEVICE_NAME, "confirmed": True}
        )
        codes = factors.new_recovery_codes(recovery)
    record_event(
        type=MFA_ENROLLED,
        request=request,
        user=user,
        obj=user,
        message=f"{user.get_username()} enrolled an authenticator app.",
    )
    return device, codes


def second_factor_reset(*, actor: User, user: User, request: HttpRequest) -> int:
    """Remove `user`'s authenticator app and recovery codes: their sessions stop being
    verified at once and their next sign-in enrols again. How many devices went."""
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[1].get(TOTPDevice._meta.label, 0)
        removed += (
            StaticDevice.objects.filter(user=user).delete()[1].get(StaticDevice._meta.label, 0)
        )
    record_event(
        type=MFA_RESET,
        request=request,
        user=actor,
        obj=user,
        message=f"{actor.get_username()} reset the second factor of {user.get_username()}.",
        details={"devices_removed": removed},
    )
    return removed


def sign_in_unlock(*, actor: User, user: User, request: HttpRequest) -> int:
    removed = lockout.unlock(user.get_username())
    record_event(
        type=UNLOCK,
        request=request,
        user=actor,
        obj=user,
        message=f"{actor.get_username()} unlocked the sign-in of {user.get_username()}.",
        details={"attempts_cleared": removed},
    )
    return removed
