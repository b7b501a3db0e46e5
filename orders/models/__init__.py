"""The orders app's models, one module per part of the domain (Django loads them from here)."""

from orders.models.approvals import ApprovalKind, ApprovalRequest, ApprovalState, due_q
from orders.models.comments import OrderComment
from orders.models.documents import CreditMemo, CreditMemoItem, Invoice, InvoiceCapture, InvoiceItem
from orders.models.edits import OrderEdit
from orders.models.order import MONEY, Order, OrderAddress, OrderItem
from orders.models.payment_links import PaymentLink, PaymentLinkStatus

__all__ = [
    "MONEY",
    "ApprovalKind",
    "ApprovalRequest",
    "ApprovalState",
    "CreditMemo",
    "CreditMemoItem",
    "Invoice",
    "InvoiceCapture",
    "InvoiceItem",
    "Order",
    "OrderAddress",
    "OrderComment",
    "OrderEdit",
    "OrderItem",
    "PaymentLink",
    "PaymentLinkStatus",
    "due_q",
]
