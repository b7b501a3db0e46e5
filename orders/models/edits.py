"""Order edits: each Save changes of the Edit page is one version (before and after)."""

from django.conf import settings
from django.db import models

from orders.models.order import MONEY, Order


class OrderEdit(models.Model):
    """One edit of an order: its lines and totals before and after, who, why and when.

    Written only by `orders.services.order_edit.order_edit`, in the transaction that changes
    the order; never changed afterwards. `before` / `after`: {"lines": [{sku, name, qty,
    qty_invoiced, unit_price, tax, discount}], "totals": {subtotal, shipping, tax, discount,
    grand_total}} in the order currency's minor units.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="edits")
    number = models.PositiveIntegerField()  # 1, 2, … per order
    created_at = models.DateTimeField(auto_now_add=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=150, blank=True)
    reason = models.TextField()
    summary = models.TextField()  # "+1 × Simple product 1 ($56.00), shipping $5.00 → $10.00"
    before = models.JSONField()
    after = models.JSONField()
    grand_total_before = MONEY()
    grand_total_after = MONEY()
    # The edit form's one-time key: a second submit finds this edit instead of editing again.
    idempotency_key = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "number"], name="order_edit_unique_number")
        ]

    def __str__(self) -> str:
        return f"Edit {self.number} of order {self.order_id}"

    @property
    def difference(self) -> int:
        return self.grand_total_after - self.grand_total_before

    @property
    def difference_abs(self) -> int:
        return abs(self.difference)
