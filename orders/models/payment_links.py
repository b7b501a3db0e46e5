"""Payment links: a public, expiring `/pay/<token>/` page where the customer authorizes an
order's outstanding amount (DESIGN.md, "Edit"; orders/services/payment_links.py).

The token is signed, not stored: `django.core.signing` over the link's id and a random nonce
(`orders.payment_link_tokens`). Staff can copy a link again at any time (the URL is rebuilt
from the row), a forged or altered token fails the signature before any query, and whether a
link still works (revoked, expired, paid, or made for an amount the order no longer owes) is
decided by this row, never by the token alone.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from orders.models.order import MONEY, Order


class PaymentLinkStatus(models.TextChoices):
    OPEN = "open", "Open"
    PAID = "paid", "Paid"
    PROCESSING = "processing", "Being confirmed"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"
    OUTDATED = "outdated", "Outdated"


class PaymentLink(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payment_links")
    nonce = models.CharField(max_length=32)
    # The order's Outstanding when the link was made: the link pays exactly this, or nothing.
    amount = MONEY()
    currency = models.CharField(max_length=3)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_label = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    payment = models.ForeignKey(
        "payments.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_sent_at = models.DateTimeField(null=True, blank=True)
    # Declined tries so far: the next try's idempotency key ends with it (a double submit
    # sends the same key, so it is one payment; a new card after a decline gets a new key).
    attempts = models.PositiveIntegerField(default=0)
    # Stripe Checkout: the session the customer was sent to (payments.gateways.stripe_checkout).
    checkout_session_id = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_link_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return f"Payment link {self.pk} of #{self.order_id}"
