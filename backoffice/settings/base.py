"""Settings shared by every environment, driven by environment variables."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_from_url(url: str) -> dict:
    """Parse `postgres://user:pass@host:port/name` into Django's DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ValueError(f"Unsupported DATABASE_URL scheme: {parts.scheme!r}")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": True,
        # No JIT: the app's queries are short, and a batch job's chunk queries (hundreds of
        # ids) are estimated costly enough to be JIT-compiled, which took longer (~50 ms)
        # than running them. No parallel workers by default: the app reads a page or a chunk,
        # and starting workers took longer (5-8 ms) than the query run alone (the orders open
        # to capture at a million: 0.7 ms; bench/README.md, "Eleventh sitting").
        "OPTIONS": {
            "options": "-c jit=off -c max_parallel_workers_per_gather="
            + str(int(os.environ.get("DATABASE_PARALLEL_WORKERS", "0")))
        },
    }


SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "django-insecure-local-development-key-not-for-production"
)
DEBUG = env_bool("DJANGO_DEBUG", True)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]

INSTALLED_APPS = [
    # The admin asks for the second factor too (backoffice/admin_site.py).
    "backoffice.admin_site.BackofficeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_tasks_db",
    "backoffice",
    "backoffice.audit",
    "orders",
    "payments",
    # The storefront API; ninja for its OpenAPI docs page served from our own static files.
    "ninja",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django-otp's OTPMiddleware, the session's device read by its key (signin/request_reads.py).
    "backoffice.signin.request_reads.SignedInDeviceOTPMiddleware",
    # The user's own time zone and amount locale for the templates (backoffice/display.py).
    "backoffice.display.DisplayPreferencesMiddleware",
    "backoffice.audit.events.AuditRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Second factor, idle and absolute session ends, re-authentication for money, headers.
    "backoffice.signin.middleware.SignInPolicyMiddleware",
    "backoffice.denials.DeniedRequestLogMiddleware",
    # Last, as django-axes asks: turns a lockout into the sign-in page saying so.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backoffice.urls"
WSGI_APPLICATION = "backoffice.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]
# Django's form renderer with the common widgets written in Python (same markup, far cheaper).
FORM_RENDERER = "backoffice.form_renderer.FastWidgetRenderer"

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": database_from_url(os.environ["DATABASE_URL"])}
else:
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "backoffice.sqlite3")),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The session read of every request is prepared once per database session on PostgreSQL
# (backoffice/prebuilt_reads.py). Off behind PgBouncer in transaction mode, where a
# transaction may run on a server session that did not prepare it.
DATABASE_PREPARED_READS = env_bool("DATABASE_PREPARED_READS", True)

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username or address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, the signed-in user read by its key (signin/request_reads.py).
    "backoffice.signin.request_reads.SignedInUserBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "backoffice.signin.passwords.RecentPasswordValidator", "OPTIONS": {"last": 4}},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MAILERS: dict[str, dict[str, object]] = {
    "default": {
        "BACKEND": os.environ.get(
            "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
        )
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "orders@backoffice.local")

# Strict CSP: only our own static files; inline code must carry the per-request nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Django's database sessions, each read by its key (signin/session_store.py).
SESSION_ENGINE = "backoffice.signin.session_store"
SESSION_COOKIE_HTTPONLY = True
# Staff sign-in (PCI DSS 4.0 req. 8; backoffice/signin/). Sessions slide (8.2.8): the session
# (row and cookie) ends 15 minutes after it was last saved, and SignInPolicyMiddleware saves it
# once a minute of activity (not every request: that would write on every page); it also ends
# one 12 hours after sign-in and asks for the code again before a money operation 15 minutes
# after the code was last given.
SESSION_COOKIE_AGE = 15 * 60
SIGN_IN_REFRESH_SECONDS = 60
SIGN_IN_IDLE_SECONDS = 15 * 60
SIGN_IN_ABSOLUTE_SECONDS = 12 * 60 * 60
SIGN_IN_FRESH_FACTOR_SECONDS = 15 * 60
# Paths the staff session policy leaves alone: the customers' payment link pages.
SIGN_IN_PUBLIC_PREFIXES = ("/pay/",)
# Lockout (8.3.4): 10 failed sign-ins (a wrong password or a wrong code) per username and,
# separately, per address lock for 30 minutes; the address is REMOTE_ADDR, as in the audit.
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "backoffice.signin.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # successes go to the audit stream
AXES_CLIENT_IP_CALLABLE = "backoffice.audit.events.client_ip"
AXES_VERBOSE = False
# A lock lasts 30 minutes from the 10th failure; attempts while locked do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# One lockout policy: wrong codes count as failed sign-ins above, django-otp's own growing
# delay would only make a right code after a typo fail too.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
OTP_TOTP_ISSUER = "Backoffice"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie.
X_FRAME_OPTIONS = "DENY"

# Payments
PAYMENT_GATEWAY_TIMEOUT_SECONDS = float(os.environ.get("PAYMENT_GATEWAY_TIMEOUT_SECONDS", "10"))
# Tests force a sandbox fault for every call by setting this (see payments/gateways/sandbox.py).
SANDBOX_FORCED_FAULT: str | None = None
# The sandbox signs its webhooks with a secret derived per gateway account from this one.
SANDBOX_WEBHOOK_SECRET = os.environ.get(
    "SANDBOX_WEBHOOK_SECRET", "sandbox-webhook-secret-for-local-development"
)
# Background work (django.tasks): the database backend, run by `manage.py db_worker` (`make
# run` starts one next to the dev server; production runs as many as it likes, README).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Inbox: a failed or early event is tried again after 1, 2, 4… minutes, then marked failed.
INBOX_MAX_ATTEMPTS = int(os.environ.get("INBOX_MAX_ATTEMPTS", "8"))
EMAIL_TASK_MAX_ATTEMPTS = int(os.environ.get("EMAIL_TASK_MAX_ATTEMPTS", "5"))
REFUND_APPROVAL_TTL_HOURS = int(os.environ.get("REFUND_APPROVAL_TTL_HOURS", "72"))
# Payment links (orders/services/payment_links.py, docs/payment-links.md): how long a link
# works, and the public address serving /pay/ and nothing else (empty: this site's own).
PAYMENT_LINK_TTL_DAYS = int(os.environ.get("PAYMENT_LINK_TTL_DAYS", "7"))
PAYMENT_LINK_BASE_URL = os.environ.get("PAYMENT_LINK_BASE_URL", "").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # django-axes says every attempt at INFO; the audit stream records them already.
    "loggers": {"axes": {"level": "WARNING"}},
}
# Transaction exports up to this many rows download at once; larger ones run as a background
# job (payments/export_jobs.py) with "Export ready" in the header.
EXPORT_SYNC_MAX_ROWS = int(os.environ.get("EXPORT_SYNC_MAX_ROWS", "10000"))
