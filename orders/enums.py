from django.db import models

from backoffice.availability import Reason


class OrderState(models.TextChoices):
    NEW = "new", "New"
    PENDING_PAYMENT = "pending_payment", "Pending payment"
    PROCESSING = "processing", "Processing"
    COMPLETE = "complete", "Complete"
    CLOSED = "closed", "Closed"
    CANCELED = "canceled", "Canceled"
    HOLDED = "holded", "On hold"
    PAYMENT_REVIEW = "payment_review", "Payment review"


# The one table of why an order's state blocks money operations, for both registries (invoice,
# capture, refund, void, Mark as paid; payments' operations too): `Order.money_block`.
MONEY_BLOCKING_STATES: dict[str, Reason] = {
    OrderState.HOLDED: Reason("the order is on hold", "Unhold it first."),
    OrderState.PAYMENT_REVIEW: Reason(
        "the order is in payment review",
        "A gateway result is still unknown: reconciliation settles it.",
    ),
    OrderState.CANCELED: Reason("the order is canceled"),
    OrderState.CLOSED: Reason("the order is closed"),
}


class AddressKind(models.TextChoices):
    BILLING = "billing", "Billing"
    SHIPPING = "shipping", "Shipping"


class InvoiceState(models.TextChoices):
    OPEN = "open", "Open"
    PAID = "paid", "Paid"
    CANCELED = "canceled", "Canceled"


class CaptureMode(models.TextChoices):
    ONLINE = "online", "Capture Online"
    OFFLINE = "offline", "Capture Offline"
    NOT_CAPTURE = "not_capture", "Not Capture"


class CreditMemoState(models.TextChoices):
    PENDING = "pending", "Pending"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    REFUNDED = "refunded", "Refunded"
    # An online refund split over several captures where one part went through and a later
    # one was declined or never applied: the memo stands, for less money than its total.
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


class RefundMode(models.TextChoices):
    ONLINE = "online", "Refund (online)"
    OFFLINE = "offline", "Refund Offline"


class CommentSource(models.TextChoices):
    UI = "ui", "Staff"
    SYSTEM = "system", "System"
    GATEWAY = "gateway", "Gateway"
    BATCH = "batch", "Batch job"
    API = "api", "API"
    ADMIN = "admin", "Django admin"


class CommentKind(models.TextChoices):
    NOTE = "note", "Note"
    STATUS = "status", "Status"
    AUTHORIZATION = "authorization", "Authorization"
    CAPTURE = "capture", "Capture"
    REFUND = "refund", "Refund"
    VOID = "void", "Void"
    CHARGEBACK = "chargeback", "Chargeback"
    INVOICE = "invoice", "Invoice"
    CREDIT_MEMO = "credit_memo", "Credit memo"
    EDIT = "edit", "Edit"
    EMAIL = "email", "Email"
