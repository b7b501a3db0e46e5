"""Per-store API tokens: only a SHA-256 digest of the secret is stored.

A token is `bo_<prefix>_<secret>`; the prefix (shown in lists) says which token it is without
revealing it, the digest of the whole token finds it (unique index) and proves it (compared
with `hmac.compare_digest`). The secret is 32 random bytes, so a fast hash is as safe as a slow
password hasher here and costs nothing per request.
"""

from django.conf import settings
from django.db import models

from backoffice.models import Store


class ApiToken(models.Model):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["store", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def label(self) -> str:
        """Who acted, in the audit stream."""
        return f"api:{self.name}"
