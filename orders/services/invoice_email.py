"""Email Copy of Invoice: who may ask for it, and the email the customer gets.

The New Invoice form offers the checkbox with `email_copy_availability` (disabled with the
reason when the permission is missing); `invoice_create` checks the same answer under the lock
and sends the email once its transaction commits.
"""

import logging

from django.contrib.auth.models import User
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from backoffice.availability import Availability, allowed, permission_missing
from backoffice.permissions import permission_reason, store_permissions
from orders.models import Invoice, Order

logger = logging.getLogger(__name__)

EMAIL_COPY = "Email Copy of Invoice"

# A file attached to a customer e-mail: its name, its bytes, its content type.
Attachment = tuple[str, bytes, str]


def email_copy_availability(*, user: User | None, order: Order) -> Availability:
    """Email Copy of Invoice writes to the customer: the Notify the customer permission."""
    if user is None or store_permissions(user).has("notify_customer", order.store):
        return allowed("email_copy", EMAIL_COPY)
    reason = permission_reason("notify_customer", store=order.store)
    return permission_missing("email_copy", EMAIL_COPY, reason)


def invoice_email_customer(*, invoice: Invoice, attachment: Attachment | None = None) -> None:
    """Send the invoice to the customer (with its PDF, `attachment`, when e-mailed again from
    the invoice page). Call it after the commit (`transaction.on_commit`), so a rolled-back
    invoice never reaches them."""
    order = invoice.order
    context = {"invoice": invoice, "order": order, "store": order.store}
    message = EmailMessage(
        subject=f"{order.store.name}: invoice #{invoice.number} for your order #{order.number}",
        body=render_to_string("emails/invoice.txt", context),
        to=[order.customer_email],
    )
    if attachment is not None:
        message.attach(*attachment)
    message.send()
    logger.info("Emailed invoice %s to the customer of order %s", invoice.number, order.number)
