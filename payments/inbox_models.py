"""The webhook inbox's one table: every verified event a PSP sent, stored raw before we answer.

Registered with the payments app by `payments.models` (which imports it); it names the gateway
account and the ledger row by string so that it imports nothing of `payments.models`. What the
inbox does with an event is `payments/inbox/` (receive, process, the managers' pages).
"""

from django.db import models
from django.utils import timezone


class InboundEventStatus(models.TextChoices):
    RECEIVED = "received", "Received"  # stored, waiting for its task
    PROCESSED = "processed", "Processed"  # applied (or nothing left to apply)
    RETRY = "retry", "Waiting to retry"  # early (payment or capture unknown yet) or failed
    FAILED = "failed", "Failed"  # out of attempts: for a person to look at
    IGNORED = "ignored", "Ignored"  # superseded by a newer event


class InboundEvent(models.Model):
    gateway = models.CharField(max_length=32)
    account = models.ForeignKey(
        "payments.GatewayAccount", on_delete=models.PROTECT, related_name="inbound_events"
    )
    event_id = models.CharField(max_length=120)
    type = models.CharField(max_length=40)
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(
        max_length=10, choices=InboundEventStatus, default=InboundEventStatus.RECEIVED
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Parsed by the adapter when the event was received (the payload stays as sent).
    payment_reference = models.CharField(max_length=120, blank=True, db_index=True)
    reference = models.CharField("PSP reference", max_length=120, blank=True)
    amount = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    sequence = models.BigIntegerField(default=0)
    # What processing did: a sentence for staff, the ledger row written, when.
    outcome = models.TextField(blank=True)
    transaction = models.ForeignKey(
        "payments.Transaction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inbound_events",
    )
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "account", "event_id"], name="inbound_event_unique"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="inbound_due_idx")]

    def __str__(self) -> str:
        return f"{self.gateway} event {self.event_id} ({self.type})"

    @property
    def is_open(self) -> bool:
        """Still to be applied: received, or waiting to retry."""
        return self.status in {InboundEventStatus.RECEIVED, InboundEventStatus.RETRY}
