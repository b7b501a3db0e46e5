"""Staff comments on an order, and who may write them."""

import logging
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from backoffice.errors import DomainError, ErrorCode
from backoffice.models import Store
from backoffice.permissions import permission_reason, store_permissions
from orders.history import comment_note
from orders.models import Order, OrderComment

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommentAccess:
    """What a user may do in the comment form of one store's orders.

    The same answer disables the form (with `reason`) and guards the POST, so they can't
    disagree. Both come from the per-request permissions (`store_permissions`): no query.
    """

    can_comment: bool
    can_notify: bool
    store: Store

    @property
    def reason(self) -> str:
        return "" if self.can_comment else permission_reason("comment_order", store=self.store)

    @property
    def notify_reason(self) -> str:
        if self.can_notify:
            return ""
        return permission_reason("notify_customer", store=self.store)

    def check(self, *, notify_customer: bool) -> None:
        """Raises DomainError (PERMISSION_DENIED) with the reason the form shows."""
        if not self.can_comment:
            raise DomainError(ErrorCode.PERMISSION_DENIED, self.reason)
        if notify_customer and not self.can_notify:
            raise DomainError(ErrorCode.PERMISSION_DENIED, self.notify_reason)


def comment_access(*, user: User, store: Store) -> CommentAccess:
    held = store_permissions(user).codenames(store)
    can_comment = "comment_order" in held
    return CommentAccess(
        can_comment=can_comment,
        can_notify=can_comment and "notify_customer" in held,
        store=store,
    )


def order_comment_add(
    *,
    order: Order,
    author: User | None,
    body: str,
    notify_customer: bool,
    visible_on_front: bool,
) -> OrderComment:
    """Append a staff note to the order's history; email the customer after commit if asked.

    The email waits for the commit so a rolled-back comment never reaches the customer.
    Callers check permission first (`comment_access(...).check(...)`).
    """
    with transaction.atomic():
        comment = comment_note(
            order=order,
            author=author,
            body=body.strip(),
            is_customer_notified=notify_customer,
            is_visible_on_front=visible_on_front,
        )
        if notify_customer:
            # robust: a mail server outage must not turn a saved comment into an error page.
            transaction.on_commit(
                lambda: _email_customer(order=order, comment=comment), robust=True
            )
    return comment


def _email_customer(*, order: Order, comment: OrderComment) -> None:
    context = {"order": order, "comment": comment, "store": order.store}
    send_mail(
        subject=f"{order.store.name}: update on your order #{order.number}",
        message=render_to_string("emails/order_comment.txt", context),
        from_email=None,
        recipient_list=[order.customer_email],
    )
    logger.info("Emailed comment %s to the customer of order %s", comment.pk, order.number)
