"""The managers' Staff page: who has a second factor, who is locked; Reset second factor and
Unlock (each audited). A manager with `manage_staff` on every store manages all staff but
superusers; one holding it on some stores manages the staff whose roles are all on those."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.decorators import operation_view, staff_required
from backoffice.http import StaffRequest
from backoffice.permissions import has_global_perm, permission_reason, stores_with_perm
from backoffice.roles import STORE_SCOPE_SEPARATOR
from backoffice.signin import lockout, services

PERMISSION = "manage_staff"


def _manageable(actor: User) -> QuerySet[User]:
    """The staff `actor` may reset and unlock (empty without the permission)."""
    staff = get_user_model().objects.filter(is_staff=True).order_by("username")
    if actor.is_superuser:
        return staff
    staff = staff.filter(is_superuser=False)
    if has_global_perm(actor, PERMISSION):
        return staff
    codes = set(stores_with_perm(actor, PERMISSION).values_list("code", flat=True))
    if not codes:
        return staff.none()
    allowed = []
    for user in staff.prefetch_related("groups"):
        names = [g.name for g in user.groups.all()]
        scoped = [n.partition(STORE_SCOPE_SEPARATOR)[2] for n in names]
        if names and all(code in codes for code in scoped):
            allowed.append(user.pk)
    return staff.filter(pk__in=allowed)


def _require_permission(actor: User) -> None:
    if actor.is_superuser or has_global_perm(actor, PERMISSION):
        return
    if not stores_with_perm(actor, PERMISSION).exists():
        raise PermissionDenied(permission_reason(PERMISSION))


def _target(request: StaffRequest, user_id: int) -> User:
    _require_permission(request.user)
    user = _manageable(request.user).filter(pk=user_id).first()
    if user is None:
        raise Http404("No such staff member among those you manage.")
    return user


@staff_required
@require_safe
def staff_sign_in(request: StaffRequest) -> HttpResponse:
    _require_permission(request.user)
    people = list(
        _manageable(request.user).prefetch_related(
            Prefetch(
                "totpdevice_set",
                queryset=TOTPDevice.objects.filter(confirmed=True),
                to_attr="apps",
            )
        )
    )
    locked = lockout.locked_usernames([p.username for p in people])
    rows = [{"person": p, "enrolled": bool(p.apps), "locked": p.username in locked} for p in people]
    return render(request, "staff_sign_in.html", {"rows": rows})


@staff_required
@operation_view(PERMISSION)
@require_POST
def staff_factor_reset(request: StaffRequest, user_id: int) -> HttpResponse:
    user = _target(request, user_id)
    services.second_factor_reset(actor=request.user, user=user, request=request)
    messages.success(
        request, f"The second factor of {user.username} is reset: they enrol again at sign-in."
    )
    return redirect("staff_sign_in")


@staff_required
@operation_view(PERMISSION)
@require_POST
def staff_unlock(request: StaffRequest, user_id: int) -> HttpResponse:
    user = _target(request, user_id)
    services.sign_in_unlock(actor=request.user, user=user, request=request)
    messages.success(request, f"{user.username} can sign in again.")
    return redirect("staff_sign_in")
