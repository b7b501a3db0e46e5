"""What Hold, Unhold and Cancel do to one order of a mass action: what their buttons do.

The registry answers first, for the job's user on the order's own store: a missing permission
skips the row "not permitted", any other refusal skips it with the registry's reason ("the
order is already on hold"). The services re-check under the order lock.
"""

from collections.abc import Callable

from django.contrib.auth.models import User

from backoffice.availability import Availability, OperationUnavailable
from backoffice.batch.results import ItemResult, done, failed, skipped
from backoffice.errors import DomainError
from backoffice.job_models import Job
from orders.models import Order
from orders.operations import OrderOperation, order_operation_availability
from orders.services.order_cancel import order_cancel
from orders.services.order_documents import StaleOrder
from orders.services.state import order_hold, order_unhold

NOT_PERMITTED = "not permitted"
NOT_AVAILABLE = "not available"
CHANGED = "the order changed while the job ran; run the action again for it"


def row_key(job: Job, order: Order) -> str:
    """The idempotency key of this job's services for this order."""
    return f"mass:{job.pk}:{order.pk}"


def refusal(answer: Availability) -> ItemResult:
    if answer.is_permission:
        return skipped(NOT_PERMITTED, answer.reason)
    return skipped(NOT_AVAILABLE, answer.reason)


def refused(exc: DomainError) -> ItemResult:
    if isinstance(exc, OperationUnavailable):
        return refusal(exc.availability)
    if isinstance(exc, StaleOrder):
        return skipped("changed meanwhile", CHANGED)
    return failed("refused", exc.message)


def _user(job: Job) -> User:
    return job.created_by


def _state_change(
    job: Job,
    order: Order,
    operation: OrderOperation,
    service: Callable[..., Order],
    outcome: str,
    message: str,
) -> ItemResult:
    user = _user(job)
    answer = order_operation_availability(user=user, order=order, operation=operation)
    if not answer:
        return refusal(answer)
    try:
        service(order=order, actor=user, reason=f"Mass action (job {job.pk}).")
    except DomainError as exc:
        # Held or released by someone else since the registry answered (StateTransitionError).
        return skipped(NOT_AVAILABLE, exc.message)
    return done(outcome, message)


def hold_row(job: Job, order: Order) -> ItemResult:
    return _state_change(
        job, order, OrderOperation.HOLD, order_hold, "held", "The order is on hold."
    )


def unhold_row(job: Job, order: Order) -> ItemResult:
    return _state_change(
        job,
        order,
        OrderOperation.UNHOLD,
        order_unhold,
        "released",
        "The order is released from hold.",
    )


def cancel_row(job: Job, order: Order) -> ItemResult:
    user = _user(job)
    answer = order_operation_availability(user=user, order=order, operation=OrderOperation.CANCEL)
    if not answer:
        return refusal(answer)
    try:
        outcome = order_cancel(
            order=order,
            user=user,
            expected_version=order.version,
            idempotency_key=row_key(job, order),
        )
    except DomainError as exc:
        return refused(exc)
    if outcome.repeated:
        return skipped("already done", "an earlier run of this job canceled it")
    if outcome.failures:
        return failed("void declined", outcome.message())
    return done("canceled", outcome.message())
