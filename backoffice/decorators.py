"""Access to the back office: signed-in staff only."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

NO_ACCESS = "Your account has no access to the back office. Ask an administrator for staff access."


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors go to the login page; signed-in non-staff users get a 403.

    Redirecting a signed-in user to the login page would loop (log in, bounce back, log in
    again) without telling them why, so they get a page that says what is missing instead.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_active and user.is_staff):
            raise PermissionDenied(NO_ACCESS)
        return view(request, *args, **kwargs)

    return wrapper
