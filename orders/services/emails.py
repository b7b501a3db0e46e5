"""Customer e-mails as background tasks (`django.tasks`): the invoice copy, the credit memo
copy (each also e-mailed again from its page, with its PDF), a comment the customer is
notified of.

Services enqueue them with `backoffice.tasks.enqueue_with_transaction`, in the transaction that
makes the change: a rolled-back invoice never e-mails anyone, a committed one always does (the
task row commits with it on the database backend). A failed send (the mail server is down) is
retried after 1, 2, 4… minutes, `settings.EMAIL_TASK_MAX_ATTEMPTS` times in all. The task reads
the document again when it runs, by id.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.db.models import Prefetch
from django.tasks import Task, task
from django.template.loader import render_to_string

from backoffice.display import displaying
from backoffice.tasks import retry_later
from orders.document_pdf import PDF_CONTENT_TYPE, credit_memos_pdf, invoices_pdf, pdf_filename
from orders.invoice_selectors import credit_memos_for_print, invoices_for_print
from orders.models import CreditMemo, CreditMemoItem, Invoice, OrderComment
from orders.services.invoice_email import invoice_email_customer

logger = logging.getLogger(__name__)


def _with_retries(this: Task[..., None], send: Callable[[], None], pk: int, attempt: int) -> None:
    try:
        with displaying():  # the customer's e-mail: the store's formats, whoever enqueued it
            send()
    except Exception:
        if attempt >= settings.EMAIL_TASK_MAX_ATTEMPTS:
            logger.exception("E-mail task %s(%s) gave up after %s attempts", this.name, pk, attempt)
            raise
        logger.warning("E-mail task %s(%s) failed, attempt %s", this.name, pk, attempt)
        retry_later(this, pk, attempt=attempt)
        raise


@task()
def email_invoice(invoice_id: int, attempt: int = 1) -> None:
    def send() -> None:
        invoice_email_customer(
            invoice=Invoice.objects.select_related("order__store").get(pk=invoice_id)
        )

    _with_retries(email_invoice, send, invoice_id, attempt)


@task()
def email_credit_memo(memo_id: int, attempt: int = 1) -> None:
    _with_retries(email_credit_memo, lambda: credit_memo_email_customer(memo_id), memo_id, attempt)


@task()
def email_invoice_pdf(invoice_id: int, attempt: int = 1) -> None:
    """The invoice e-mailed again from its page (Send Email), with the invoice as a PDF."""

    def send() -> None:
        [invoice] = invoices_for_print(Invoice.objects.filter(pk=invoice_id))
        pdf = invoices_pdf([invoice])
        attachment = (pdf_filename("invoice", invoice.number), pdf, PDF_CONTENT_TYPE)
        invoice_email_customer(invoice=invoice, attachment=attachment)

    _with_retries(email_invoice_pdf, send, invoice_id, attempt)


@task()
def email_credit_memo_pdf(memo_id: int, attempt: int = 1) -> None:
    """The credit memo e-mailed again from its page (Send Email), with the memo as a PDF."""

    def send() -> None:
        credit_memo_email_customer(memo_id, with_pdf=True)

    _with_retries(email_credit_memo_pdf, send, memo_id, attempt)


@task()
def email_comment(comment_id: int, attempt: int = 1) -> None:
    _with_retries(email_comment, lambda: comment_email_customer(comment_id), comment_id, attempt)


def credit_memo_email_customer(memo_id: int, *, with_pdf: bool = False) -> None:
    memo = (
        CreditMemo.objects.select_related("order__store", "invoice")
        .prefetch_related(
            Prefetch("items", queryset=CreditMemoItem.objects.select_related("order_item"))
        )
        .get(pk=memo_id)
    )
    order = memo.order
    context = {"memo": memo, "order": order, "store": order.store}
    message = EmailMessage(
        subject=f"{order.store.name}: refund for your order #{order.number}",
        body=render_to_string("emails/credit_memo.txt", context),
        to=[order.customer_email],
    )
    if with_pdf:
        [printed] = credit_memos_for_print(CreditMemo.objects.filter(pk=memo_id))
        pdf = credit_memos_pdf([printed])
        message.attach(pdf_filename("credit-memo", memo.number), pdf, PDF_CONTENT_TYPE)
    message.send()
    logger.info("Emailed credit memo %s to the customer of order %s", memo.number, order.number)


def comment_email_customer(comment_id: int) -> None:
    comment = OrderComment.objects.select_related("order__store").get(pk=comment_id)
    order = comment.order
    context = {"order": order, "comment": comment, "store": order.store}
    send_mail(
        subject=f"{order.store.name}: update on your order #{order.number}",
        message=render_to_string("emails/order_comment.txt", context),
        from_email=None,
        recipient_list=[order.customer_email],
    )
    logger.info("Emailed comment %s to the customer of order %s", comment.pk, order.number)
