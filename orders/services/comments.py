"""Staff comments on an order, and who may write them."""

import logging
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from backoffice.errors import DomainError, ErrorCode
from backoffice.models import Store
from backoffice.permissions import permission_reason, store_permissions
from backoffice.tasks import enqueue_with_transaction
from orders.history import comment_note
from orders.models import Order, OrderComment
from orders.services.emails import email_comment

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
            # A task enqueued with this transaction: sent (and retried) only once it commits.
            enqueue_with_transaction(email_comment, comment.pk)
    return comment
