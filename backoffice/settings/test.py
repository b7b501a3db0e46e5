"""Settings for the test suite: fast hashing, in-memory mail, same database selection."""

import os
import tempfile

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

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not memory: Django hands its one in-memory connection to every request thread
    # of the live server, so two requests at once (a live total and a money confirmation's
    # preview) ran their transactions interleaved on it and one failed. On a file each thread
    # has its own connection, as under `make run`. The file is thrown away after the run, so
    # nothing needs to reach the disk.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"backoffice-test-{os.getpid()}.sqlite3")
    }
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA synchronous = OFF"  # noqa: F405
