"""Django admin for orders and their documents.

Money on orders and documents is shown, not edited: totals, paid and refunded amounts follow
from items and the ledger, and the history (OrderComment) is append-only.
"""

from django.contrib import admin

from backoffice.money import format_money
from orders.models import (
    CreditMemo,
    CreditMemoItem,
    Invoice,
    InvoiceCapture,
    InvoiceItem,
    Order,
    OrderAddress,
    OrderComment,
    OrderItem,
)
from payments.admin import ReadOnlyAdminMixin
from payments.models import Payment

ORDER_MONEY = ["subtotal", "shipping_amount", "tax_amount", "discount_amount", "grand_total"]


class OrderAddressInline(admin.StackedInline):
    model = OrderAddress
    extra = 0
    max_num = 2


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
class OrderAdmin(admin.ModelAdmin):
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
    autocomplete_fields = ["store"]
    date_hierarchy = "placed_at"
    readonly_fields = [
        *ORDER_MONEY,
        "currency",
        "payment_status",
        "version",
        "created_at",
        "updated_at",
    ]
    inlines = [OrderAddressInline, OrderItemInline, PaymentInline, InvoiceInline]
    show_full_result_count = False

    @admin.display(description="Grand total", ordering="grand_total")
    def total(self, obj: Order) -> str:
        return format_money(obj.grand_total, obj.currency)


@admin.register(OrderItem)
class OrderItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["sku", "name", "order", "qty_ordered", "qty_invoiced", "qty_refunded"]
    search_fields = ["sku", "name", "=order__number"]
    list_select_related = ["order"]


@admin.register(OrderAddress)
class OrderAddressAdmin(admin.ModelAdmin):
    list_display = ["order", "kind", "name", "city", "country"]
    list_filter = ["kind", "country"]
    search_fields = ["=order__number", "name", "street", "city", "postcode"]
    list_select_related = ["order"]
    raw_id_fields = ["order"]


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
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ["number", "order", "state", "capture_mode", "total", "paid", "created_at"]
    list_filter = ["state", "capture_mode", "order__store"]
    search_fields = ["=number", "=order__number"]
    list_select_related = ["order"]
    raw_id_fields = ["order", "created_by"]
    readonly_fields = [*ORDER_MONEY, "amount_paid", "amount_refunded", "idempotency_key"]
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
class CreditMemoAdmin(admin.ModelAdmin):
    list_display = ["number", "order", "invoice", "state", "mode", "total", "created_at"]
    list_filter = ["state", "mode", "order__store"]
    search_fields = ["=number", "=order__number"]
    list_select_related = ["order", "invoice"]
    raw_id_fields = ["order", "invoice", "created_by"]
    readonly_fields = [*ORDER_MONEY, "adjustment_refund", "adjustment_fee", "earlier_adjustment"]
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


# Four-eyes approval requests (orders/approvals), registered with the rest of the orders app.
import orders.approvals.admin  # noqa: E402, F401
