"""Cross-cutting models: the Store every order, payment and permission is scoped to, and each
staff member's preferences."""

from typing import Any
from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import models

from backoffice.locales import is_known_locale, timezone_locale
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
    ("change_store_settings", "Change store settings"),
    ("export_data", "Can export orders and transactions"),
    ("manage_staff", "Manage staff sign-in"),
    ("view_audit", "Read the audit stream"),
]


def validate_currency(value: str) -> None:
    if not is_valid_currency(value):
        raise ValidationError(f"{value!r} is not an ISO 4217 currency code.")


def validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone.")


def validate_locale(value: str) -> None:
    if not is_known_locale(value):
        raise ValidationError(
            f"{value!r} is not a known locale; write it as en_US, de_DE or ja_JP."
        )


class Store(models.Model):
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    currency = models.CharField(max_length=3, validators=[validate_currency])
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    refund_approval_threshold = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="Refunds, Mark as paid, Capture Offline, Rebill and Chargeback Reversal above "
        "this amount (minor units), with what the order had within the approval window, wait "
        "for a second person. Empty: never.",
    )  # the rule: orders.services.approval_rule
    approval_window_hours = models.PositiveSmallIntegerField(
        default=24,
        help_text="Four-eyes is cumulative: what one order had refunded or marked as paid within "
        "this many hours counts toward the threshold.",
    )
    rebill_limit = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="Largest amount one Rebill may charge (minor units). A rebill never exceeds "
        "the original debit either. Empty: the original debit is the limit.",
    )
    locale = models.CharField(
        max_length=32,
        blank=True,
        validators=[validate_locale],
        help_text="How staff type and read amounts in this store (en_US: 1,234.56; de_DE: "
        "1.234,56), unless they chose their own. Empty: the usual one of the country of the "
        "store's time zone.",
    )
    # What the PDF invoices and credit memos print (orders/pdf): the seller's address under its
    # name, and the legal footer (registered office, VAT number, terms) on every page.
    address = models.TextField(
        blank=True, help_text="The store's postal address, one line per line, as printed."
    )
    legal_footer = models.TextField(
        blank=True,
        help_text="Printed at the foot of every PDF invoice and credit memo (registered office, "
        "VAT number, terms).",
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
            ),
            models.CheckConstraint(
                condition=models.Q(rebill_limit__gt=0) | models.Q(rebill_limit__isnull=True),
                name="store_rebill_limit_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code.upper()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.locale:
            self.locale = timezone_locale(self.timezone)
        super().save(*args, **kwargs)

    @property
    def amount_locale(self) -> str:
        """The store's locale for amounts (rows written in bulk may not have one yet)."""
        return self.locale or timezone_locale(self.timezone)


class StoreSettingsChange(models.Model):
    """One change of a store's four-eyes settings on its settings page: who, when, the values
    before and after (append-only: the app never edits or deletes one; the audit log has it
    too)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="settings_changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_by_label = models.CharField(max_length=150)
    changed_at = models.DateTimeField(auto_now_add=True)
    old_threshold = models.BigIntegerField(null=True, blank=True)
    new_threshold = models.BigIntegerField(null=True, blank=True)
    old_window_hours = models.PositiveSmallIntegerField()
    new_window_hours = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-changed_at", "-id"]
        get_latest_by = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"Settings of {self.store} changed by {self.changed_by_label}"


class StaffProfile(models.Model):
    """A staff member's own preferences; no row: none chosen."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    locale = models.CharField(
        "Amount locale",
        max_length=32,
        blank=True,
        validators=[validate_locale],
        help_text="How you type and read amounts (en_US: 1,234.56; de_DE: 1.234,56). "
        "Empty: each store's own.",
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text="The zone lists and pages show times in (the store's own on hover). "
        "Empty: each store's own.",
    )

    class Meta:
        verbose_name = "staff preferences"
        verbose_name_plural = "staff preferences"

    def __str__(self) -> str:
        return f"Preferences of {self.user}"


class PasswordHistory(models.Model):
    """A password a staff member had (its hash), so that none of the last few comes back
    (`backoffice.signin.passwords.RecentPasswordValidator`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "password history"

    def __str__(self) -> str:
        return f"Password of {self.user} set {self.created_at:%Y-%m-%d %H:%M}"


# The attribute a user object keeps its preferred locale in, for the rest of the request.
_PREFERRED_LOCALE = "_backoffice_preferred_locale"


def preferred_locale(user: AbstractBaseUser | AnonymousUser) -> str:
    """The user's chosen amount locale, "" when none (one query per user object)."""
    cached: str | None = getattr(user, _PREFERRED_LOCALE, None)
    if cached is None:
        cached = ""
        if user.pk is not None:
            found = StaffProfile.objects.filter(user_id=user.pk).values_list("locale", flat=True)
            cached = found.first() or ""
        setattr(user, _PREFERRED_LOCALE, cached)
    return cached


def amount_locale(user: AbstractBaseUser | AnonymousUser | None, store: Store) -> str:
    """The locale in which `user` types and reads amounts of `store`: theirs, else the store's."""
    return (preferred_locale(user) if user is not None else "") or store.amount_locale


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


from backoffice.job_models import Job as Job  # noqa: E402  registered here
from backoffice.job_models import JobItem as JobItem  # noqa: E402
from backoffice.saved_view_models import SavedView as SavedView  # noqa: E402  registered here
from backoffice.session_models import SignedInSession as SignedInSession  # noqa: E402  registered here
