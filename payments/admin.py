"""Django admin for the ledger. Transactions are append-only and payments are cached from them:
the admin only shows both (backoffice/admin_policy.py: a locked-down admin)."""

from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from backoffice.admin_policy import ReadOnlyAdminMixin, log_config_change
from backoffice.money import format_money
from payments.gateways import oppwa_config
from payments.gateways.stripe_config import secrets_summary
from payments.models import (
    GatewayAccount,
    InboundEvent,
    Payment,
    ReasonCode,
    SandboxCharge,
    SandboxOperation,
    Transaction,
)


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
        "live_mode",
    ]
    list_filter = ["gateway", "payment_action", "store"]
    search_fields = ["name", "gateway", "store__code"]
    list_select_related = ["store"]
    autocomplete_fields = ["store"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Moving an account to another store or gateway would reroute its payments' money.
        return ["store", "gateway", "secrets"] if obj is not None else ["secrets"]

    @admin.display(description="Secrets")
    def secrets(self, obj: GatewayAccount) -> str:
        """Secrets live only in the environment; the admin shows them masked (Stripe, OPPWA)."""
        if obj.pk is not None and obj.gateway == "oppwa":
            return oppwa_config.secrets_summary(obj)
        if obj.pk is None or obj.gateway != "stripe":
            return "—"
        return secrets_summary(obj)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        log_config_change(request, obj, form, added=not change)


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
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Only shown: a changed gateway reference once sent a refund to another customer's card
    while the ledger booked it on this order (issue 15)."""

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


@admin.register(ReasonCode)
class ReasonCodeAdmin(admin.ModelAdmin):
    """Each store's refund and chargeback reasons: labels, order and the active flag.

    A code is never deleted once a transaction uses it (PROTECT): deactivate it instead. The
    code itself is what exports carry, so it is fixed once created.
    """

    list_display = ["label", "code", "store", "applies_to", "is_active", "position"]
    list_editable = ["is_active", "position"]
    list_filter = ["store", "applies_to", "is_active"]
    search_fields = ["code", "label", "store__code"]
    list_select_related = ["store"]
    ordering = ["store__code", "position", "id"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self.has_module_permission(request)

    def get_readonly_fields(self, request: HttpRequest, obj: ReasonCode | None = None) -> list[str]:
        return ["store", "code"] if obj is not None else []


@admin.register(SandboxOperation)
class SandboxOperationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["reference", "kind", "status", "amount", "currency", "charge", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["=reference", "=idempotency_key", "charge__reference"]
    list_select_related = ["charge"]


@admin.register(InboundEvent)
class InboundEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Shown only: the managers' page (/transactions/inbox/) has the filters and Retry."""

    list_display = ["event_id", "gateway", "account", "type", "status", "attempts", "received_at"]
    list_filter = ["gateway", "status", "type"]
    search_fields = ["=event_id", "=reference", "=payment_reference"]
    list_select_related = ["account__store"]
