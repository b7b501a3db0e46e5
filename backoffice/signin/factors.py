"""Second factors: a TOTP authenticator app (django-otp's TOTPDevice) and one-time recovery
codes (django-otp's StaticDevice), and the QR code an app scans, drawn on the server as SVG
(the strict CSP allows no script and no other host)."""

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

RECOVERY_CODES = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def new_key() -> str:
    """A new TOTP secret: 20 random bytes, hex-encoded as TOTPDevice stores it."""
    return random_hex(20)


def base32_secret(key: str) -> str:
    """The secret as an authenticator app's "enter a setup key" wants it."""
    return b32encode(bytes.fromhex(key)).decode("ascii")


def provisioning_uri(user: AbstractBaseUser, key: str) -> str:
    return str(TOTPDevice(user=user, key=key).config_url)


def qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


def has_second_factor(user: AbstractBaseUser) -> bool:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def normalized(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def is_app_code(code: str) -> bool:
    return len(code) == 6 and code.isdigit()


def code_matches_key(key: str, code: str) -> bool:
    """Whether `code` is the key's TOTP code now (one step of clock drift either way)."""
    code = normalized(code)
    return is_app_code(code) and TOTP(bytes.fromhex(key)).verify(int(code), tolerance=1)


def verified_device(user: AbstractBaseUser, code: str) -> Device | None:
    """The device that accepts `code`: the authenticator app for 6 digits (a code used once is
    not accepted again), a recovery code otherwise (used up). None when none does."""
    code = normalized(code)
    model: type[Device] = TOTPDevice if is_app_code(code) else StaticDevice
    with transaction.atomic():
        devices = model.objects.select_for_update().filter(user_id=user.pk, confirmed=True)
        for device in devices:
            if device.verify_token(code):
                return device
    return None


def new_recovery_codes(device: StaticDevice) -> list[str]:
    """Replace `device`'s recovery codes with fresh ones; the codes, to show once."""
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes
