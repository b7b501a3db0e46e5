"""Cross-cutting models: the Store every order, payment and permission is scoped to."""

from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import models

from backoffice.money import is_valid_currency

# One permission per operation, declared on Store because guardian scopes staff per store:
# a global (group/user) permission applies to every store, an object permission to one.
OPERATION_PERMISSIONS: list[tuple[str, str]] = [
    ("view_orders", "View orders, invoices, credit memos and transactions"),
    ("comment_order", "Comment on orders"),
    ("notify_customer", "Notify the customer"),
    ("hold_order", "Hold and unhold orders"),
    ("cancel_order", "Cancel orders"),
    ("edit_order", "Edit orders"),
    ("invoice_order", "Invoice without capture"),
    ("capture_online", "Capture online"),
    ("capture_offline", "Capture offline"),
    ("void_payment", "Void authorizations"),
    ("refund_online", "Refund online"),
    ("refund_offline", "Refund offline"),
    ("mark_as_paid", "Mark as paid"),
    ("record_chargeback", "Record chargebacks and chargeback reversals"),
    ("rebill_payment", "Rebill"),
    ("approve_refund", "Approve refunds"),
    ("export_transactions", "Export transactions"),
]


def validate_currency(value: str) -> None:
    if not is_valid_currency(value):
        raise ValidationError(f"{value!r} is not an ISO 4217 currency code.")


def validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone.")


class Store(models.Model):
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    currency = models.CharField(max_length=3, validators=[validate_currency])
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    refund_approval_threshold = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="Refunds and Mark as paid above this amount (minor units) need approval. "
        "Empty: never.",
    )

    class Meta:
        ordering = ["code"]
        # A copy: the list is typed with plain-str labels, Meta's with lazy ones too (and a list
        # is invariant); equal, so no migration.
        permissions = list(OPERATION_PERMISSIONS)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(refund_approval_threshold__gte=0)
                | models.Q(refund_approval_threshold__isnull=True),
                name="store_threshold_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code.upper()})"


# guardian's direct-foreign-key object permissions: a store-scoped grant is a plain join,
# so "which stores may this user see" is one query, whatever the number of stores.
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase  # noqa: E402


class StoreUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Store, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "store permission of a user"


class StoreGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Store, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "store permission of a group"
