"""What the Django admin changed on an order, in the order's history with old and new values.

The admin may change only what is not money, state or identity (backoffice/admin_policy.py);
even that leaves a trace, as every other change to an order does.
"""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Model
from django.forms import BaseInlineFormSet, ModelForm

from backoffice.admin_policy import audit_log, changes_of, changes_sentence
from backoffice.audit.events import ADMIN_CHANGE, record_event
from orders.enums import CommentSource
from orders.history import comment_status
from orders.models import Order


def record_order_change(
    *, order: Order, user: User | AnonymousUser, form: ModelForm, what: Model | None = None
) -> None:
    """One history entry for what the admin form changed on the order (or on `what`)."""
    changes = changes_of(form)
    sentence = changes_sentence(changes)
    if not sentence:
        return
    subject = f"{what._meta.verbose_name} {what}" if what is not None else "order"
    _write(order, user, f"Changed in the Django admin ({subject}): {sentence}.", changes)


def record_address_changes(
    *, order: Order, user: User | AnonymousUser, formset: BaseInlineFormSet
) -> None:
    for form in formset.forms:
        if form.instance.pk is None or not form.has_changed():
            continue
        record_order_change(order=order, user=user, form=form, what=form.instance)


def _write(
    order: Order, user: User | AnonymousUser, body: str, changes: list[tuple[str, str, str]]
) -> None:
    author = user if isinstance(user, User) else None
    comment_status(order=order, body=body, author=author, source=CommentSource.ADMIN)
    record_event(
        type=ADMIN_CHANGE,
        user=user,
        obj=order,
        store_code=order.store.code,
        order_number=order.number,
        message=body,
        details={"changes": [list(change) for change in changes]},
    )
    audit_log.info(
        "admin change: order %s by %s: %s",
        order.number,
        getattr(user, "username", "?"),
        body,
        extra={"order": order.number, "user": str(user)},
    )
