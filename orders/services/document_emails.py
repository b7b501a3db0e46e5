"""Send Email on an invoice or credit memo page: the customer gets the document's e-mail again,
with the document as a PDF, and the history says so.

One atomic step under the order lock: the permission (Notify the customer), the one-time key
of the form (a second submit of the same form finds its history entry and sends nothing), the
history entry (carrying the key), and the e-mail task, enqueued in the same transaction
(`orders/services/emails.py`): it renders the PDF when it runs.
"""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from backoffice.errors import DomainError, ErrorCode
from backoffice.permissions import permission_reason, store_permissions
from backoffice.tasks import enqueue_with_transaction
from orders.enums import CreditMemoState
from orders.history import comment_credit_memo, comment_invoice
from orders.models import CreditMemo, Invoice, Order, OrderComment
from orders.services.emails import email_credit_memo_pdf, email_invoice_pdf
from payments.locks import lock_order_and_payments

NOTIFY = "notify_customer"
# The credit memo e-mail says "We have refunded …": only a memo that was refunded is sent.
MEMO_EMAIL_STATES = frozenset({CreditMemoState.REFUNDED})


@dataclass(frozen=True)
class EmailAgain:
    """What Send Email did: the history entry it wrote, or found (`repeated`: a double submit)."""

    comment: OrderComment
    repeated: bool = False

    def message(self) -> str:
        if self.repeated:
            return "This e-mail was already sent; it was not sent twice."
        return f"{self.comment.body}"


def credit_memo_email_refusal(memo: CreditMemo) -> str:
    """Why Send Email is not offered on `memo` ("" when it is)."""
    if memo.state in MEMO_EMAIL_STATES:
        return ""
    return (
        f"Send Email is not available: the credit memo is {memo.get_state_display().lower()}; "
        "its e-mail tells the customer the money was refunded."
    )


def _check_permission(user: User, order: Order) -> None:
    if not store_permissions(user).has(NOTIFY, order.store):
        raise DomainError(ErrorCode.PERMISSION_DENIED, permission_reason(NOTIFY, store=order.store))


def _already(key: str) -> OrderComment | None:
    return OrderComment.objects.filter(idempotency_key=key).first()


def invoice_email_again(*, invoice: Invoice, user: User, idempotency_key: str) -> EmailAgain:
    """E-mail `invoice` to the customer again with its PDF. Locks the order. Raises
    DomainError (permission denied: nothing written)."""
    _check_permission(user, invoice.order)
    with transaction.atomic(durable=True):
        order, _payments = lock_order_and_payments(invoice.order_id)
        if (done := _already(idempotency_key)) is not None:
            return EmailAgain(comment=done, repeated=True)
        comment = comment_invoice(
            order=order,
            invoice=invoice,
            author=user,
            body=f"Invoice #{invoice.number} e-mailed to the customer ({order.customer_email}) "
            "again, with its PDF.",
            is_customer_notified=True,
            idempotency_key=idempotency_key,
        )
        enqueue_with_transaction(email_invoice_pdf, invoice.pk)
    return EmailAgain(comment=comment)


def credit_memo_email_again(*, memo: CreditMemo, user: User, idempotency_key: str) -> EmailAgain:
    """E-mail `memo` to the customer again with its PDF. Locks the order. Raises DomainError
    (permission denied, or the memo was not refunded: nothing written)."""
    _check_permission(user, memo.order)
    with transaction.atomic(durable=True):
        order, _payments = lock_order_and_payments(memo.order_id)
        if (done := _already(idempotency_key)) is not None:
            return EmailAgain(comment=done, repeated=True)
        memo = CreditMemo.objects.select_related("invoice").get(pk=memo.pk)
        if refusal := credit_memo_email_refusal(memo):
            raise DomainError(ErrorCode.NOT_AVAILABLE, refusal)
        comment = comment_credit_memo(
            order=order,
            credit_memo=memo,
            author=user,
            body=f"Credit memo #{memo.number} e-mailed to the customer ({order.customer_email}) "
            "again, with its PDF.",
            is_customer_notified=True,
            idempotency_key=idempotency_key,
        )
        enqueue_with_transaction(email_credit_memo_pdf, memo.pk)
    return EmailAgain(comment=comment)
