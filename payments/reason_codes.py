"""Refund and chargeback reason codes: a per-store list chosen on every refund and chargeback.

Each store has its own list (superusers edit labels, order and the active flag in the Django
admin); the seven defaults are created for every store (migration 0007 for stores that existed,
`payments.services.reason_codes` for new ones). A code in use is never deleted, only
deactivated: `Transaction.reason` PROTECTs it, and rows recorded before it was deactivated keep
showing it. Rows that are neither refunds nor chargebacks, and rows recorded before reason codes
existed, have none.
"""

from typing import NamedTuple

from django.db import models

from backoffice.errors import DomainError, ErrorCode
from backoffice.models import Store
from payments.enums import TransactionType


class ReasonApplies(models.TextChoices):
    """Which operations offer a code."""

    REFUNDS = "refunds", "Refunds"
    CHARGEBACKS = "chargebacks", "Chargebacks"
    BOTH = "both", "Refunds and chargebacks"


class DefaultReason(NamedTuple):
    code: str
    label: str
    applies_to: str = ReasonApplies.BOTH


# Every store starts with these, in this order (DESIGN: issue 14, item 8).
DEFAULT_REASONS: tuple[DefaultReason, ...] = (
    DefaultReason("returned", "Returned"),
    DefaultReason("damaged", "Damaged"),
    DefaultReason("not_as_described", "Not as described"),
    DefaultReason("goodwill", "Goodwill"),
    DefaultReason("duplicate", "Duplicate"),
    DefaultReason("fraud", "Fraud"),
    DefaultReason("other", "Other"),
)

# The transaction types that carry a reason, and which codes each may use.
REASON_KINDS: dict[str, str] = {
    TransactionType.REFUND: ReasonApplies.REFUNDS,
    TransactionType.CHARGEBACK: ReasonApplies.CHARGEBACKS,
    TransactionType.CHARGEBACK_REVERSAL: ReasonApplies.CHARGEBACKS,
}
# "Choose a reason for this refund." / "… chargeback."
KIND_NOUNS: dict[str, str] = {
    ReasonApplies.REFUNDS: "refund",
    ReasonApplies.CHARGEBACKS: "chargeback",
}


class ReasonCode(models.Model):
    """One reason a store's staff can give for a refund or a chargeback."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="reason_codes")
    code = models.SlugField(
        max_length=40, help_text="Stable identifier used in exports; cannot be changed."
    )
    label = models.CharField(max_length=80, help_text="What staff choose and read.")
    applies_to = models.CharField(max_length=12, choices=ReasonApplies, default=ReasonApplies.BOTH)
    is_active = models.BooleanField(
        "active", default=True, help_text="Inactive codes are no longer offered; rows keep them."
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the list.")

    class Meta:
        ordering = ["store_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "code"], name="reason_code_unique_per_store")
        ]

    def __str__(self) -> str:
        return self.label

    def applies(self, kind: str) -> bool:
        return self.applies_to in {kind, ReasonApplies.BOTH}


def reason_kind(transaction_type: str) -> str | None:
    """Refunds or chargebacks: which codes a transaction of this type takes (None: no reason)."""
    return REASON_KINDS.get(transaction_type)


def reason_codes_offered(*, store_id: int, kind: str) -> models.QuerySet[ReasonCode]:
    """The store's active codes for `kind` (refunds or chargebacks), in the store's order."""
    return ReasonCode.objects.filter(
        store_id=store_id,
        is_active=True,
        applies_to__in=[kind, ReasonApplies.BOTH],
    ).order_by("position", "id")


def reason_refusal(
    reason: ReasonCode, *, store_id: int, transaction_type: str
) -> DomainError | None:
    """Why a money operation may not record `reason` (None: it may).

    Checked by the money engine under the lock, whoever calls it. A code deactivated after a
    four-eyes request was made stays valid for that request: the forms refuse inactive codes.
    """
    kind = reason_kind(transaction_type)
    if kind is None:
        message = "This operation takes no reason."
    elif reason.store_id != store_id:
        message = "This reason belongs to another store."
    elif not reason.applies(kind):
        message = f"This reason is not offered for a {KIND_NOUNS[kind]}."
    else:
        return None
    return DomainError(ErrorCode.INVALID, message, field="reason")
