"""Second factors in tests: every test user's authenticator app holds one known secret, so a
test (or a browser test typing into the sign-in page) computes the code it would show."""

import time

from django.contrib.auth.models import AbstractBaseUser
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

# The test secret (hex, as TOTPDevice stores it); base32: GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ.
TEST_TOTP_KEY = "3132333435363738393031323334353637383930"


def totp_device(user: AbstractBaseUser) -> TOTPDevice:
    """The user's confirmed authenticator app with the test secret (created when missing)."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, key=TEST_TOTP_KEY, name="Test authenticator", confirmed=True
        )
    return device


def totp_code(key: str = TEST_TOTP_KEY, at: float | None = None) -> str:
    """The 6-digit code an app holding `key` shows at `at` (now by default)."""
    generator = TOTP(bytes.fromhex(key))
    generator.time = time.time() if at is None else at
    return f"{generator.token():06d}"


def fresh_code(user: AbstractBaseUser) -> str:
    """A code the user's test device accepts now, even when a code of this 30 s step was
    already used (a test may sign the same user in twice within 30 s)."""
    device = totp_device(user)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, drift=0)
    return totp_code(device.key)
