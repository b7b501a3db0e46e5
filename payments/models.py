"""The ledger: payments (one instrument's money on an order) and their transactions.

Cached amounts on Payment are written only by `payments.recompute.orders_payments_recompute`,
under the order → payments lock. The CHECK constraints below hold the money invariants even if
a bug somewhere tried to break them.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone

from backoffice.models import Store, validate_currency
from payments.enums import (
    CASH_IN_TYPES,
    CASH_OUT_TYPES,
    PaymentAction,
    PaymentStatus,
    TransactionSource,
    TransactionStatus,
    TransactionType,
)
from payments.inbox_models import InboundEvent as InboundEvent  # registered here too
from payments.ledger import open_authorization
from payments.reason_codes import ReasonCode as ReasonCode  # registered with the app here

MONEY = models.BigIntegerField
CARD_BRAND_NAMES = {"amex": "American Express", "jcb": "JCB", "mastercard": "Mastercard"}


class GatewayAccount(models.Model):
    """A store's account at a payment gateway, with what that gateway can do."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="gateway_accounts")
    gateway = models.CharField(max_length=32, default="sandbox")
    name = models.CharField(max_length=120)
    payment_action = models.CharField(
        max_length=20, choices=PaymentAction, default=PaymentAction.AUTHORIZE
    )
    supports_partial_capture = models.BooleanField(default=True)
    supports_multicapture = models.BooleanField(default=True)
    supports_partial_refund = models.BooleanField(default=True)
    authorization_validity_days = models.PositiveSmallIntegerField(default=7)
    # Real money at the PSP's live host; off: its test host (OPPWA: eu-prod / eu-test).
    live_mode = models.BooleanField(
        default=False, help_text="Live: real money at the PSP's live host; off: its test host."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "gateway"], name="gateway_account_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.gateway}, {self.store.code})"


class Payment(models.Model):
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="payments")
    gateway = models.CharField(max_length=32, default="sandbox")
    gateway_account = models.ForeignKey(
        GatewayAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    payment_action = models.CharField(max_length=20, choices=PaymentAction)
    method_title = models.CharField(max_length=120, blank=True)
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    gateway_reference = models.CharField(max_length=120, blank=True, db_index=True)
    currency = models.CharField(max_length=3, validators=[validate_currency])
    amount_requested = MONEY(default=0)
    authorized_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    status = models.CharField(max_length=24, choices=PaymentStatus, default=PaymentStatus.NOT_PAID)
    # Cached from the ledger (see payments.ledger); never incremented in place.
    amount_authorized = MONEY(default=0)
    amount_captured = MONEY(default=0)
    amount_refunded = MONEY(default=0)
    amount_voided = MONEY(default=0)
    amount_charged_back = MONEY(default=0)
    pending_authorization = MONEY(default=0)
    pending_capture = MONEY(default=0)
    pending_refund = MONEY(default=0)
    pending_void = MONEY(default=0)
    is_expired = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # The dashboard's "Charged back" (few payments ever are): not a scan of them all.
            models.Index(
                fields=["order"],
                condition=Q(amount_charged_back__gt=0),
                name="payment_charged_back_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_authorized__gte=0)
                & Q(amount_captured__gte=0)
                & Q(amount_refunded__gte=0)
                & Q(amount_voided__gte=0)
                & Q(amount_charged_back__gte=0)
                & Q(pending_authorization__gte=0)
                & Q(pending_capture__gte=0)
                & Q(pending_refund__gte=0)
                & Q(pending_void__gte=0),
                name="payment_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount_captured__lte=F("amount_authorized")),
                name="payment_captured_lte_authorized",
            ),
            models.CheckConstraint(
                condition=Q(
                    amount_captured__lte=F("amount_authorized")
                    - F("amount_voided")
                    - F("pending_capture")
                    - F("pending_void")
                ),
                name="payment_capture_and_void_within_authorized",
            ),
            models.CheckConstraint(
                condition=Q(
                    amount_refunded__lte=F("amount_captured")
                    - F("pending_refund")
                    - F("amount_charged_back")
                ),
                name="payment_refunds_within_captured",
            ),
            models.CheckConstraint(
                condition=Q(amount_voided__lte=F("amount_authorized") - F("amount_captured")),
                name="payment_voided_within_uncaptured",
            ),
        ]

    def __str__(self) -> str:
        card = f" {self.card_brand} ····{self.card_last4}" if self.card_last4 else ""
        return f"{self.gateway}{card} ({self.gateway_reference or 'no reference'})"

    @property
    def card_label(self) -> str:
        """ "Visa ····4242", "Cartes Bancaires ····3402"; empty without a card."""
        if not self.card_last4:
            return ""
        brand = CARD_BRAND_NAMES.get(self.card_brand.lower(), self.card_brand.replace("_", " "))
        return f"{brand.title() if brand.islower() else brand} ····{self.card_last4}".strip()

    @property
    def capturable(self) -> int:
        """Open to capture now (`payments.ledger.open_authorization`): nothing reserved by
        pending operations, and 0 once `expires_at` has passed, even before
        expire_authorizations marks the payment expired."""
        return open_authorization(self, now=timezone.now())

    @property
    def refundable(self) -> int:
        return max(
            self.amount_captured
            - self.amount_refunded
            - self.pending_refund
            - self.amount_charged_back,
            0,
        )

    @property
    def net_paid(self) -> int:
        return self.amount_captured - self.amount_refunded - self.amount_charged_back


class Transaction(models.Model):
    """One append-only row per money movement (OPPWA-style)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="transactions")
    # Denormalised from the payment so search and scoping never need a join.
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="transactions")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="transactions")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    type = models.CharField(max_length=2, choices=TransactionType)
    status = models.CharField(
        max_length=10, choices=TransactionStatus, default=TransactionStatus.PENDING
    )
    amount = MONEY()
    currency = models.CharField(max_length=3, validators=[validate_currency])
    is_online = models.BooleanField(default=True)
    gateway_reference = models.CharField(max_length=120, blank=True)
    merchant_reference = models.CharField(
        "Transaction ID", max_length=120, blank=True, help_text="Staff-entered reference."
    )
    usage = models.CharField(max_length=127, blank=True, help_text="Statement descriptor.")
    memo = models.TextField(blank=True, help_text="Internal note.")
    idempotency_key = models.CharField(max_length=120, unique=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    source = models.CharField(
        max_length=10, choices=TransactionSource, default=TransactionSource.UI
    )
    gateway_request = models.JSONField(default=dict, blank=True)
    gateway_response = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    invoice = models.ForeignKey(
        "orders.Invoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transactions",
    )
    credit_memo = models.ForeignKey(
        "orders.CreditMemo",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transactions",
    )
    # Refunds and chargebacks: why (payments.reason_codes); None for other rows and older ones.
    reason = models.ForeignKey(
        ReasonCode, null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    # Set once, at the insert (the ledger is append-only: payments.0008): an import gives the
    # moment the gateway took the money, anything else now.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="txn_created_idx"),
            models.Index(fields=["store", "-created_at"], name="txn_store_created_idx"),
            models.Index(fields=["gateway_reference"], name="txn_gateway_ref_idx"),
            models.Index(fields=["merchant_reference"], name="txn_merchant_ref_idx"),
            # Search by Transaction ID in any case (`merchant_reference__iexact`).
            models.Index(Upper("merchant_reference"), name="txn_merchant_ref_upper_idx"),
            models.Index(fields=["amount"], name="txn_amount_idx"),
            models.Index(fields=["status", "type"], name="txn_status_type_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="txn_amount_gt_0"),
            models.UniqueConstraint(
                fields=["store", "merchant_reference"],
                condition=~Q(merchant_reference=""),
                name="txn_merchant_ref_unique_per_store",
                violation_error_message="This Transaction ID is already used in this store.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.uuid}"

    @property
    def short_uuid(self) -> str:
        return str(self.uuid)[:8]

    @property
    def cash_flow(self) -> str:
        if self.type in CASH_IN_TYPES:
            return "in"
        if self.type in CASH_OUT_TYPES:
            return "out"
        return ""

    @property
    def is_settled(self) -> bool:
        return self.status == TransactionStatus.SUCCESS

    @property
    def is_open(self) -> bool:
        """Pending or unknown: the amount stays reserved until the outcome is known."""
        return self.status in {TransactionStatus.PENDING, TransactionStatus.UNKNOWN}


class SandboxCharge(models.Model):
    """The sandbox PSP's own record of one card payment: "the outside world".

    Written only by `payments.gateways.sandbox`, in its own transactions, never by the ledger.
    Its amounts are what the PSP believes; `verify_ledger` and the tests compare them with ours.
    """

    reference = models.CharField(max_length=64, unique=True)
    currency = models.CharField(max_length=3, validators=[validate_currency])
    is_sale = models.BooleanField(default=False, help_text="Debit: captured at authorization.")
    amount_authorized = MONEY(default=0)
    amount_captured = MONEY(default=0)
    amount_voided = MONEY(default=0)
    amount_refunded = MONEY(default=0)
    amount_charged_back = MONEY(default=0)  # net of reversals (sandbox_event)
    capture_count = models.PositiveIntegerField(default=0)
    allows_partial_capture = models.BooleanField(default=True)
    allows_multicapture = models.BooleanField(default=True)
    allows_partial_refund = models.BooleanField(default=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_captured__lte=F("amount_authorized") - F("amount_voided")),
                name="sandbox_captured_within_authorized",
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__lte=F("amount_captured")),
                name="sandbox_refunded_within_captured",
            ),
        ]

    def __str__(self) -> str:
        return f"sandbox charge {self.reference}"


class SandboxOperation(models.Model):
    """One request the sandbox PSP received, keyed by the caller's idempotency key."""

    class Kind(models.TextChoices):
        AUTHORIZE = "authorize", "Authorize"
        SALE = "sale", "Sale"
        CAPTURE = "capture", "Capture"
        VOID = "void", "Void"
        REFUND = "refund", "Refund"
        REBILL = "rebill", "Rebill"
        # Done on the sandbox's own side (`manage.py sandbox_event`), told by webhook.
        CHARGEBACK = "chargeback", "Chargeback"
        CHARGEBACK_REVERSAL = "cb_reverse", "Chargeback reversal"
        EXPIRE = "expire", "Authorization expired"

    class Status(models.TextChoices):
        SUCCESS = "success", "Success"
        DECLINED = "declined", "Declined"
        PENDING = "pending", "Pending"

    idempotency_key = models.CharField(max_length=120, unique=True)
    # Hash of the request's parameters: the same key with other parameters is refused.
    fingerprint = models.CharField(max_length=64)
    reference = models.CharField(max_length=64, unique=True)
    charge = models.ForeignKey(
        SandboxCharge, null=True, blank=True, on_delete=models.PROTECT, related_name="operations"
    )
    kind = models.CharField(max_length=10, choices=Kind)
    amount = MONEY()
    currency = models.CharField(max_length=3, validators=[validate_currency])
    status = models.CharField(max_length=10, choices=Status)
    # A pending operation becomes this when it settles (see the sandbox's README).
    settles_as = models.CharField(max_length=10, choices=Status, blank=True)
    message = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"sandbox {self.kind} {self.reference} ({self.status})"
