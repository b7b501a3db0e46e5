"""Settings for the test suite: fast hashing, in-memory mail, same database selection."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_AUTOREFRESH = True
PAYMENT_GATEWAY_TIMEOUT_SECONDS = 2
