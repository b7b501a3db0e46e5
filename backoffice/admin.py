"""Django admin for superusers: stores (with guardian object permissions) and staff roles."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import AbstractUser
from django.db.models import QuerySet
from django.http import HttpRequest
from guardian.admin import GuardedModelAdmin

from backoffice.models import (
    StaffProfile,
    Store,
    StoreGroupObjectPermission,
    StoreUserObjectPermission,
)
from backoffice.money import format_money

User = get_user_model()


@admin.register(Store)
class StoreAdmin(GuardedModelAdmin):
    list_display = ["code", "name", "currency", "timezone", "locale", "approval_threshold"]
    search_fields = ["code", "name"]
    list_filter = ["currency"]
    ordering = ["code"]

    @admin.display(description="Refund approval threshold", ordering="refund_approval_threshold")
    def approval_threshold(self, obj: Store) -> str:
        if obj.refund_approval_threshold is None:
            return "never"
        return format_money(obj.refund_approval_threshold, obj.currency)


@admin.register(StoreUserObjectPermission)
class StoreUserObjectPermissionAdmin(admin.ModelAdmin):
    list_display = ["user", "permission", "content_object"]
    list_filter = ["content_object"]
    search_fields = ["user__username", "permission__codename"]
    list_select_related = ["user", "permission__content_type", "content_object"]
    raw_id_fields = ["user"]
    autocomplete_fields = ["content_object"]


@admin.register(StoreGroupObjectPermission)
class StoreGroupObjectPermissionAdmin(admin.ModelAdmin):
    list_display = ["group", "permission", "content_object"]
    list_filter = ["content_object", "group"]
    search_fields = ["group__name", "permission__codename"]
    list_select_related = ["group", "permission__content_type", "content_object"]
    autocomplete_fields = ["content_object"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "locale"]
    search_fields = ["user__username", "locale"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    fields = ["locale"]


if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """The stock user admin, with each user's roles (groups) in the list."""

    list_display = [
        "username",
        "email",
        "first_name",
        "last_name",
        "roles",
        "is_staff",
        "is_superuser",
        "is_active",
    ]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    inlines = [StaffProfileInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Roles")
    def roles(self, obj: AbstractUser) -> str:
        # Reads the prefetched groups: no query per row.
        return ", ".join(sorted(g.name for g in obj.groups.all())) or "—"


def superusers_only(request: HttpRequest) -> bool:
    """Superusers manage everything here (DESIGN.md). Staff work in the back office itself,
    which scopes them per store; the admin would not, so their roles never open it."""
    return request.user.is_active and request.user.is_superuser


# Django's way to change one check of the default site without replacing the site; mypy
# refuses any assignment to a method.
admin.site.has_permission = superusers_only  # type: ignore[method-assign]
