"""Four-eyes: refunds and Mark as paid above the store's threshold wait for a second person."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from backoffice.audit.models import AuditEvent
from orders.approvals.services import approval_approve
from orders.enums import CreditMemoState
from orders.models import ApprovalRequest, ApprovalState, CreditMemo, Order, OrderComment
from orders.services.approval_requests import when_text
from payments.enums import TransactionStatus
from payments.models import Transaction
from payments.services import payment_chargeback
from tests.backoffice.roles_helpers import (
    HX,
    T,
    approve_url,
    capture_of,
    captured,
    eu_store,
    fresh,
    key,
    refund_on_transaction_page,
    reject_url,
    role_user,
    withdraw_url,
)
from tests.factories import OrderFactory, reason_pk

pytestmark = pytest.mark.django_db


def refunds(order: Order) -> list[Transaction]:
    return list(Transaction.objects.filter(order=order, type=T.REFUND))


def history(order: Order) -> list[str]:
    return list(
        OrderComment.objects.filter(order=order).order_by("id").values_list("body", flat=True)
    )


@pytest.fixture
def store():
    return eu_store(threshold=50000)  # €500.00


@pytest.fixture
def finance():
    return role_user("finance")


@pytest.fixture
def manager():
    return role_user("manager")


@pytest.fixture
def capture(store):
    return capture_of(captured(100000, store=store))


def ask_refund(client, user, capture, amount="600.00", **fields) -> ApprovalRequest:
    client.force_login(user)
    response = refund_on_transaction_page(client, capture, amount, **fields)
    assert response.status_code == 200, response.content
    return ApprovalRequest.objects.get()


# Asking --------------------------------------------------------------------------------------


def test_refund_above_the_threshold_waits_for_approval_and_moves_no_money(client, finance, capture):
    client.force_login(finance)

    response = refund_on_transaction_page(client, capture, "600.00", memo="Damaged parcel")

    assert "Refund of €600.00 is awaiting approval by a manager." in response.text
    assert refunds(capture.order) == []
    approval = ApprovalRequest.objects.get()
    assert approval.state == ApprovalState.AWAITING
    assert (approval.amount, approval.currency, approval.kind) == (60000, "EUR", "refund")
    assert approval.requested_by == finance
    assert approval.transaction == capture
    assert approval.expires_at == approval.requested_at + timedelta(hours=72)
    assert (
        "Refund of €600.00 requested by Finance (finance) awaits approval"
        in history(capture.order)[-1]
    )


def test_refund_at_or_below_the_threshold_runs_at_once(client, finance, capture):
    client.force_login(finance)

    refund_on_transaction_page(client, capture, "500.00")

    assert [r.amount for r in refunds(capture.order)] == [50000]
    assert not ApprovalRequest.objects.exists()


def test_a_manager_holding_approve_waits_too_above_the_threshold(client, manager, capture):
    """Nobody is exempt: a manager's own refund above the threshold needs another person."""
    client.force_login(manager)

    response = refund_on_transaction_page(client, capture, "600.00")

    assert "Refund of €600.00 is awaiting approval by a manager." in response.text
    assert refunds(capture.order) == []
    approval = ApprovalRequest.objects.get()
    assert (approval.requested_by, approval.state) == (manager, ApprovalState.AWAITING)
    assert client.post(approve_url(approval), headers=HX).status_code == 403
    client.force_login(role_user("manager", username="manager2"))
    client.post(approve_url(approval), headers=HX)
    assert [(r.amount, r.status, r.actor) for r in refunds(capture.order)] == [
        (60000, "success", manager)
    ]


def test_a_store_without_threshold_never_asks(client, finance):
    capture = capture_of(captured(100000, store=eu_store(threshold=None)))
    client.force_login(finance)

    refund_on_transaction_page(client, capture, "900.00")

    assert len(refunds(capture.order)) == 1


def test_submitting_the_same_form_twice_asks_once(client, finance, capture):
    client.force_login(finance)
    same = key()

    refund_on_transaction_page(client, capture, "600.00", idempotency_key=same)
    refund_on_transaction_page(client, capture, "600.00", idempotency_key=same)

    assert ApprovalRequest.objects.count() == 1


def test_asking_again_is_a_second_request_and_the_first_can_be_withdrawn(client, finance, capture):
    """Each form sent on Transaction Details is its own request (twenty small refunds must not
    replace each other: they all count); the requester withdraws the one not wanted."""
    first = ask_refund(client, finance, capture, "600.00")

    refund_on_transaction_page(client, capture, "700.00")
    client.post(withdraw_url(first), headers=HX)

    first.refresh_from_db()
    assert (first.state, first.decided_by) == (ApprovalState.WITHDRAWN, finance)
    assert ApprovalRequest.objects.get(state=ApprovalState.AWAITING).amount == 70000


# Approving -----------------------------------------------------------------------------------


def test_a_manager_approves_and_the_refund_runs_through_the_same_service(
    client, finance, manager, capture
):
    approval = ask_refund(client, finance, capture, merchant_reference="RMA-7")
    client.force_login(manager)

    response = client.post(approve_url(approval), headers=HX)

    assert response.status_code == 200
    approval.refresh_from_db()
    assert approval.state == ApprovalState.APPROVED
    assert approval.decided_by == manager
    [refund] = refunds(capture.order)
    assert (refund.amount, refund.status, refund.parent) == (60000, "success", capture)
    assert refund.merchant_reference == "RMA-7"
    # Run as asked: the requester's operation, with the request's one-time key.
    assert refund.actor == finance
    assert refund.idempotency_key == approval.idempotency_key
    lines = history(capture.order)
    assert any("was approved by Manager (manager)" in line for line in lines)
    assert "Approved." in response.text
    # The decision is in the audit stream too, with who decided and the outcome.
    event = AuditEvent.objects.filter(type="approval_decision").get()
    assert (event.user_id, event.outcome, event.order_number) == (
        manager.pk,
        "success",
        capture.order.number,
    )
    assert event.message.startswith("Request approved: Approved.")


def test_approving_twice_refunds_once(client, finance, manager, capture):
    approval = ask_refund(client, finance, capture)
    client.force_login(manager)

    client.post(approve_url(approval))
    response = client.post(approve_url(approval), headers=HX)

    assert response.status_code == 422
    assert "The request is already approved." in response.text
    assert len(refunds(capture.order)) == 1


def test_self_approval_is_refused_and_changes_nothing(client, finance, capture, store):
    approval = ask_refund(client, finance, capture)
    # Promoted after asking: holds the approve permission now, but it's still their request.
    assign_perm("backoffice.approve_refund", finance, store)
    client.force_login(finance)

    page = client.get(capture.order.get_absolute_url()).text
    response = client.post(approve_url(approval), headers=HX)

    assert "You cannot approve your own request." in page
    assert response.status_code == 403
    assert "You cannot approve your own request." in response.text
    approval.refresh_from_db()
    assert approval.state == ApprovalState.AWAITING
    assert refunds(capture.order) == []


def test_without_the_approve_permission_deciding_is_403(client, finance, capture):
    approval = ask_refund(client, finance, capture)
    other_finance = role_user("finance", username="finance2")
    client.force_login(other_finance)

    page = client.get(capture.order.get_absolute_url()).text
    approve = client.post(approve_url(approval))
    reject = client.post(reject_url(approval))

    assert "Requires the Approve refunds permission for store EU" in page
    assert (approve.status_code, reject.status_code) == (403, 403)
    approval.refresh_from_db()
    assert approval.state == ApprovalState.AWAITING


def test_approve_permission_on_another_store_does_not_count(client, finance, capture):
    approval = ask_refund(client, finance, capture)
    us_manager = role_user("manager", store=OrderFactory().store, username="manager_us")
    client.force_login(us_manager)

    assert client.post(approve_url(approval)).status_code == 404  # can't even see the order


def test_a_changed_amount_voids_the_request(client, finance, manager, capture):
    approval = ask_refund(client, finance, capture, "600.00")
    # Meanwhile €500.00 of the same capture is refunded (asked by another, approved by the
    # manager): €500.00 is left, not €600.00.
    other = role_user("finance", username="finance2")
    client.force_login(other)
    refund_on_transaction_page(client, capture, "500.00")
    client.force_login(manager)
    client.post(approve_url(ApprovalRequest.objects.get(requested_by=other)))

    response = client.post(approve_url(approval), headers=HX)

    approval.refresh_from_db()
    assert approval.state == ApprovalState.VOID
    assert "only €500.00 is left to refund now" in approval.reason
    assert "The request is void" in response.text
    assert [r.amount for r in refunds(capture.order)] == [50000]
    assert "is void: the amount changed" in history(capture.order)[-1]


def test_a_requester_who_lost_the_permission_voids_the_request(client, finance, manager, capture):
    approval = ask_refund(client, finance, capture)
    finance.groups.clear()

    outcome = approval_approve(approval=approval, user=fresh(manager))

    assert not outcome.ok
    approval.refresh_from_db()
    assert approval.state == ApprovalState.VOID
    assert "no longer holds it" in approval.reason
    assert refunds(capture.order) == []


# Rejecting and expiry -------------------------------------------------------------------------


def test_a_manager_rejects_with_a_reason(client, finance, manager, capture):
    approval = ask_refund(client, finance, capture)
    client.force_login(manager)

    response = client.post(reject_url(approval), {"reason": "Goods not returned"}, headers=HX)

    assert response.status_code == 200
    approval.refresh_from_db()
    assert (approval.state, approval.reason, approval.decided_by) == (
        "rejected",
        "Goods not returned",
        manager,
    )
    assert refunds(capture.order) == []
    assert history(capture.order)[-1] == (
        "Refund of €600.00 requested by Finance (finance) was rejected by Manager (manager): "
        "Goods not returned."
    )


def test_an_expired_request_cannot_be_approved(client, finance, manager, capture):
    approval = ask_refund(client, finance, capture)
    ApprovalRequest.objects.filter(pk=approval.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    client.force_login(manager)

    response = client.post(approve_url(approval), headers=HX)

    approval.refresh_from_db()
    assert approval.state == ApprovalState.EXPIRED
    assert "expired" in response.text
    assert refunds(capture.order) == []
    assert "expired without a decision" in history(capture.order)[-1]


def test_the_expiry_follows_the_setting(client, finance, capture, settings):
    settings.REFUND_APPROVAL_TTL_HOURS = 4

    approval = ask_refund(client, finance, capture)

    assert approval.expires_at - approval.requested_at == timedelta(hours=4)


def test_an_expired_request_cannot_be_rejected_either(client, finance, manager, capture):
    approval = ask_refund(client, finance, capture)
    ApprovalRequest.objects.filter(pk=approval.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    client.force_login(manager)

    response = client.post(reject_url(approval), {"reason": "Too late"}, headers=HX)

    approval.refresh_from_db()
    assert (approval.state, approval.decided_by) == (ApprovalState.EXPIRED, None)
    assert approval.reason.startswith("not decided by ")
    assert "expired on" in response.text and "ask for it again" in response.text
    assert "expired without a decision" in history(capture.order)[-1]


def due(approval: ApprovalRequest) -> ApprovalRequest:
    """Past its expiry, not closed yet (nobody ran expire_approval_requests since)."""
    ApprovalRequest.objects.filter(pk=approval.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    return ApprovalRequest.objects.select_related("store").get(pk=approval.pk)


def test_the_order_page_shows_an_overdue_request_as_expired_and_writes_nothing(
    client, finance, manager, capture
):
    approval = due(ask_refund(client, finance, capture))
    comments = history(capture.order)
    client.force_login(manager)

    page = client.get(capture.order.get_absolute_url()).text

    approval.refresh_from_db()
    assert approval.state == ApprovalState.AWAITING  # shown expired, not written
    assert history(capture.order) == comments
    assert f'data-approval="{approval.pk}" data-state="expired"' in page
    assert '<span class="badge badge--gray">Expired</span>' in page
    expired_on = f"The request expired on {when_text(approval.expires_at, approval.store)}."
    assert f"Approve: {expired_on}" in page
    assert f'disabled aria-describedby="approve-reason-{approval.pk}"' in page
    assert f'disabled aria-describedby="reject-reason-text-{approval.pk}"' in page


def test_the_dashboard_shows_an_overdue_request_as_expired_and_writes_nothing(
    client, finance, manager, capture
):
    approval = due(ask_refund(client, finance, capture))
    client.force_login(manager)

    response = client.get(reverse("dashboard"))

    [row] = response.context["approvals"]
    assert (row.approval.pk, row.expired, row.state_label) == (approval.pk, True, "Expired")
    expired_on = f"The request expired on {when_text(approval.expires_at, approval.store)}."
    assert (row.can_approve, row.approve_reason, row.reject_reason) == (
        False,
        expired_on,
        expired_on,
    )
    assert expired_on in response.text and ">Expired</span>" in response.text
    assert ApprovalRequest.objects.get(pk=approval.pk).state == ApprovalState.AWAITING


def test_a_request_not_yet_due_is_not_shown_as_expired(client, finance, manager, capture):
    ask_refund(client, finance, capture)
    client.force_login(manager)

    [row] = client.get(reverse("dashboard")).context["approvals"]

    assert (row.expired, row.state_label, row.can_approve) == (False, "Awaiting approval", True)


# Pages ---------------------------------------------------------------------------------------


def test_the_order_page_shows_the_request_with_its_buttons(client, finance, manager, capture):
    approval = ask_refund(client, finance, capture, memo="Damaged parcel")
    client.force_login(manager)

    page = client.get(capture.order.get_absolute_url()).text

    assert "Awaiting approval" in page
    assert f'data-approval="{approval.pk}"' in page
    assert "Refund of €600.00" in page
    assert "Damaged parcel" in page
    assert approve_url(approval) in page and reject_url(approval) in page


def test_the_dashboard_lists_requests_awaiting_approval(client, finance, manager, capture):
    ask_refund(client, finance, capture)
    client.force_login(manager)

    response = client.get(reverse("dashboard"))

    rows = response.context["approvals"]
    assert [(r.approval.amount, r.can_approve) for r in rows] == [(60000, True)]
    assert f"#{capture.order.number}" in response.text


def test_the_requester_sees_why_they_cannot_decide_on_the_dashboard(client, finance, capture):
    ask_refund(client, finance, capture)
    client.force_login(finance)

    [row] = client.get(reverse("dashboard")).context["approvals"]

    assert row.approve_reason == "You cannot approve your own request."
    assert row.reject_reason == "You cannot reject your own request; withdraw it instead."
    assert row.can_withdraw


# Refund Offline and Mark as paid --------------------------------------------------------------


def test_refund_offline_is_approved_the_same_way(client, finance, manager, capture):
    client.force_login(finance)
    refund_on_transaction_page(client, capture, "800.00", offline=True)
    approval = ApprovalRequest.objects.get()
    assert approval.payload["online"] is False

    client.force_login(manager)
    client.post(approve_url(approval))

    [refund] = refunds(capture.order)
    assert (refund.amount, refund.is_online, refund.status) == (80000, False, "success")


def mark_as_paid(client, order: Order, amount: str, **extra):
    data = {
        "amount": amount,
        "merchant_reference": "",
        "memo": "",
        "version": order.version,
        "idempotency_key": key(),
        **extra,
    }
    return client.post(reverse("orders:mark_as_paid", args=[order.number]), data, headers=HX)


def test_mark_as_paid_above_the_threshold_waits_then_runs_when_approved(
    client, finance, manager, store
):
    order = OrderFactory(store=store, subtotal=90000, shipping_amount=0)
    client.force_login(finance)

    response = mark_as_paid(client, order, "900.00", merchant_reference="WIRE-1")

    assert "Mark as paid of €900.00 is awaiting approval by a manager." in response.text
    assert not Transaction.objects.filter(order=order).exists()
    approval = ApprovalRequest.objects.get()
    client.force_login(manager)
    client.post(approve_url(approval))
    [payment] = Transaction.objects.filter(order=order, type=T.MANUAL)
    assert (payment.amount, payment.status, payment.merchant_reference) == (
        90000,
        TransactionStatus.SUCCESS,
        "WIRE-1",
    )


def test_mark_as_paid_request_is_void_when_the_order_changed(client, finance, manager, store):
    order = OrderFactory(store=store, subtotal=90000, shipping_amount=0)
    client.force_login(finance)
    mark_as_paid(client, order, "900.00")
    approval = ApprovalRequest.objects.get()
    # Someone pays part of it meanwhile (asked by the manager, approved by another manager):
    # the order's version moves on.
    client.force_login(manager)
    mark_as_paid(client, Order.objects.get(pk=order.pk), "100.00")
    client.force_login(role_user("manager", username="manager2"))
    client.post(approve_url(ApprovalRequest.objects.get(requested_by=manager)))

    client.post(approve_url(approval))

    approval.refresh_from_db()
    assert approval.state == ApprovalState.VOID
    assert approval.reason == "the order changed after the request"
    assert [t.amount for t in Transaction.objects.filter(order=order)] == [10000]


# Credit memos and goodwill refunds --------------------------------------------------------------


def goodwill(client, order: Order, amount: str, *, offline: bool = False):
    name = "orders:refund_offline" if offline else "orders:refund"
    data = {
        "amount": amount,
        "note": "Late delivery",
        "reason": reason_pk(order.store_id, "goodwill"),
        "version": Order.objects.get(pk=order.pk).version,
        "idempotency_key": key(),
    }
    return client.post(reverse(name, args=[order.number]), data, headers=HX)


def test_goodwill_refund_above_the_threshold_keeps_the_memo_until_approved(
    client, finance, manager, capture
):
    order = capture.order
    client.force_login(finance)

    response = goodwill(client, order, "600.00")

    memo = CreditMemo.objects.get(order=order)
    assert "Refund of €600.00 is awaiting approval by a manager" in response.text
    assert memo.state == CreditMemoState.AWAITING_APPROVAL
    assert refunds(order) == []
    approval = ApprovalRequest.objects.get()
    assert (approval.credit_memo, approval.amount) == (memo, 60000)

    client.force_login(manager)
    client.post(approve_url(approval))

    memo.refresh_from_db()
    assert memo.state == CreditMemoState.REFUNDED
    [refund] = refunds(order)
    assert (refund.amount, refund.credit_memo, refund.actor) == (60000, memo, finance)


def test_a_rejected_credit_memo_is_canceled_and_refunds_nothing(client, finance, manager, capture):
    order = capture.order
    client.force_login(finance)
    goodwill(client, order, "600.00", offline=True)
    approval = ApprovalRequest.objects.get()

    client.force_login(manager)
    client.post(reject_url(approval), {"reason": "Use a voucher"})

    memo = CreditMemo.objects.get(order=order)
    assert memo.state == CreditMemoState.CANCELED
    assert refunds(order) == []
    canceled = f"Credit memo #{memo.number} is canceled: its refund was rejected."
    assert any(canceled in line for line in history(order))


def test_a_credit_memo_whose_captures_changed_is_void(client, finance, manager, capture):
    order = capture.order
    client.force_login(finance)
    goodwill(client, order, "600.00")
    approval = ApprovalRequest.objects.get()
    # The acquirer charges back €500.00 meanwhile: only €400.00 is left to refund online.
    payment_chargeback(
        payment=capture.payment, amount=50000, actor=None, idempotency_key=key(), source="batch"
    )

    client.force_login(manager)
    client.post(approve_url(approval))

    approval.refresh_from_db()
    assert approval.state == ApprovalState.VOID
    assert "the amount changed" in approval.reason
    assert CreditMemo.objects.get(order=order).state == CreditMemoState.CANCELED
    assert refunds(order) == []
