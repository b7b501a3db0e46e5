"""Settings for the test suite: fast hashing, in-memory mail, same database selection."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
WHITENOISE_AUTOREFRESH = True
PAYMENT_GATEWAY_TIMEOUT_SECONDS = 2
# Tasks run at once, when enqueued (after the commit); one PostgreSQL test runs db_worker.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

# Live-server threads must not keep connections open past a test, or PostgreSQL refuses to
# drop the test database at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
