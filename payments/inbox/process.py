"""Processing the inbox in background tasks (`django.tasks`): one task per event.

`process_inbound_event` locks the event row, applies it (`apply.apply_event`) and records the
outcome in the same transaction as the ledger row it writes, so an event is never applied
twice nor marked processed without its row. Outcomes:
- processed: the row is written (or the ledger already held it); events of the same payment
  that were waiting for it are enqueued again at once (a refund waiting for its capture);
- retry: the event doesn't fit yet (`NotYet`) or processing crashed; it is tried again after
  1, 2, 4… minutes (`backoffice.tasks.backoff`) — a deferred task with the database backend,
  and `manage.py process_inbox` sweeps whatever is due — then, after
  `settings.INBOX_MAX_ATTEMPTS`, failed;
- failed: for a person to look at (the inbox page's Retry enqueues it again).
"""

import logging

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from backoffice.errors import DomainError, ErrorCode
from backoffice.tasks import backoff, enqueue_with_transaction
from payments.inbox.apply import Applied, NotYet, Unprocessable, apply_event
from payments.inbox_models import InboundEvent, InboundEventStatus

logger = logging.getLogger("payments.inbox")
Status = InboundEventStatus


@task()
def process_inbound_event(event_pk: int) -> str:
    """The background task: apply one inbound event; returns its status."""
    return inbox_event_process(event_pk=event_pk)


def enqueue_event(event: InboundEvent) -> None:
    """Process `event` in the background once the caller's transaction commits (its row is
    in that transaction with the database backend)."""
    enqueue_with_transaction(process_inbound_event, event.pk)


def inbox_event_process(*, event_pk: int) -> str:
    """Apply one open event (locks it; a closed one is left alone). Returns its status."""
    try:
        with transaction.atomic(durable=True):
            event = (
                InboundEvent.objects.select_for_update(of=("self",))
                .select_related("account")
                .get(pk=event_pk)
            )
            if not event.is_open:
                return event.status
            _process_locked(event)
            return event.status
    except Exception as error:  # a bug or the database: the event waits for another try
        logger.exception("Processing inbound event %s failed", event_pk)
        return _record_crash(event_pk, error)


def _process_locked(event: InboundEvent) -> None:
    event.attempts += 1
    try:
        applied = apply_event(event)
    except Unprocessable as why:
        _fail(event, why.message)
    except (NotYet, DomainError) as why:
        _wait(event, why.message)
    else:
        _done(event, applied)
    event.save()
    if event.status == Status.PROCESSED:
        _wake_waiting(event)


def _done(event: InboundEvent, applied: Applied) -> None:
    event.status = Status.PROCESSED
    event.outcome = applied.message
    event.transaction = applied.transaction
    event.processed_at = timezone.now()
    event.next_attempt_at = None
    event.last_error = ""


def _fail(event: InboundEvent, message: str) -> None:
    event.status = Status.FAILED
    event.last_error = message
    event.outcome = f"Failed: {message}"
    event.next_attempt_at = None


def _wait(event: InboundEvent, message: str) -> None:
    """Try again later, or fail once out of attempts."""
    if event.attempts >= settings.INBOX_MAX_ATTEMPTS:
        _fail(event, f"{message} (gave up after {event.attempts} attempts)")
        return
    event.status = Status.RETRY
    event.last_error = message
    event.outcome = f"Waiting to retry: {message}"
    event.next_attempt_at = timezone.now() + backoff(event.attempts)
    if process_inbound_event.get_backend().supports_defer:
        # A deferred task in this transaction (the database backend); with others, the sweep
        # (`process_inbox`), a Retry or the event it waits for enqueues it again.
        later = process_inbound_event.using(run_after=event.next_attempt_at)
        enqueue_with_transaction(later, event.pk)


def _wake_waiting(event: InboundEvent) -> None:
    """Events of the same payment that waited (for this one, maybe): try them now."""
    waiting = InboundEvent.objects.filter(
        account_id=event.account_id,
        payment_reference=event.payment_reference,
        status=Status.RETRY,
    ).exclude(pk=event.pk)
    for other in waiting.order_by("sequence", "pk"):
        enqueue_event(other)


def _record_crash(event_pk: int, error: Exception) -> str:
    with transaction.atomic():
        event = InboundEvent.objects.select_for_update().get(pk=event_pk)
        if not event.is_open:
            return event.status
        event.attempts += 1
        _wait(event, f"Unexpected error: {error}")
        event.save()
        return event.status


def inbox_event_retry(*, event: InboundEvent, actor: User) -> InboundEvent:
    """A person's Retry (the inbox page): a failed or waiting event gets a fresh set of
    attempts and is enqueued now. Processed and ignored events stay as they are."""
    with transaction.atomic():
        locked = InboundEvent.objects.select_for_update().get(pk=event.pk)
        if locked.status not in {Status.FAILED, Status.RETRY, Status.RECEIVED}:
            raise DomainError(
                ErrorCode.NOT_AVAILABLE, f"This event is {locked.get_status_display().lower()}."
            )
        locked.status = Status.RETRY
        locked.attempts = 0
        locked.next_attempt_at = timezone.now()
        locked.outcome = f"Retry asked by {actor.get_username()}."
        locked.save()
        enqueue_event(locked)
    return locked


def inbox_sweep() -> int:
    """Enqueue every event that is due: waiting to retry past its time, or received more than
    a minute ago without a task having taken it (`manage.py process_inbox`, from cron)."""
    at = timezone.now()
    due = InboundEvent.objects.filter(status=Status.RETRY, next_attempt_at__lte=at) | (
        InboundEvent.objects.filter(status=Status.RECEIVED, received_at__lte=at - backoff(1))
    )
    count = 0
    for event in due.order_by("sequence", "pk"):
        enqueue_event(event)
        count += 1
    return count
