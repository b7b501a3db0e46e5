"""Signing in: the password (Username, Password), then the second factor (Code) or, at the
first sign-in, enrolling one; the lockout page; "Confirm it's you" before money operations."""

from typing import Any

import django_otp
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice

from backoffice.audit.events import SIGN_IN, SIGN_IN_FAILED, SIGN_OUT, record_event
from backoffice.decorators import staff_required
from backoffice.signin import factors, lockout, services, session
from backoffice.signin.forms import CodeForm

WRONG_CODE = (
    "That code is not valid. Enter the 6-digit code your authenticator app shows now, or one "
    "of your recovery codes."
)
LOCKED_STATUS = 429


def locked_out(
    request: HttpRequest, original_response: object = None, credentials: object = None
) -> HttpResponse:
    """The sign-in page saying the sign-in is locked: the same words whether or not the
    username exists (AXES_LOCKOUT_CALLABLE; also after too many wrong codes)."""
    request.session.pop(session.PENDING, None)
    form = AuthenticationForm(request)
    context = {"form": form, "locked_message": lockout.LOCKED_MESSAGE, "next": ""}
    return render(request, "registration/login.html", context, status=LOCKED_STATUS)


class SignInView(LoginView):
    """Step 1: Username and Password. Right: on to the Code (or to enrolment); nobody is
    signed in until the second factor is given."""

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        self.request.session[session.PENDING] = {
            "user": user.pk,
            "backend": getattr(user, "backend", ""),
            "next": self.get_success_url(),
            "at": session.now(),
        }
        self.request.session.pop(session.ENROL_KEY, None)
        step = "sign_in_code" if factors.has_second_factor(user) else "sign_in_enrol"
        return redirect(step)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        locked = bool(getattr(self.request, "axes_locked_out", False))
        record_event(
            type=SIGN_IN_FAILED,
            request=self.request,
            user_label=str(form.data.get("username", ""))[:150],
            outcome="denied" if locked else "failed",
            message="Sign-in refused: locked." if locked else "Wrong username or password.",
            details={"step": "password", "locked": locked},
        )
        return super().form_invalid(form)


class SignOutView(LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            record_event(type=SIGN_OUT, request=request, message="Signed out.")
        return super().post(request, *args, **kwargs)


def _pending_user(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    data = session.pending(request)
    if data is None:
        return None
    user = get_user_model().objects.filter(pk=int(data.get("user", 0)), is_active=True).first()
    return (user, data) if user is not None else None


def _code_refused(request: HttpRequest, user: User, step: str) -> None:
    record_event(
        type=SIGN_IN_FAILED,
        request=request,
        user=user,
        outcome="failed",
        message="Wrong second-factor code.",
        details={"step": step},
    )
    lockout.code_failed(request, user.get_username())


def _complete_sign_in(
    request: HttpRequest, user: User, data: dict[str, Any], device: Device
) -> str:
    """Both factors given: sign in, mark the session verified; where to go next."""
    request.session.pop(session.PENDING, None)
    request.session.pop(session.ENROL_KEY, None)
    auth_login(request, user, backend=data.get("backend") or None)
    django_otp.login(request, device)
    session.stamp_full_sign_in(request)
    factor = "recovery code" if isinstance(device, StaticDevice) else "authenticator app"
    record_event(
        type=SIGN_IN,
        request=request,
        user=user,
        message=f"Signed in: password and {factor}.",
        details={"factor": factor},
    )
    target = str(data.get("next") or "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("dashboard")
    return target


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponseBase:
    """Step 2: the Code from the authenticator app, or a recovery code (used up)."""
    found = _pending_user(request)
    if found is None:
        return redirect("login")
    user, data = found
    if not factors.has_second_factor(user):
        return redirect("sign_in_enrol")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        if lockout.is_locked(request, user.get_username()):
            return locked_out(request)
        device = factors.verified_device(user, form.cleaned_data["code"])
        if device is not None:
            return redirect(_complete_sign_in(request, user, data, device))
        _code_refused(request, user, "code")
        form.add_error("code", WRONG_CODE)
    return render(request, "registration/sign_in_code.html", {"form": form, "person": user})


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_enrol(request: HttpRequest) -> HttpResponseBase:
    """First sign-in: scan the QR code (or type the key), confirm with a Code; the recovery
    codes are shown once."""
    found = _pending_user(request)
    if found is None:
        return redirect("login")
    user, data = found
    if factors.has_second_factor(user):
        return redirect("sign_in_code")
    key = request.session.get(session.ENROL_KEY)
    if not key:
        key = request.session[session.ENROL_KEY] = factors.new_key()
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        if lockout.is_locked(request, user.get_username()):
            return locked_out(request)
        enrolled = services.second_factor_enrol(
            user=user, key=key, code=form.cleaned_data["code"], request=request
        )
        if enrolled is not None:
            device, codes = enrolled
            target = _complete_sign_in(request, user, data, device)
            shown = {"codes": codes, "next": target}
            return render(request, "registration/recovery_codes.html", shown)
        _code_refused(request, user, "enrolment")
        form.add_error("code", WRONG_CODE)
    secret = factors.base32_secret(key)
    context: dict[str, object] = {
        "form": form,
        "person": user,
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "qr_svg": mark_safe(factors.qr_svg(factors.provisioning_uri(user, key))),
    }
    return render(request, "registration/sign_in_enrol.html", context)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("dashboard")


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def confirm_identity(request: HttpRequest) -> HttpResponseBase:
    """ "Confirm it's you": the Code again, before a money operation 15 minutes after the last
    time it was given; then back where the operation was."""
    user: User = request.user  # type: ignore[assignment]
    target = _safe_next(request)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        if lockout.is_locked(request, user.get_username()):
            auth_logout(request)
            return locked_out(request)
        device = factors.verified_device(user, form.cleaned_data["code"])
        if device is not None:
            request.session[session.FACTOR_AT] = session.now()
            return redirect(target)
        _code_refused(request, user, "confirm")
        if getattr(request, "axes_locked_out", False):
            auth_logout(request)  # the lockout page follows (axes middleware)
        form.add_error("code", WRONG_CODE)
    return render(request, "registration/confirm_identity.html", {"form": form, "next": target})
