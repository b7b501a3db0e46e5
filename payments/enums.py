from django.db import models


class PaymentAction(models.TextChoices):
    AUTHORIZE = "authorize", "Authorize"
    AUTHORIZE_CAPTURE = "authorize_capture", "Authorize and capture"


class TransactionType(models.TextChoices):
    """OPPWA-style payment types."""

    AUTHORIZATION = "PA", "Pre-authorization"
    DEBIT = "DB", "Debit"
    CAPTURE = "CP", "Capture"
    REVERSAL = "RV", "Reversal"
    REFUND = "RF", "Refund"
    CHARGEBACK = "CB", "Chargeback"
    CHARGEBACK_REVERSAL = "CR", "Chargeback reversal"
    REBILL = "RB", "Rebill"
    MANUAL = "MP", "Manual payment"


# Money coming to the merchant vs leaving it; authorizations and reversals move no money.
CASH_IN_TYPES = frozenset(
    {
        TransactionType.DEBIT,
        TransactionType.CAPTURE,
        TransactionType.REBILL,
        TransactionType.MANUAL,
        TransactionType.CHARGEBACK_REVERSAL,
    }
)
CASH_OUT_TYPES = frozenset({TransactionType.REFUND, TransactionType.CHARGEBACK})
# Money that pays an invoice: captures, sales, rebills and manual payments.
PAID_TYPES = frozenset(
    {
        TransactionType.CAPTURE,
        TransactionType.DEBIT,
        TransactionType.REBILL,
        TransactionType.MANUAL,
    }
)


class TransactionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCESS = "success", "Success"
    FAILED = "failed", "Failed"
    UNKNOWN = "unknown", "Unknown"


class TransactionSource(models.TextChoices):
    UI = "ui", "Back office"
    BATCH = "batch", "Batch job"
    API = "api", "API"
    WEBHOOK = "webhook", "Webhook"
    IMPORT = "import", "Import"


class PaymentStatus(models.TextChoices):
    """Medusa's payment statuses, plus expired and charged back (an order whose chargebacks
    take part of what it kept is partially charged back: see `payments.ledger`)."""

    NOT_PAID = "not_paid", "Not paid"
    AWAITING = "awaiting", "Awaiting"
    AUTHORIZED = "authorized", "Authorized"
    PARTIALLY_AUTHORIZED = "partially_authorized", "Partially authorized"
    CAPTURED = "captured", "Captured"
    PARTIALLY_CAPTURED = "partially_captured", "Partially captured"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REFUNDED = "refunded", "Refunded"
    CANCELED = "canceled", "Canceled"
    REQUIRES_ACTION = "requires_action", "Requires action"
    EXPIRED = "expired", "Expired"
    CHARGED_BACK = "charged_back", "Charged back"
    PARTIALLY_CHARGED_BACK = "partially_charged_back", "Partially charged back"
