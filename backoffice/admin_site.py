"""The Django admin behind the same two-factor sign-in as the app.

Its own login form checks a password only, so `/admin/login/` sends to the app's sign-in
(password, then the Code); `has_permission` also requires a session verified by a second
factor, so a password alone never opens the admin.
"""

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


class BackofficeAdminSite(AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        verified = getattr(request.user, "is_verified", None)
        return super().has_permission(request) and callable(verified) and bool(verified())

    def login(self, request: HttpRequest, extra_context: object = None) -> HttpResponse:
        from django.contrib.auth.views import redirect_to_login  # not at app loading

        target = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect_to_login(target)


class BackofficeAdminConfig(AdminConfig):
    default_site = "backoffice.admin_site.BackofficeAdminSite"
