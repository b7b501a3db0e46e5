"""Comments History: the order's append-only history (written only by `orders.history`)."""

from django.conf import settings
from django.db import models

from orders.enums import (
    CommentKind,
    CommentSource,
)
from orders.models.documents import CreditMemo, Invoice
from orders.models.order import Order


class OrderComment(models.Model):
    """Append-only order history. Written only through `orders.history`."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="comments")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Snapshot so history still says who wrote it after the user is deleted.
    author_label = models.CharField(max_length=150, blank=True)
    source = models.CharField(max_length=10, choices=CommentSource, default=CommentSource.UI)
    kind = models.CharField(max_length=20, choices=CommentKind, default=CommentKind.NOTE)
    body = models.TextField()
    is_customer_notified = models.BooleanField(default=False)
    is_visible_on_front = models.BooleanField(default=False)
    transaction = models.ForeignKey(
        "payments.Transaction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="comments",
    )
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="comments"
    )
    credit_memo = models.ForeignKey(
        CreditMemo, null=True, blank=True, on_delete=models.PROTECT, related_name="comments"
    )
    # The one-time key of the form that wrote this entry, where a second submit must find it
    # instead of acting again (Send Email of an invoice or credit memo). Null for the rest.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["order", "-created_at"], name="comment_order_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.order_id}: {self.body[:40]}"
