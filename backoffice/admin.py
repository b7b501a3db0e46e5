"""Django admin for superusers: stores (with guardian object permissions) and staff roles."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import AbstractUser
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from guardian.admin import GuardedModelAdmin

from backoffice.admin_policy import ReadOnlyAdminMixin, log_config_change
from backoffice.models import (
    Job,
    JobItem,
    PasswordHistory,
    SavedView,
    StaffProfile,
    Store,
    StoreGroupObjectPermission,
    StoreSettingsChange,
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

    def get_readonly_fields(self, request: HttpRequest, obj: Store | None = None) -> list[str]:
        # Every amount of the store is in its currency, and its code is in URLs and exports.
        return ["code", "currency"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Store, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        log_config_change(request, obj, form, added=not change)


@admin.register(StoreSettingsChange)
class StoreSettingsChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Changes made on the stores' settings pages: an audit trail, only shown."""

    list_display = ["store", "changed_by_label", "changed_at", "new_threshold", "new_window_hours"]
    list_filter = ["store"]
    list_select_related = ["store"]
    date_hierarchy = "changed_at"


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
    list_display = ["user", "locale", "time_zone"]
    search_fields = ["user__username", "locale"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    fields = ["locale", "time_zone"]


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
    # ...and only in a session verified by the second factor (backoffice/admin_site.py).
    verified = getattr(request.user, "is_verified", None)
    return (
        request.user.is_active
        and request.user.is_superuser
        and callable(verified)
        and bool(verified())
    )


# Django's way to change one check of the default site without replacing the site; mypy
# refuses any assignment to a method.
admin.site.has_permission = superusers_only  # type: ignore[method-assign]


@admin.register(PasswordHistory)
class PasswordHistoryAdmin(admin.ModelAdmin):
    """Hashes of past passwords (none of the last 4 comes back): read only."""

    list_display = ["user", "created_at"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    fields = ["user", "created_at"]
    readonly_fields = ["user", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# Background jobs and saved grid views: shown to superusers, written only by the app (a job's
# rows are its audit of what it did; a view belongs to its owner's grid).
@admin.register(Job)
class JobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("pk", "title", "kind", "status", "created_by", "created_at", "finished_at")
    list_filter = ("status", "kind")
    exclude = ("file_data",)


@admin.register(JobItem)
class JobItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("job", "label", "store", "outcome", "reason", "finished_at")
    list_filter = ("outcome",)
    list_select_related = ("job", "store")


@admin.register(SavedView)
class SavedViewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "grid", "user", "is_default", "shared_with_everyone", "updated_at")
    list_filter = ("grid", "shared_with_everyone")
