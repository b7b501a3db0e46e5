"""The payment link e-mail: a task (`django.tasks`), enqueued when the staff's Send commits."""

import logging

from django.core.mail import EmailMessage
from django.tasks import task
from django.template.loader import render_to_string

from backoffice.display import displaying
from backoffice.tasks import retry_later
from orders.models import PaymentLink
from orders.payment_link_tokens import link_url

logger = logging.getLogger(__name__)


def payment_link_email_customer(*, link: PaymentLink, base_url: str) -> None:
    order = link.order
    context = {
        "link": link,
        "order": order,
        "store": order.store,
        "url": link_url(link, fallback_base=base_url),
    }
    EmailMessage(
        subject=f"{order.store.name}: pay the amount due on your order #{order.number}",
        body=render_to_string("emails/payment_link.txt", context),
        to=[order.customer_email],
    ).send()
    logger.info("Emailed payment link %s to the customer of order %s", link.pk, order.number)


@task()
def email_payment_link(link_id: int, base_url: str = "", attempt: int = 1) -> None:
    from django.conf import settings

    try:
        with displaying():
            payment_link_email_customer(
                link=PaymentLink.objects.select_related("order__store").get(pk=link_id),
                base_url=base_url,
            )
    except Exception:
        if attempt >= settings.EMAIL_TASK_MAX_ATTEMPTS:
            logger.exception("Payment link e-mail %s gave up after %s attempts", link_id, attempt)
            raise
        retry_later(email_payment_link, link_id, base_url, attempt=attempt)
        raise
