"""Customer e-mails are background tasks enqueued with the change: sent once it commits, never
when it rolls back, retried when the mail server fails."""

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django.db import transaction

from orders.models import OrderComment
from orders.services.comments import order_comment_add
from tests.factories import OrderFactory
from tests.payments.money_helpers import staff

pytestmark = pytest.mark.django_db


class FlakyBackend(EmailBackend):
    """The locmem backend behind a mail server that refuses the first `failures` sends."""

    failures = 0

    def send_messages(self, messages):
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise ConnectionRefusedError("mail server down")
        return super().send_messages(messages)


def comment(order, author, body="Your parcel left the warehouse."):
    return order_comment_add(
        order=order, author=author, body=body, notify_customer=True, visible_on_front=True
    )


def test_the_email_goes_out_only_once_the_transaction_commits(
    django_capture_on_commit_callbacks, mailoutbox
):
    order, author = OrderFactory(), staff("support")

    with django_capture_on_commit_callbacks(execute=True) as enqueued, transaction.atomic():
        comment(order, author)
        assert mailoutbox == []  # not before the commit

    assert len(enqueued) == 1
    assert [m.to for m in mailoutbox] == [[order.customer_email]]
    assert "Your parcel left the warehouse." in mailoutbox[0].body


def test_a_rolled_back_change_sends_nothing(django_capture_on_commit_callbacks, mailoutbox):
    order, author = OrderFactory(), staff("support")

    with (
        django_capture_on_commit_callbacks(execute=True) as enqueued,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        comment(order, author)
        raise RuntimeError("something later in the same transaction failed")

    assert enqueued == [] and mailoutbox == []
    assert not OrderComment.objects.filter(body="Your parcel left the warehouse.").exists()


def test_a_failed_send_is_retried(django_capture_on_commit_callbacks, mailoutbox, settings):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FlakyBackend"}}
    FlakyBackend.failures = 2
    order, author = OrderFactory(), staff("support")

    with django_capture_on_commit_callbacks(execute=True):
        comment(order, author)

    assert len(mailoutbox) == 1 and FlakyBackend.failures == 0


def test_after_the_last_attempt_the_email_is_given_up(
    django_capture_on_commit_callbacks, mailoutbox, settings
):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FlakyBackend"}}
    settings.EMAIL_TASK_MAX_ATTEMPTS = 3
    FlakyBackend.failures = 10
    order, author = OrderFactory(), staff("support")

    with django_capture_on_commit_callbacks(execute=True):
        saved = comment(order, author)

    assert mailoutbox == [] and FlakyBackend.failures == 7  # three attempts, then none
    assert OrderComment.objects.filter(pk=saved.pk).exists()  # the comment itself stays
