"""The audit stream's one table. Rows are only inserted (`events.record_event`)."""

from django.conf import settings
from django.db import models


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", "Success"
    DENIED = "denied", "Denied"
    FAILED = "failed", "Failed"


class AuditEvent(models.Model):
    """Who (user and a label snapshot), what (type and object), when, from where (IP, user
    agent), outcome, details (old and new values for changes)."""

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,  # the stream outlives the accounts it names
    )
    user_label = models.CharField(max_length=150, blank=True)
    type = models.CharField(max_length=64, db_index=True)
    outcome = models.CharField(
        max_length=10, choices=AuditOutcome, default=AuditOutcome.SUCCESS, db_index=True
    )
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=200, blank=True)
    store_code = models.CharField(max_length=16, blank=True, db_index=True)
    order_number = models.CharField(max_length=32, blank=True, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=300, blank=True)
    message = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["user", "-occurred_at"], name="audit_user_recent")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.type} {self.outcome} {self.user_label}"
