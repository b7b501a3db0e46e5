"""Email Copy of Invoice: who may ask for it, and the email the customer gets.

The New Invoice form offers the checkbox with `email_copy_availability` (disabled with the
reason when the permission is missing); `invoice_create` checks the same answer under the lock
and sends the email once its transaction commits.
"""

import logging

from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.template.loader import render_to_string

from backoffice.availability import Availability, allowed, permission_missing
from backoffice.permissions import permission_reason, store_permissions
from orders.models import Invoice, Order

logger = logging.getLogger(__name__)

EMAIL_COPY = "Email Copy of Invoice"


def email_copy_availability(*, user: User | None, order: Order) -> Availability:
    """Email Copy of Invoice writes to the customer: the Notify the customer permission."""
    if user is None or store_permissions(user).has("notify_customer", order.store):
        return allowed("email_copy", EMAIL_COPY)
    reason = permission_reason("notify_customer", store=order.store)
    return permission_missing("email_copy", EMAIL_COPY, reason)


def invoice_email_customer(*, invoice: Invoice) -> None:
    """Send the invoice to the customer. Call it after the commit (`transaction.on_commit`), so
    a rolled-back invoice never reaches them."""
    order = invoice.order
    context = {"invoice": invoice, "order": order, "store": order.store}
    send_mail(
        subject=f"{order.store.name}: invoice #{invoice.number} for your order #{order.number}",
        message=render_to_string("emails/invoice.txt", context),
        from_email=None,
        recipient_list=[order.customer_email],
    )
    logger.info("Emailed invoice %s to the customer of order %s", invoice.number, order.number)
