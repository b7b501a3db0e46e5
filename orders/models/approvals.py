"""Four-eyes: a money move above the store's threshold waits for a second person.

Every path that moves money by a person's decision asks (`orders.services.approval_rule`): the
refunds (credit memo, goodwill, Transaction Details), Mark as paid, Capture Offline, Rebill and
Chargeback Reversal.

An `ApprovalRequest` stores what to run (`action` + `payload`, the arguments of the same service
the direct path calls) and who asked; another user holding "approve refund" on the store
approves it (it then runs, re-checked like any request) or rejects it. Rows are never deleted:
with the order's history comments they are the audit trail of who asked and who decided.
"""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from backoffice.models import Store, validate_currency


class ApprovalKind(models.TextChoices):
    REFUND = "refund", "Refund"
    MARK_AS_PAID = "mark_as_paid", "Mark as paid"
    CAPTURE_OFFLINE = "capture_offline", "Capture Offline"
    REBILL = "rebill", "Rebill"
    CHARGEBACK_REVERSAL = "chargeback_reversal", "Chargeback Reversal"


class ApprovalState(models.TextChoices):
    AWAITING = "awaiting", "Awaiting approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"
    # The order or the amount changed after the request (or a new request replaced it): the
    # approver would no longer be approving what was asked.
    VOID = "void", "Void"
    # The requester took it back before anybody decided.
    WITHDRAWN = "withdrawn", "Withdrawn"


def due_q(now: datetime) -> Q:
    """The requests `ApprovalRequest.is_due` at `now`, as a filter."""
    return Q(state=ApprovalState.AWAITING, expires_at__lte=now)


class ApprovalRequest(models.Model):
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="approval_requests"
    )
    # Denormalised from the order so the dashboard's list is scoped without a join.
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="approval_requests")
    kind = models.CharField(max_length=20, choices=ApprovalKind)
    # The registered action that runs it (orders.approvals.actions): "transaction_refund"…
    action = models.CharField(max_length=40)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, validators=[validate_currency])
    # The arguments of the operation's own service, as submitted (JSON types only).
    payload = models.JSONField(default=dict, blank=True)
    # What the request is about, so a new request for the same thing replaces this one.
    target = models.CharField(max_length=80)
    credit_memo = models.ForeignKey(
        "orders.CreditMemo",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approval_requests",
    )
    transaction = models.ForeignKey(
        "payments.Transaction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approval_requests",
        help_text="The transaction acted on (requests from Transaction Details).",
    )
    # The request form's one-time key: submitting the form twice asks once.
    idempotency_key = models.CharField(max_length=120, unique=True)
    note = models.TextField(blank=True, help_text="What the requester wrote.")
    why = models.CharField(
        max_length=300,
        blank=True,
        help_text="Why it needed approval: the threshold, and what the order already had.",
    )
    state = models.CharField(
        max_length=10, choices=ApprovalState, default=ApprovalState.AWAITING, db_index=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_label = models.CharField(max_length=150)
    requested_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_label = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="Why it was rejected, voided or expired.")
    outcome = models.TextField(blank=True, help_text="What running it did.")

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(
                fields=["store", "state", "-requested_at"], name="approval_store_state_idx"
            )
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="approval_amount_gt_0"),
            # At most one open request per thing: a new one replaces (voids) the old one.
            models.UniqueConstraint(
                fields=["target"],
                condition=Q(state="awaiting"),
                name="approval_one_awaiting_per_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} approval #{self.pk} on order {self.order_id}"

    @property
    def is_awaiting(self) -> bool:
        return self.state == ApprovalState.AWAITING

    def is_due(self, now: datetime) -> bool:
        """Awaiting but past its expiry: shown as expired (pages never write), closed as such by
        the expire_approval_requests command or by the POST that touches it. See `due_q`."""
        return self.state == ApprovalState.AWAITING and self.expires_at <= now

    def shown_state(self, now: datetime) -> str:
        return ApprovalState.EXPIRED.label if self.is_due(now) else self.get_state_display()
