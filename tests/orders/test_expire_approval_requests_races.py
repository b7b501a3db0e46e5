"""The expire_approval_requests service racing itself and a decision (PostgreSQL row locks)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.approvals.services import (
    ApprovalOutcome,
    ApprovalRefused,
    ExpiredRun,
    approval_reject,
    approval_requests_expire_due,
)
from orders.models import ApprovalRequest, ApprovalState, OrderComment
from orders.services.approval_requests import transaction_refund_request
from tests.backoffice.roles_helpers import capture_of, captured, eu_store, key, role_user
from tests.concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_runs_and_a_rejection_racing_on_an_overdue_request_close_it_once():
    capture = capture_of(captured(100000, store=eu_store(threshold=50000)))
    approval = transaction_refund_request(
        transaction=capture,
        user=role_user("finance"),
        online=True,
        amount=60000,
        idempotency_key=key(),
    )
    ApprovalRequest.objects.filter(pk=approval.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    manager = role_user("manager")

    results = run_concurrently(
        [lambda: approval_requests_expire_due(now=timezone.now()) for _ in range(3)]
        + [lambda: approval_reject(approval=approval, user=manager, reason="No")]
    )

    runs, rejection = results[:3], results[3]
    assert all(isinstance(r, ExpiredRun) and not r.failed for r in runs), results
    closed = sum(len(r.expired) for r in runs)
    if isinstance(rejection, ApprovalOutcome):  # the rejection got the lock first: expired it
        assert (closed, rejection.ok) == (0, False), results
    else:
        assert isinstance(rejection, ApprovalRefused) and closed == 1, results
    assert ApprovalRequest.objects.get(pk=approval.pk).state == ApprovalState.EXPIRED
    expired = OrderComment.objects.filter(body__contains="expired without a decision")
    assert expired.count() == 1
