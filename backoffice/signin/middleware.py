"""One place for the sign-in policy of every request (settings SIGN_IN_*):

- a signed-in session must be verified by a second factor (a password alone, or a factor a
  manager has just reset, is signed out);
- it ends 15 minutes after the last request (sliding: the session is saved again once a
  minute of activity) and 12 hours after signing in;
- a money operation (a view declaring a money permission with `operation_view`) 15 minutes
  after the second factor was last given asks for it again ("Confirm it's you");
- `Cache-Control: no-store` on whatever a signed-in user gets, and a `Permissions-Policy`.
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme

from backoffice.decorators import declared_permissions
from backoffice.signin import session

# Operations that move money, or decide that money moves (four-eyes approvals).
MONEY_PERMISSIONS = frozenset(
    {
        "capture_online",
        "capture_offline",
        "void_payment",
        "refund_online",
        "refund_offline",
        "mark_as_paid",
        "record_chargeback",
        "rebill_payment",
        "approve_refund",
    }
)
IDLE_MESSAGE = "You were signed out after 15 minutes without activity. Sign in again."
ABSOLUTE_MESSAGE = "You were signed out 12 hours after signing in. Sign in again."
UNVERIFIED_MESSAGE = "Sign in again with your second factor."


def _redirect(request: HttpRequest, url: str) -> HttpResponseBase:
    """A redirect a plain request follows, and an htmx request too (HX-Redirect)."""
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def _sign_out(request: HttpRequest, message: str) -> HttpResponseBase:
    path = request.get_full_path() if request.method == "GET" else _back_to(request)
    logout(request)
    messages.info(request, message)
    login = redirect_to_login(path)
    return _redirect(request, login["Location"])


def _back_to(request: HttpRequest) -> str:
    """Where the user was: the page an htmx request or a form was sent from (same host)."""
    for candidate in (
        request.headers.get("HX-Current-URL", ""),
        request.headers.get("Referer", ""),
    ):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, {request.get_host()}, request.is_secure()
        ):
            parts = urlsplit(candidate)
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return reverse("dashboard")


class SignInPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self._session_policy(request) or self.get_response(request)
        if request.user.is_authenticated:
            add_never_cache_headers(response)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        return response

    def _session_policy(self, request: HttpRequest) -> HttpResponseBase | None:
        user = request.user
        if not user.is_authenticated:
            return None
        if request.path_info.startswith(settings.SIGN_IN_PUBLIC_PREFIXES):
            # The customers' pages (payment links): not the back office, whoever is signed in.
            return None
        # `is_verified` is set on the user by django_otp's OTPMiddleware.
        if not user.is_verified():  # type: ignore[attr-defined]
            return _sign_out(request, UNVERIFIED_MESSAGE)
        signed_in = session.age(request, session.SIGNED_IN_AT)
        idle = session.age(request, session.LAST_SEEN)
        if signed_in is not None and signed_in > settings.SIGN_IN_ABSOLUTE_SECONDS:
            return _sign_out(request, ABSOLUTE_MESSAGE)
        if idle is not None and idle > settings.SIGN_IN_IDLE_SECONDS:
            return _sign_out(request, IDLE_MESSAGE)
        now = session.now()
        if signed_in is None:  # a session signed in outside the sign-in pages (tests)
            request.session[session.SIGNED_IN_AT] = now
        if idle is None or idle > settings.SIGN_IN_REFRESH_SECONDS:
            request.session[session.LAST_SEEN] = now  # saved: its end moves 15 minutes out
        return None

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: Any,
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if not request.user.is_authenticated:
            return None
        if not MONEY_PERMISSIONS.intersection(declared_permissions(view_func, view_kwargs)):
            return None
        age = session.age(request, session.FACTOR_AT)
        if age is not None and age <= settings.SIGN_IN_FRESH_FACTOR_SECONDS:
            return None
        back = request.get_full_path() if request.method == "GET" else _back_to(request)
        url = f"{reverse('confirm_identity')}?{urlencode({'next': back})}"
        if request.method == "GET" and not getattr(request, "htmx", False):
            return HttpResponseRedirect(url)
        return _redirect(request, url)
