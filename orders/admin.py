"""Django admin for orders and their documents: a locked-down admin (backoffice/admin_policy.py).

Money, states and identities are shown, never edited: totals, paid and refunded amounts follow
from items and the ledger, states from the app's operations, and the history (OrderComment) is
append-only. Invoices and credit memos are only shown. What may still change (the customer's
contact, the addresses) writes an order history entry with the old and new values.
"""

from typing import Any

from django.contrib import admin
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest

from backoffice.admin_policy import LockedFieldsAdminMixin, ReadOnlyAdminMixin
from backoffice.money import format_money
from orders.admin_audit import record_address_changes, record_order_change
from orders.models import (
    CreditMemo,
    CreditMemoItem,
    Invoice,
    InvoiceCapture,
    InvoiceItem,
    Order,
    OrderAddress,
    OrderComment,
    OrderEdit,
    OrderItem,
    PaymentLink,
)
from payments.models import Payment


class OrderAddressInline(LockedFieldsAdminMixin, admin.StackedInline):
    model = OrderAddress
    extra = 0
    max_num = 2
    readonly_fields = ["kind"]


class OrderItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OrderItem
    fields = readonly_fields = (
        "sku",
        "name",
        "qty_ordered",
        "unit_price",
        "tax_amount",
        "discount_amount",
        "row_total",
        "qty_invoiced",
        "qty_refunded",
        "qty_canceled",
    )
    extra = 0


class PaymentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Payment
    fields = readonly_fields = (
        "gateway",
        "payment_action",
        "status",
        "gateway_reference",
        "amount_authorized",
        "amount_captured",
        "amount_refunded",
        "amount_voided",
        "expires_at",
    )
    show_change_link = True
    extra = 0


class InvoiceInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Invoice
    fields = readonly_fields = (
        "number",
        "state",
        "capture_mode",
        "grand_total",
        "amount_paid",
        "created_at",
    )
    show_change_link = True
    extra = 0


@admin.register(Order)
class OrderAdmin(LockedFieldsAdminMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "store",
        "state",
        "payment_status",
        "customer_name",
        "customer_email",
        "total",
        "placed_at",
    ]
    list_filter = ["store", "state", "payment_status"]
    search_fields = ["=number", "customer_email", "customer_name"]
    list_select_related = ["store"]
    date_hierarchy = "placed_at"
    readonly_fields = ["payment_method_title"]
    inlines = [OrderAddressInline, OrderItemInline, PaymentInline, InvoiceInline]
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Order, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record_order_change(order=obj, user=request.user, form=form)

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: BaseInlineFormSet, change: bool
    ) -> None:
        super().save_formset(request, form, formset, change)
        record_address_changes(order=form.instance, user=request.user, formset=formset)

    @admin.display(description="Grand total", ordering="grand_total")
    def total(self, obj: Order) -> str:
        return format_money(obj.grand_total, obj.currency)


@admin.register(OrderItem)
class OrderItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["sku", "name", "order", "qty_ordered", "qty_invoiced", "qty_refunded"]
    search_fields = ["sku", "name", "=order__number"]
    list_select_related = ["order"]


@admin.register(OrderAddress)
class OrderAddressAdmin(LockedFieldsAdminMixin, admin.ModelAdmin):
    list_display = ["order", "kind", "name", "city", "country"]
    list_filter = ["kind", "country"]
    search_fields = ["=order__number", "name", "street", "city", "postcode"]
    list_select_related = ["order"]
    readonly_fields = ["kind"]

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record_order_change(order=obj.order, user=request.user, form=form, what=obj)


class InvoiceItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InvoiceItem
    fields = readonly_fields = ("order_item", "qty", "row_total", "tax_amount", "discount_amount")
    extra = 0


class InvoiceCaptureInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InvoiceCapture
    fields = readonly_fields = ("transaction", "amount", "created_at")
    extra = 0


@admin.register(InvoiceCapture)
class InvoiceCaptureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Links the recompute wrote: captures made without an invoice that pay one."""

    list_display = ["invoice", "transaction", "amount", "created_at"]
    search_fields = ["=invoice__number", "=invoice__order__number"]
    list_select_related = ["invoice", "transaction"]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "order", "state", "capture_mode", "total", "paid", "created_at"]
    list_filter = ["state", "capture_mode", "order__store"]
    search_fields = ["=number", "=order__number"]
    list_select_related = ["order"]
    inlines = [InvoiceItemInline, InvoiceCaptureInline]

    @admin.display(description="Grand total", ordering="grand_total")
    def total(self, obj: Invoice) -> str:
        return format_money(obj.grand_total, obj.order.currency)

    @admin.display(description="Paid", ordering="amount_paid")
    def paid(self, obj: Invoice) -> str:
        return format_money(obj.amount_paid, obj.order.currency)


class CreditMemoItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CreditMemoItem
    fields = readonly_fields = (
        "order_item",
        "qty",
        "back_to_stock",
        "row_total",
        "tax_amount",
        "discount_amount",
    )
    extra = 0


@admin.register(CreditMemo)
class CreditMemoAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "order", "invoice", "state", "mode", "total", "created_at"]
    list_filter = ["state", "mode", "order__store"]
    search_fields = ["=number", "=order__number"]
    list_select_related = ["order", "invoice"]
    inlines = [CreditMemoItemInline]

    @admin.display(description="Grand total", ordering="grand_total")
    def total(self, obj: CreditMemo) -> str:
        return format_money(obj.grand_total, obj.order.currency)


@admin.register(OrderComment)
class OrderCommentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Order history is append-only and written only by orders.history."""

    list_display = ["created_at", "order", "kind", "source", "author_label", "excerpt"]
    list_filter = ["kind", "source", "is_customer_notified"]
    search_fields = ["=order__number", "body", "author_label"]
    list_select_related = ["order"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description="Comment")
    def excerpt(self, obj: OrderComment) -> str:
        return obj.body if len(obj.body) <= 80 else f"{obj.body[:79]}…"


@admin.register(OrderEdit)
class OrderEditAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """An edit is a version of the order: shown, never changed."""

    list_display = ("order", "created_at", "author_label")
    list_select_related = ("order",)


@admin.register(PaymentLink)
class PaymentLinkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Links are made, sent and revoked on the order page (with history); the nonce that makes
    a link's token is never shown here."""

    list_display = ("order", "amount", "currency", "created_at", "expires_at", "paid_at")
    list_select_related = ("order",)
    exclude = ("nonce",)


# Four-eyes approval requests (orders/approvals), registered with the rest of the orders app.
import orders.approvals.admin  # noqa: E402, F401
