"""expire_approval_requests: four-eyes requests nobody decided in time are closed by the command
(pages only show them as expired), with their history line, under the order lock."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.approvals import services
from orders.enums import CreditMemoState
from orders.models import ApprovalRequest, ApprovalState, CreditMemo, Order, OrderComment
from orders.services.approval_requests import when_text
from tests.backoffice.roles_helpers import (
    HX,
    approve_url,
    capture_of,
    captured,
    eu_store,
    key,
    refund_on_transaction_page,
    role_user,
    snapshot,
)
from tests.batch_helpers import run
from tests.factories import StoreFactory, reason_pk

pytestmark = pytest.mark.django_db
COMMAND = "expire_approval_requests"


@pytest.fixture
def store():
    return eu_store(threshold=50000)  # €500.00


@pytest.fixture
def finance():
    return role_user("finance")


def ask_refund(client, user, capture, amount: str = "600.00") -> ApprovalRequest:
    client.force_login(user)
    response = refund_on_transaction_page(client, capture, amount)
    assert response.status_code == 200, response.content
    return ApprovalRequest.objects.select_related("store", "order").get(transaction=capture)


def overdue(approval: ApprovalRequest, *, by: timedelta = timedelta(minutes=1)) -> ApprovalRequest:
    ApprovalRequest.objects.filter(pk=approval.pk).update(expires_at=timezone.now() - by)
    return ApprovalRequest.objects.select_related("store", "order").get(pk=approval.pk)


def history(order: Order) -> list[str]:
    return list(
        OrderComment.objects.filter(order=order).order_by("id").values_list("body", flat=True)
    )


def test_the_command_closes_an_overdue_request_with_its_history_line(client, finance, store):
    capture = capture_of(captured(100000, store=store))
    approval = overdue(ask_refund(client, finance, capture))
    ended = when_text(approval.expires_at, store)

    result = run(COMMAND)

    assert result.code == 0, result.text
    approval.refresh_from_db()
    assert (approval.state, approval.reason) == (ApprovalState.EXPIRED, f"not decided by {ended}")
    assert (approval.decided_by, approval.decided_by_label) == (None, "")
    assert approval.decided_at is not None
    assert history(capture.order)[-1] == (
        "Refund of €600.00 requested by Finance (finance) expired without a decision: "
        f"not decided by {ended}."
    )
    comment = OrderComment.objects.filter(order=capture.order).latest("id")
    assert (comment.transaction, comment.author) == (capture, None)
    number = capture.order.number
    assert result.out.splitlines() == [
        f"#{number} (eu) request {approval.pk}: Refund of €600.00 requested by Finance (finance)"
        f": expired (not decided by {ended}).",
        "1 approval request(s) expired on 1 order(s).",
    ]


def test_a_second_run_finds_nothing_and_a_request_still_running_is_left_alone(
    client, finance, store
):
    old = overdue(ask_refund(client, finance, capture_of(captured(100000, store=store))))
    fresh = ask_refund(client, finance, capture_of(captured(100000, store=store)))

    assert run(COMMAND).out.splitlines()[-1] == "1 approval request(s) expired on 1 order(s)."
    second = run(COMMAND)

    assert (second.code, second.out) == (0, "0 approval request(s) expired on 0 order(s).\n")
    states = dict(ApprovalRequest.objects.values_list("pk", "state"))
    assert states == {old.pk: ApprovalState.EXPIRED, fresh.pk: ApprovalState.AWAITING}
    assert OrderComment.objects.filter(body__contains="expired without a decision").count() == 1


def test_dry_run_lists_the_overdue_requests_and_writes_nothing(client, finance, store):
    approval = overdue(ask_refund(client, finance, capture_of(captured(100000, store=store))))
    before = snapshot()

    result = run(COMMAND, "--dry-run")

    assert result.code == 0, result.text
    assert snapshot() == before
    assert ApprovalRequest.objects.get(pk=approval.pk).state == ApprovalState.AWAITING
    assert f"request {approval.pk}: Refund of €600.00" in result.out
    assert ": would expire (not decided by " in result.out
    assert result.out.splitlines()[-1] == (
        "Dry run: 1 approval request(s) past their expiry would be closed; nothing was written."
    )


def test_store_and_limit_choose_what_is_closed(client, finance, store):
    us = StoreFactory(code="us", currency="USD", name="United States")
    us.refund_approval_threshold = 50000
    us.save()
    eu_first = overdue(
        ask_refund(client, finance, capture_of(captured(100000, store=store))),
        by=timedelta(hours=2),
    )
    eu_second = overdue(ask_refund(client, finance, capture_of(captured(100000, store=store))))
    in_us = overdue(ask_refund(client, finance, capture_of(captured(100000, store=us))))

    only_us = run(COMMAND, "--store", "us")
    one_of_eu = run(COMMAND, "--store", "eu", "--limit", "1")

    assert only_us.out.splitlines()[-1] == "1 approval request(s) expired on 1 order(s)."
    assert one_of_eu.out.splitlines()[-1] == "1 approval request(s) expired on 1 order(s)."
    states = dict(ApprovalRequest.objects.values_list("pk", "state"))
    assert states == {
        in_us.pk: ApprovalState.EXPIRED,
        eu_first.pk: ApprovalState.EXPIRED,  # the first to expire goes first
        eu_second.pk: ApprovalState.AWAITING,
    }


def test_an_unknown_store_is_said_and_nothing_is_done(client, finance, store):
    overdue(ask_refund(client, finance, capture_of(captured(100000, store=store))))

    result = run(COMMAND, "--store", "nowhere")

    assert result.code == 0
    assert "No store has the code 'nowhere'" in result.err
    assert ApprovalRequest.objects.get().state == ApprovalState.AWAITING


def test_an_expired_credit_memo_request_cancels_its_memo(client, finance, store):
    order = capture_of(captured(100000, store=store)).order
    client.force_login(finance)
    data = {
        "amount": "600.00",
        "note": "Late delivery",
        "reason": reason_pk(order.store_id, "goodwill"),
        "version": Order.objects.get(pk=order.pk).version,
        "idempotency_key": key(),
    }
    client.post(reverse("orders:refund_offline", args=[order.number]), data, headers=HX)
    approval = overdue(ApprovalRequest.objects.get(order=order))

    assert run(COMMAND).code == 0

    memo = CreditMemo.objects.get(order=order)
    assert ApprovalRequest.objects.get(pk=approval.pk).state == ApprovalState.EXPIRED
    assert memo.state == CreditMemoState.CANCELED
    canceled = f"Credit memo #{memo.number} is canceled: its refund was not approved in time."
    assert any(canceled in line for line in history(order))


def test_a_request_decided_meanwhile_is_not_expired_again(client, finance, store, monkeypatch):
    """Read again under the lock: one decided between the list and the lock stays decided."""
    approval = overdue(ask_refund(client, finance, capture_of(captured(100000, store=store))))
    listed = list(services.approval_requests_due(now=timezone.now()))
    ApprovalRequest.objects.filter(pk=approval.pk).update(state=ApprovalState.REJECTED)
    monkeypatch.setattr(services, "approval_requests_due", lambda **kwargs: listed)

    closed = services.approval_requests_expire_due(now=timezone.now())

    assert (closed.expired, closed.failed) == ([], [])
    assert ApprovalRequest.objects.get(pk=approval.pk).state == ApprovalState.REJECTED


def test_an_order_that_fails_is_reported_and_the_others_are_closed(
    client, finance, store, monkeypatch
):
    broken = overdue(ask_refund(client, finance, capture_of(captured(100000, store=store))))
    other = overdue(ask_refund(client, finance, capture_of(captured(100000, store=store))))
    expire = services._expire

    def failing(row, order, now):
        if row.pk == broken.pk:
            raise RuntimeError("the disk is full")
        return expire(row, order, now)

    monkeypatch.setattr(services, "_expire", failing)

    result = run(COMMAND)

    assert result.code == 1
    assert f"request {broken.pk}: " in result.err and "RuntimeError: the disk is full" in result.err
    assert result.out.splitlines()[-1] == (
        "1 approval request(s) expired on 1 order(s); 1 could not be closed."
    )
    states = dict(ApprovalRequest.objects.values_list("pk", "state"))
    assert states == {broken.pk: ApprovalState.AWAITING, other.pk: ApprovalState.EXPIRED}


def test_approving_an_overdue_request_still_expires_it_under_the_lock(client, finance, store):
    approval = overdue(ask_refund(client, finance, capture_of(captured(100000, store=store))))
    client.force_login(role_user("manager"))

    response = client.post(approve_url(approval), headers=HX)

    assert "ask for it again" in response.text
    assert ApprovalRequest.objects.get(pk=approval.pk).state == ApprovalState.EXPIRED
    assert run(COMMAND).out == "0 approval request(s) expired on 0 order(s).\n"
