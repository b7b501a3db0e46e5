"""Orders owing money, and payment links on them, for the payment link tests."""

import re

from django.core import mail

from orders.models import Order, PaymentLink
from orders.payment_link_tokens import link_path
from orders.services.payment_links import payment_link_create
from tests.orders.invoice_helpers import authorizations, order_with_items
from tests.orders.view_helpers import staff_user

APPROVED = "4242 4242 4242 4242"
DECLINED = "4000 0000 0000 0002"


def owing_order(**fields) -> Order:
    """The Medusa case after an edit: a $122.00 order with one $61.00 sandbox authorization,
    so $61.00 is outstanding."""
    order, _item = order_with_items(**fields)
    authorizations(order, 6100)
    return Order.objects.select_related("store").get(pk=order.pk)


def finance_user(username: str = "fin", **kwargs):
    return staff_user("view_orders", "mark_as_paid", username=username, **kwargs)


def make_link(order: Order, user=None) -> PaymentLink:
    return payment_link_create(order=order, user=user or finance_user("maker")).link


def card(number: str = APPROVED, **overrides: str) -> dict[str, str]:
    return {"holder": "Ann Lee", "number": number, "expiry": "12/39", "cvc": "123", **overrides}


def pay_path(link: PaymentLink) -> str:
    return link_path(link)


def mailed_url() -> str:
    [message] = mail.outbox
    found = re.search(r"https?://\S+/pay/\S+/", message.body)
    assert found, message.body
    return found.group(0)
