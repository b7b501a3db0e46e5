"""Access to the back office: signed-in staff only, and the permissions a view declares."""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

NO_ACCESS = "Your account has no access to the back office. Ask an administrator for staff access."


def staff_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Anonymous visitors go to the login page; signed-in non-staff users get a 403.

    Redirecting a signed-in user to the login page would loop (log in, bounce back, log in
    again) without telling them why, so they get a page that says what is missing instead.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_active and user.is_staff):
            raise PermissionDenied(NO_ACCESS)
        return view(request, *args, **kwargs)

    return wrapper


# The attribute the URL-walk test (tests/backoffice/test_url_guard.py) looks for: every view
# that accepts POST declares which operation permissions may use it.
PERMISSION_GUARD = "operation_permissions"

KwargsCodenames = Callable[[dict[str, Any]], Iterable[str]]


def operation_view(
    *codenames: str, from_kwargs: KwargsCodenames | None = None
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Mark a view that changes data (or serves an operation's form) with its permissions.

    How a new view registers: decorate it, below `@staff_required`, with the codenames of
    `backoffice.models.OPERATION_PERMISSIONS` any of which may use it (or `from_kwargs`: a
    function of the URL's kwargs, for one view serving several operations)::

        @staff_required
        @operation_view("hold_order")
        @require_POST
        def order_hold_view(request, number): ...

    The check itself is the view's, store-exact: resolve the object through a scoped selector
    (404 outside the user's stores, so another store's order numbers are not confirmed), then
    ask the operations registry (`orders.operations`, `payments.operations`: 403 with
    "Requires the … permission for store …") or `backoffice.permissions.require_store_perm`.
    The URL-walk test holds every view to this: a view that accepts POST must carry the mark,
    must answer 403 (writing nothing) to a user without the declared permissions or holding
    them on another store only, and must not answer 403 to one holding them on the store.
    Views that only read are decorated with `require_safe` instead.
    """
    if not codenames and from_kwargs is None:
        raise TypeError("Name at least one permission codename, or pass from_kwargs.")

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        setattr(view, PERMISSION_GUARD, from_kwargs or codenames)
        return view

    return decorator


def declared_permissions(
    view: Callable[..., HttpResponse], kwargs: dict[str, Any]
) -> tuple[str, ...]:
    """The codenames `view` declared with `operation_view` (empty when it declared none)."""
    declared = getattr(view, PERMISSION_GUARD, ())
    return tuple(declared(kwargs)) if callable(declared) else tuple(declared)
