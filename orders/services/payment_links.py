"""Payment links, staff side: make one for the order's Outstanding, e-mail it, revoke it.

"Copy payment link" is open to whoever may Edit orders or Mark as paid on the order's store:
like Mark as paid, a link collects the money an order still owes (finance), and an edit is
what usually makes an amount outstanding (managers). Each step locks the order first (as
every money writer does), re-checks under the lock and writes its history entry. The customer
side (paying) is `orders/services/payment_link_pay.py`.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from backoffice.availability import (
    Availability,
    Reason,
    allowed,
    ensure,
    permission_missing,
    unavailable,
)
from backoffice.errors import DomainError, ErrorCode
from backoffice.money import format_money
from backoffice.permissions import permission_reason, store_permissions
from backoffice.tasks import enqueue_with_transaction
from backoffice.users import user_label
from orders.enums import CommentKind
from orders.history import comment_payment_link
from orders.models import Order, PaymentLink
from orders.payment_link_selectors import LinkGateway, link_gateway, link_status
from orders.payment_link_tokens import new_nonce
from orders.services.payment_link_emails import email_payment_link
from payments.figures import OrderFigures, figures_of
from payments.locks import lock_order_and_payments

OPERATION = "payment_link"
LABEL = "Copy payment link"
PERMISSIONS = ("edit_order", "mark_as_paid")
NOTHING_OUTSTANDING = Reason("nothing is outstanding on this order", "")
NO_GATEWAY = Reason(
    "the order's gateway can't take a payment on a link", "Use Mark as paid instead."
)


def payment_link_availability(
    *, user: User, order: Order, figures: OrderFigures, gateway: LinkGateway | None
) -> Availability:
    """Whether `user` may make (copy, e-mail, revoke) payment links of the order now."""
    codenames = store_permissions(user).codenames(order.store)
    if not codenames.intersection(PERMISSIONS):
        return permission_missing(
            OPERATION, LABEL, permission_reason(*PERMISSIONS, store=order.store)
        )
    if (block := order.money_block()) is not None:
        return unavailable(OPERATION, LABEL, block)
    if figures.outstanding <= 0:
        return unavailable(OPERATION, LABEL, NOTHING_OUTSTANDING)
    if gateway is None:
        return unavailable(OPERATION, LABEL, NO_GATEWAY)
    return allowed(OPERATION, LABEL, max_amount=figures.outstanding, currency=order.currency)


def ensure_may_manage(*, user: User, order: Order) -> None:
    """The permission half of the rule, for revoking (a link may be revoked in any state)."""
    if not store_permissions(user).codenames(order.store).intersection(PERMISSIONS):
        raise DomainError(
            ErrorCode.PERMISSION_DENIED, permission_reason(*PERMISSIONS, store=order.store)
        )


@dataclass(frozen=True)
class LinkMade:
    link: PaymentLink
    created: bool  # False: the open link for this amount, handed out again


def payment_link_create(*, order: Order, user: User) -> LinkMade:
    """A link for the order's Outstanding (the open one for that amount when there is one)."""
    now = timezone.now()
    with transaction.atomic(durable=True):
        locked, payments = lock_order_and_payments(order.pk)
        figures = figures_of(locked, payments=payments, now=now)
        ensure(
            payment_link_availability(
                user=user, order=locked, figures=figures, gateway=link_gateway(locked, payments)
            )
        )
        for link in PaymentLink.objects.filter(order=locked, amount=figures.outstanding):
            if link_status(link, outstanding=figures.outstanding, now=now) == "open":
                return LinkMade(link, created=False)
        link = PaymentLink.objects.create(
            order=locked,
            nonce=new_nonce(),
            amount=figures.outstanding,
            currency=locked.currency,
            created_by=user,
            created_by_label=user_label(user),
            expires_at=now + timedelta(days=settings.PAYMENT_LINK_TTL_DAYS),
        )
        comment_payment_link(
            order=locked,
            author=user,
            body=f"Payment link for {_money(link)} made; it works until "
            f"{link.expires_at:%Y-%m-%d %H:%M} UTC unless the amount due changes.",
        )
    return LinkMade(link, created=True)


def payment_link_send(*, link: PaymentLink, user: User, base_url: str) -> PaymentLink:
    """E-mail the link to the customer (a task, sent when this commits)."""
    now = timezone.now()
    with transaction.atomic(durable=True):
        locked, payments = lock_order_and_payments(link.order_id)
        link = PaymentLink.objects.select_for_update().get(pk=link.pk)
        figures = figures_of(locked, payments=payments, now=now)
        ensure(
            payment_link_availability(
                user=user, order=locked, figures=figures, gateway=link_gateway(locked, payments)
            )
        )
        _ensure_open(link, figures.outstanding, now)
        link.last_sent_at = now
        link.save(update_fields=["last_sent_at"])
        comment_payment_link(
            order=locked,
            author=user,
            kind=CommentKind.EMAIL,
            body=f"Payment link for {_money(link)} e-mailed to {locked.customer_email}.",
            is_customer_notified=True,
        )
        enqueue_with_transaction(email_payment_link, link.pk, base_url)
    return link


def payment_link_revoke(*, link: PaymentLink, user: User) -> PaymentLink:
    """The link stops working now (a paid link stays paid)."""
    now = timezone.now()
    with transaction.atomic(durable=True):
        locked, _payments = lock_order_and_payments(link.order_id)
        ensure_may_manage(user=user, order=locked)
        link = PaymentLink.objects.select_for_update().get(pk=link.pk)
        if link.paid_at is not None:
            raise DomainError(ErrorCode.NOT_AVAILABLE, "This payment link is paid already.")
        if link.revoked_at is not None:
            return link  # a double submit: revoked once
        link.revoked_at, link.revoked_by = now, user
        link.save(update_fields=["revoked_at", "revoked_by"])
        comment_payment_link(
            order=locked, author=user, body=f"Payment link for {_money(link)} revoked."
        )
    return link


def _ensure_open(link: PaymentLink, outstanding: int, now: datetime) -> None:
    status = link_status(link, outstanding=outstanding, now=now)
    if status != "open":
        raise DomainError(
            ErrorCode.NOT_AVAILABLE, f"This payment link is {status}: make a new one."
        )


def _money(link: PaymentLink) -> str:
    return format_money(link.amount, link.currency)
