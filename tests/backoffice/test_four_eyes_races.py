"""Two managers deciding one request at the same moment (PostgreSQL row locks)."""

import pytest

from orders.approvals.services import (
    ApprovalOutcome,
    ApprovalRefused,
    approval_approve,
    approval_reject,
)
from orders.models import ApprovalRequest, ApprovalState
from orders.services.approval_requests import transaction_refund_request
from payments.models import Transaction
from tests.backoffice.roles_helpers import T, capture_of, captured, eu_store, key, role_user
from tests.concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def awaiting_refund(amount: int = 60000) -> ApprovalRequest:
    capture = capture_of(captured(100000, store=eu_store(threshold=50000)))
    return transaction_refund_request(
        transaction=capture,
        user=role_user("finance"),
        online=True,
        amount=amount,
        idempotency_key=key(),
    )


def test_two_managers_approving_at_once_refund_once():
    approval = awaiting_refund()
    managers = [role_user("manager", username=f"manager{i}") for i in range(4)]

    results = run_concurrently(
        [lambda m=m: approval_approve(approval=approval, user=m) for m in managers]
    )

    approved = [r for r in results if isinstance(r, ApprovalOutcome) and r.ok]
    refused = [r for r in results if isinstance(r, ApprovalRefused)]
    assert (len(approved), len(refused)) == (1, 3), results
    assert all("already approved" in r.message for r in refused)
    refund = Transaction.objects.get(type=T.REFUND)
    assert (refund.amount, refund.status) == (60000, "success")


def test_an_approval_racing_a_rejection_does_one_of_them():
    approval = awaiting_refund()
    approver, rejecter = role_user("manager", username="m1"), role_user("manager", username="m2")

    results = run_concurrently(
        [
            lambda: approval_approve(approval=approval, user=approver),
            lambda: approval_reject(approval=approval, user=rejecter, reason="No"),
        ]
    )

    assert sum(isinstance(r, ApprovalRefused) for r in results) == 1, results
    state = ApprovalRequest.objects.get(pk=approval.pk).state
    refunds = Transaction.objects.filter(type=T.REFUND).count()
    assert (state, refunds) in {(ApprovalState.APPROVED, 1), (ApprovalState.REJECTED, 0)}
