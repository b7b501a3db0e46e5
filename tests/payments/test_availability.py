"""The operations registry: what is offered where, and the reason staff read when it isn't."""

from datetime import UTC, datetime

import pytest
from guardian.shortcuts import assign_perm

from backoffice.errors import ErrorCode
from orders.enums import OrderState
from orders.services.state import order_hold
from payments import operations as ops
from payments.enums import TransactionType
from payments.models import Payment
from payments.services import payment_capture, payment_chargeback, payment_refund
from tests.factories import StoreFactory
from tests.payments.money_helpers import (
    authorized_payment,
    captured_payment,
    key,
    refreshed,
    sandbox_account,
    staff,
)

pytestmark = pytest.mark.django_db
T = TransactionType


def txn(payment: Payment, type_: str):
    return payment.transactions.select_related("payment__order__store").get(type=type_)


def reason(op, target, user=None) -> str:
    result = ops.availability(op, user=user, target=target)
    assert not result.allowed
    return result.reason


def test_transaction_types_offer_the_contract_operations():
    labels = {
        t: [op.label for op in operations] for t, operations in ops.TRANSACTION_OPERATIONS.items()
    }
    assert labels[T.AUTHORIZATION] == ["Capture", "Reversal"]
    assert labels[T.CAPTURE] == ["Refund", "Chargeback"]
    assert labels[T.DEBIT] == ["Rebill", "Refund", "Chargeback"]
    assert labels[T.CHARGEBACK] == ["Chargeback Reversal"]
    assert labels[T.REFUND] == []


def test_allowed_capture_says_how_much():
    payment = authorized_payment(10000)
    result = ops.availability(ops.CAPTURE, user=staff(), target=txn(payment, T.AUTHORIZATION))
    assert result.allowed and result.reason == ""
    assert (result.max_amount, result.amount_editable, result.currency) == (10000, True, "USD")


def test_reason_authorization_expired():
    payment = authorized_payment(10000)
    Payment.objects.filter(pk=payment.pk).update(expires_at=datetime(2026, 11, 8, 10, tzinfo=UTC))
    pa = txn(payment, T.AUTHORIZATION)
    assert reason(ops.CAPTURE, pa) == (
        "Capture is not available: the authorization expired on 8 Nov 2026."
    )
    assert (
        reason(ops.VOID, pa)
        == "Reversal is not available: the authorization expired on 8 Nov 2026."
    )
    # The expiry job can still record the lapsed authorization as an offline reversal.
    assert ops.availability(ops.VOID_OFFLINE, user=None, target=pa).max_amount == 10000


def test_reason_order_on_hold():
    payment = authorized_payment(10000)
    order_hold(order=payment.order, actor=staff())
    assert reason(ops.CAPTURE, txn(payment, T.AUTHORIZATION)) == (
        "Capture is not available: the order is on hold. Unhold it first."
    )


def test_reason_order_in_payment_review(settings):
    payment = captured_payment(10000)
    settings.SANDBOX_FORCED_FAULT = "refund:timeout_after"
    payment_refund(payment=payment, amount=100, online=True, actor=staff(), idempotency_key=key())
    payment = refreshed(payment)
    assert payment.order.state == OrderState.PAYMENT_REVIEW
    assert (
        reason(ops.REFUND, payment) == "Refund is not available: the order is in payment review. "
        "A gateway result is still unknown: reconciliation settles it."
    )
    # Chargebacks are the acquirer's facts: recorded whatever the order's state.
    assert ops.availability(ops.CHARGEBACK, user=None, target=payment).max_amount == 9900


def test_reason_nothing_left():
    payment = captured_payment(10000)
    pa, cp = txn(payment, T.AUTHORIZATION), txn(payment, T.CAPTURE)
    assert reason(ops.CAPTURE, pa) == "Capture is not available: nothing left to capture."
    assert reason(ops.VOID, pa) == "Reversal is not available: nothing left to void."
    payment_refund(
        payment=payment, amount=10000, online=False, actor=staff(), idempotency_key=key()
    )
    cp.payment.refresh_from_db()
    assert reason(ops.REFUND, txn(payment, T.CAPTURE)) == (
        "Refund is not available: the order is closed."
    )


def test_reason_nothing_left_mentions_money_waiting_for_the_gateway(settings):
    payment = authorized_payment(10000)
    settings.SANDBOX_FORCED_FAULT = "capture:pending"
    payment_capture(
        payment=payment,
        amount=10000,
        online=True,
        actor=None,
        idempotency_key=key(),
        source="batch",
    )
    payment = refreshed(payment)
    payment.order.state = OrderState.PROCESSING  # look past the review to the amounts
    assert reason(ops.CAPTURE, payment) == (
        "Capture is not available: nothing left to capture ($100.00 is waiting for the gateway)."
    )


def test_reason_capability_missing():
    single = sandbox_account(supports_multicapture=False, supports_partial_refund=False)
    payment = authorized_payment(10000, account=single)
    payment_capture(
        payment=payment, amount=4000, online=True, actor=None, idempotency_key=key(), source="batch"
    )
    payment = refreshed(payment)
    assert reason(ops.CAPTURE, payment) == (
        "Capture is not available: the gateway does not support multiple captures "
        "(one capture; the rest is released)."
    )
    full_only = ops.availability(ops.REFUND, user=None, target=payment)
    assert full_only.allowed and not full_only.amount_editable and full_only.max_amount == 4000
    payment_refund(
        payment=payment,
        amount=4000,
        online=False,
        actor=None,
        idempotency_key=key(),
        source="batch",
    )


def test_reason_partial_refund_capability_after_a_partial_refund():
    account = sandbox_account(supports_partial_refund=False)
    payment = captured_payment(10000, account=account)
    payment_refund(
        payment=payment,
        amount=1000,
        online=False,
        actor=None,
        idempotency_key=key(),
        source="batch",
    )
    assert reason(ops.REFUND, refreshed(payment)) == (
        "Refund is not available: the gateway does not support partial refunds."
    )
    assert ops.availability(ops.REFUND_OFFLINE, user=None, target=refreshed(payment))


def test_reason_wrong_transaction_type_and_status():
    payment = captured_payment(10000)
    cb = payment_chargeback(
        payment=payment, amount=100, actor=None, idempotency_key=key(), source="batch"
    ).transaction
    assert reason(ops.CAPTURE, txn(payment, T.CAPTURE)) == (
        "Capture is not available: only a pre-authorization can be captured."
    )
    assert reason(ops.REFUND, cb) == (
        "Refund is not available: only a capture, debit or rebill can be refunded."
    )
    assert reason(ops.REBILL, txn(payment, T.CAPTURE)) == (
        "Rebill is not available: only a debit or rebill can be rebilled."
    )


def test_reason_manual_payments_have_no_gateway():
    from payments.services import order_mark_as_paid
    from tests.factories import OrderFactory

    order = OrderFactory(subtotal=1000, shipping_amount=0)
    mp = order_mark_as_paid(
        order=order,
        amount=1000,
        merchant_reference="",
        memo="",
        actor=None,
        idempotency_key=key(),
        source="batch",
    ).transaction
    payment = refreshed(mp.payment)
    assert reason(ops.REFUND, payment) == (
        "Refund is not available: the payment was recorded manually; use Refund Offline."
    )
    assert [op.label for op, a in ops.available_operations(user=None, target=mp) if a] == [
        "Refund Offline"
    ]


def test_reason_permission_names_the_permission_and_the_store():
    eu = StoreFactory(code="eu", currency="EUR")
    payment = captured_payment(10000, order=None, store=eu)
    finance_us = staff("finance_us", ["view_orders"])
    assign_perm("backoffice.refund_online", finance_us, StoreFactory(code="us"))
    result = ops.availability(ops.REFUND, user=finance_us, target=payment)
    assert result.reason == "Requires the Refund online permission for store EU."
    assert result.is_permission
    assert result.error().code == ErrorCode.PERMISSION_DENIED
    assign_perm("backoffice.refund_online", finance_us, eu)
    fresh = type(finance_us).objects.get(pk=finance_us.pk)
    assert ops.availability(ops.REFUND, user=fresh, target=payment).allowed


def test_a_page_of_operations_costs_one_permission_query_per_store(django_assert_num_queries):
    user = staff("support", ["view_orders"])
    payment = authorized_payment(10000)
    pa = txn(payment, T.AUTHORIZATION)
    user.get_all_permissions()  # ModelBackend's own cache, loaded by the request anyway
    with django_assert_num_queries(1):
        results = ops.available_operations(user=user, target=pa)
    assert [a.reason for _op, a in results] == [
        "Requires the Capture online permission for store US.",
        "Requires the Void authorizations permission for store US.",
    ]


def test_batch_jobs_act_as_the_system():
    payment = authorized_payment(10000)
    assert ops.availability("capture", user=None, target=payment).allowed


def test_expiry_date_is_shown_in_the_store_time_zone():
    store = StoreFactory(code="jp", currency="JPY", timezone="Asia/Tokyo")
    payment = authorized_payment(10000, store=store)
    Payment.objects.filter(pk=payment.pk).update(
        expires_at=datetime(2026, 11, 8, 20, tzinfo=UTC)  # 9 Nov 05:00 in Tokyo
    )
    assert reason(ops.CAPTURE, refreshed(payment)).endswith("expired on 9 Nov 2026.")
