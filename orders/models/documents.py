"""An order's documents: invoices (and what paid them), credit memos."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from orders.enums import (
    CaptureMode,
    CreditMemoState,
    InvoiceState,
    RefundMode,
)
from orders.models.order import MONEY, Order, OrderItem


class Invoice(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="invoices")
    number = models.CharField(max_length=40, unique=True)
    state = models.CharField(max_length=10, choices=InvoiceState, default=InvoiceState.OPEN)
    capture_mode = models.CharField(max_length=12, choices=CaptureMode)
    subtotal = MONEY(default=0)
    shipping_amount = MONEY(default=0)
    tax_amount = MONEY(default=0)
    discount_amount = MONEY(default=0)
    grand_total = MONEY(default=0)
    # Cached from the ledger by the recompute (captures linked to this invoice).
    amount_paid = MONEY(default=0)
    amount_refunded = MONEY(default=0)
    # Staff comment typed on the New Invoice form, and whether a copy was emailed.
    comment = models.TextField(blank=True)
    is_customer_notified = models.BooleanField(default=False)
    # The New Invoice form's one-time key: a second submit of the same form finds this
    # invoice instead of creating another. Null for imported invoices.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(grand_total__gte=0), name="invoice_total_gte_0"),
            models.CheckConstraint(
                condition=Q(amount_paid__lte=F("grand_total")), name="invoice_paid_lte_total"
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__lte=F("amount_paid")),
                name="invoice_refunded_lte_paid",
            ),
        ]

    def __str__(self) -> str:
        return f"Invoice #{self.number}"

    @property
    def amount_due(self) -> int:
        return self.grand_total - self.amount_paid if self.state != InvoiceState.CANCELED else 0


class InvoiceItem(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="items")
    order_item = models.ForeignKey(OrderItem, on_delete=models.PROTECT, related_name="+")
    qty = models.PositiveIntegerField()
    row_total = MONEY()
    tax_amount = MONEY(default=0)
    discount_amount = MONEY(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(qty__gt=0), name="invoice_item_qty_gt_0")]

    def __str__(self) -> str:
        return f"{self.qty} of item {self.order_item_id}"


class InvoiceCapture(models.Model):
    """Money captured on the order without an invoice (Transaction Details, Mark as paid with
    no open invoice) that pays an invoice: `amount` of `transaction` counts as paid on
    `invoice`. Written once by the recompute, never changed: the ledger row stays as it is."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="capture_links")
    transaction = models.ForeignKey(
        "payments.Transaction", on_delete=models.PROTECT, related_name="invoice_links"
    )
    amount = MONEY()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_capture_amount_gt_0"),
            models.UniqueConstraint(
                fields=["invoice", "transaction"], name="invoice_capture_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} of transaction {self.transaction_id} on invoice {self.invoice_id}"


class CreditMemo(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="credit_memos")
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_memos"
    )
    number = models.CharField(max_length=40, unique=True)
    state = models.CharField(
        max_length=20, choices=CreditMemoState, default=CreditMemoState.PENDING
    )
    mode = models.CharField(max_length=10, choices=RefundMode)
    subtotal = MONEY(default=0)
    shipping_amount = MONEY(default=0)
    tax_amount = MONEY(default=0)
    discount_amount = MONEY(default=0)
    adjustment_refund = MONEY(default=0)
    adjustment_fee = MONEY(default=0)
    # What earlier memos' Adjustment Refunds already gave back, taken off this memo so that its
    # items and shipping don't pay it twice (`orders.credit_memo_totals.memo_totals`).
    earlier_adjustment = MONEY(default=0)
    grand_total = MONEY(default=0)
    comment = models.TextField(blank=True)
    # New Credit Memo's "Email Copy" and "Append Comments": the customer gets a copy once the
    # refund went through (with the comment when appended).
    email_copy = models.BooleanField(default=False)
    append_comment = models.BooleanField(default=False)
    # The form's one-time key: a second submit finds this memo instead of refunding again.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(grand_total__gt=0), name="memo_total_gt_0"),
            models.CheckConstraint(
                condition=Q(adjustment_refund__gte=0) & Q(adjustment_fee__gte=0),
                name="memo_adjustments_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(earlier_adjustment__gte=0), name="memo_earlier_adjustment_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"Credit memo #{self.number}"


class CreditMemoItem(models.Model):
    credit_memo = models.ForeignKey(CreditMemo, on_delete=models.CASCADE, related_name="items")
    order_item = models.ForeignKey(OrderItem, on_delete=models.PROTECT, related_name="+")
    qty = models.PositiveIntegerField()
    back_to_stock = models.BooleanField(default=False)
    row_total = MONEY()
    tax_amount = MONEY(default=0)
    discount_amount = MONEY(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(qty__gt=0), name="memo_item_qty_gt_0")]

    def __str__(self) -> str:
        return f"{self.qty} of item {self.order_item_id}"
