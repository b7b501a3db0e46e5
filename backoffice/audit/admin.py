"""The audit stream in the Django admin: shown, never added, changed or deleted."""

from django.contrib import admin
from django.http import HttpRequest

from backoffice.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "type", "outcome", "user_label", "object_label", "ip"]
    list_filter = ["type", "outcome", "store_code"]
    search_fields = ["user_label", "=order_number", "object_label", "message"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
