"""Four-eyes requests in the Django admin: an audit trail, so only shown, never edited."""

from django.contrib import admin

from backoffice.admin_policy import ReadOnlyAdminMixin
from backoffice.money import format_money
from orders.models import ApprovalRequest


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "order",
        "store",
        "kind",
        "money",
        "state",
        "requested_by_label",
        "requested_at",
        "decided_by_label",
        "decided_at",
    ]
    list_filter = ["state", "kind", "store"]
    search_fields = ["order__number", "requested_by_label", "decided_by_label"]
    list_select_related = ["order", "store"]
    date_hierarchy = "requested_at"

    @admin.display(description="Amount", ordering="amount")
    def money(self, obj: ApprovalRequest) -> str:
        return format_money(obj.amount, obj.currency)
