"""Django admin for the ledger. Transactions are append-only: the admin only shows them."""

from django.contrib import admin
from django.http import HttpRequest

from backoffice.money import format_money
from payments.models import (
    GatewayAccount,
    Payment,
    SandboxCharge,
    SandboxOperation,
    Transaction,
)

PAYMENT_AMOUNTS = (
    "amount_requested",
    "amount_authorized",
    "amount_captured",
    "amount_refunded",
    "amount_voided",
    "amount_charged_back",
    "pending_authorization",
    "pending_capture",
    "pending_refund",
    "pending_void",
    "status",
)


class ReadOnlyAdminMixin:
    """Visible, never added, changed or deleted from the admin."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(GatewayAccount)
class GatewayAccountAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "store",
        "gateway",
        "payment_action",
        "supports_partial_capture",
        "supports_multicapture",
        "supports_partial_refund",
        "authorization_validity_days",
    ]
    list_filter = ["gateway", "payment_action", "store"]
    search_fields = ["name", "gateway", "store__code"]
    list_select_related = ["store"]
    autocomplete_fields = ["store"]


class TransactionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Transaction
    fields = readonly_fields = (
        "uuid",
        "type",
        "status",
        "amount",
        "is_online",
        "gateway_reference",
        "created_at",
    )
    ordering = ["created_at", "id"]
    show_change_link = True
    extra = 0


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "order",
        "gateway",
        "payment_action",
        "status",
        "card",
        "authorized",
        "captured",
        "refunded",
        "expires_at",
    ]
    list_filter = ["status", "payment_action", "gateway", "is_expired", "order__store"]
    search_fields = ["order__number", "gateway_reference", "card_last4"]
    list_select_related = ["order"]
    raw_id_fields = ["order"]
    autocomplete_fields = ["gateway_account"]
    # Cached from the ledger by payments.recompute; the admin must never be a second writer.
    readonly_fields = [*PAYMENT_AMOUNTS, "currency", "created_at", "updated_at"]
    inlines = [TransactionInline]

    @admin.display(description="Card")
    def card(self, obj: Payment) -> str:
        return f"{obj.card_brand} ····{obj.card_last4}" if obj.card_last4 else ""

    @admin.display(description="Authorized", ordering="amount_authorized")
    def authorized(self, obj: Payment) -> str:
        return format_money(obj.amount_authorized, obj.currency)

    @admin.display(description="Captured", ordering="amount_captured")
    def captured(self, obj: Payment) -> str:
        return format_money(obj.amount_captured, obj.currency)

    @admin.display(description="Refunded", ordering="amount_refunded")
    def refunded(self, obj: Payment) -> str:
        return format_money(obj.amount_refunded, obj.currency)


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "uuid",
        "type",
        "status",
        "money",
        "is_online",
        "order",
        "store",
        "merchant_reference",
        "source",
        "created_at",
    ]
    list_filter = ["type", "status", "source", "is_online", "store"]
    search_fields = [
        "=uuid",
        "gateway_reference",
        "merchant_reference",
        "idempotency_key",
        "order__number",
    ]
    list_select_related = ["order", "store"]
    date_hierarchy = "created_at"
    show_full_result_count = False  # counting a large ledger on every page is slow

    @admin.display(description="Amount", ordering="amount")
    def money(self, obj: Transaction) -> str:
        return format_money(obj.amount, obj.currency)


class SandboxOperationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SandboxOperation
    fields = readonly_fields = (
        "kind",
        "status",
        "amount",
        "idempotency_key",
        "message",
        "created_at",
    )
    extra = 0


@admin.register(SandboxCharge)
class SandboxChargeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What the sandbox PSP believes ("the outside world"); written only by the sandbox."""

    list_display = [
        "reference",
        "currency",
        "is_sale",
        "amount_authorized",
        "amount_captured",
        "amount_voided",
        "amount_refunded",
        "expires_at",
    ]
    list_filter = ["currency", "is_sale"]
    search_fields = ["=reference"]
    inlines = [SandboxOperationInline]


@admin.register(SandboxOperation)
class SandboxOperationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["reference", "kind", "status", "amount", "currency", "charge", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["=reference", "=idempotency_key", "charge__reference"]
    list_select_related = ["charge"]
