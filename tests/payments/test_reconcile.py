"""Gateway timeouts, pending answers and reconcile_payments."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from orders.enums import OrderState
from payments.enums import PaymentStatus, TransactionStatus
from payments.gateways.sandbox import SandboxGateway
from payments.models import SandboxCharge, SandboxOperation, Transaction
from payments.services import Outcome, payment_capture, payment_refund
from payments.services.reconcile import transaction_reconcile
from tests.payments.money_helpers import authorized_payment, captured_payment, key, refreshed
from tests.payments.money_helpers import staff as make_staff

pytestmark = pytest.mark.django_db


def reconcile(*args: str) -> str:
    out = StringIO()
    call_command("reconcile_payments", *args, stdout=out, stderr=out)
    return out.getvalue()


def gateway_refunds(payment) -> int:
    return SandboxOperation.objects.filter(
        charge__reference=payment.gateway_reference, kind="refund", status="success"
    ).count()


def test_timeout_after_the_gateway_applied_a_refund_then_reconcile_settles_it(settings):
    user = make_staff()
    payment = captured_payment(10000)
    settings.SANDBOX_FORCED_FAULT = "refund:timeout_after"
    result = payment_refund(
        payment=payment, amount=2500, online=True, actor=user, idempotency_key=key()
    )
    assert result.outcome == Outcome.UNKNOWN
    assert "no answer from the gateway" in result.message
    payment = refreshed(payment)
    assert (payment.pending_refund, payment.amount_refunded) == (2500, 0)
    assert payment.status == PaymentStatus.REQUIRES_ACTION
    assert payment.order.state == OrderState.PAYMENT_REVIEW
    assert payment.refundable == 7500  # the unknown refund keeps its amount reserved

    settings.SANDBOX_FORCED_FAULT = None
    output = reconcile()
    assert "unknown → success" in output
    assert "resolved 1" in output
    txn = Transaction.objects.get(pk=result.transaction.pk)
    assert txn.status == TransactionStatus.SUCCESS
    payment = refreshed(payment)
    assert (payment.pending_refund, payment.amount_refunded) == (0, 2500)
    assert gateway_refunds(payment) == 1
    assert payment.order.state == OrderState.PROCESSING
    last = payment.order.comments.order_by("-pk")[1]
    assert last.body.startswith("Reconciliation: Refunded amount of $25.00 online.")


def test_timeout_before_applying_then_reconcile_fails_it_and_releases_the_amount(settings):
    user = make_staff()
    payment = captured_payment(10000)
    settings.SANDBOX_FORCED_FAULT = "refund:timeout_before"
    result = payment_refund(
        payment=payment, amount=2500, online=True, actor=user, idempotency_key=key()
    )
    assert result.outcome == Outcome.UNKNOWN
    assert refreshed(payment).pending_refund == 2500
    settings.SANDBOX_FORCED_FAULT = None
    output = reconcile("--grace-seconds", "0")  # once the request can no longer land
    assert "unknown → failed" in output
    payment = refreshed(payment)
    assert (payment.pending_refund, payment.amount_refunded, payment.refundable) == (0, 0, 10000)
    assert gateway_refunds(payment) == 0
    assert payment.order.state == OrderState.PROCESSING
    assert "was not applied: the gateway has no record of it" in output


def test_a_server_error_is_unknown_until_reconciled(settings):
    payment = authorized_payment(10000)
    settings.SANDBOX_FORCED_FAULT = "capture:server_error"
    result = payment_capture(
        payment=payment, amount=1000, online=True, actor=make_staff(), idempotency_key=key()
    )
    assert result.outcome == Outcome.UNKNOWN
    assert refreshed(payment).pending_capture == 1000
    settings.SANDBOX_FORCED_FAULT = None
    reconcile("--grace-seconds", "0")
    assert refreshed(payment).pending_capture == 0


def test_a_pending_answer_waits_in_review_and_reconcile_settles_it(settings):
    payment = authorized_payment(10000)
    settings.SANDBOX_FORCED_FAULT = "capture:pending"
    result = payment_capture(
        payment=payment, amount=4000, online=True, actor=make_staff(), idempotency_key=key()
    )
    assert result.outcome == Outcome.PENDING
    assert "pending at the gateway" in result.message
    payment = refreshed(payment)
    assert payment.pending_capture == 4000
    assert payment.order.state == OrderState.PAYMENT_REVIEW
    settings.SANDBOX_FORCED_FAULT = None
    reconcile()
    payment = refreshed(payment)
    assert (payment.amount_captured, payment.pending_capture) == (4000, 0)
    assert payment.order.state == OrderState.PROCESSING


def test_dry_run_asks_and_prints_but_changes_nothing(settings):
    payment = captured_payment(10000)
    settings.SANDBOX_FORCED_FAULT = "refund:timeout_after"
    result = payment_refund(
        payment=payment, amount=1000, online=True, actor=make_staff(), idempotency_key=key()
    )
    settings.SANDBOX_FORCED_FAULT = None
    output = reconcile("--dry-run")
    assert "unknown → success" in output and "Would mark it success" in output
    assert output.strip().endswith(
        "Dry run: checked 1 open transaction(s), would resolve 1 (1 as success), 0 lookup error(s)."
    )
    assert Transaction.objects.get(pk=result.transaction.pk).status == TransactionStatus.UNKNOWN
    assert refreshed(payment).order.state == OrderState.PAYMENT_REVIEW


def test_store_and_limit_select_what_is_reconciled(settings):
    first, second = authorized_payment(10000), authorized_payment(10000)
    settings.SANDBOX_FORCED_FAULT = "capture:timeout_after"
    for payment in (first, second):
        payment_capture(
            payment=payment,
            amount=100,
            online=True,
            actor=None,
            idempotency_key=key(),
            source="batch",
        )
    settings.SANDBOX_FORCED_FAULT = None
    assert "checked 0" in reconcile("--store", "eu")
    assert "checked 1 open transaction(s), resolved 1" in reconcile("--limit", "1")
    assert refreshed(first).order.state == OrderState.PROCESSING  # oldest first
    assert refreshed(second).order.state == OrderState.PAYMENT_REVIEW
    assert "checked 1 open transaction(s), resolved 1" in reconcile("--store", "us")
    assert refreshed(second).order.state == OrderState.PROCESSING


def test_a_failing_lookup_exits_with_status_1_and_changes_nothing(settings, monkeypatch):
    payment = captured_payment(10000)
    settings.SANDBOX_FORCED_FAULT = "refund:timeout_after"
    result = payment_refund(
        payment=payment, amount=1000, online=True, actor=make_staff(), idempotency_key=key()
    )

    def broken(self, *, idempotency_key):
        from payments.gateways import GatewayError

        raise GatewayError("PSP unreachable")

    monkeypatch.setattr(SandboxGateway, "lookup", broken)
    with pytest.raises(CommandError) as raised:
        reconcile()
    assert raised.value.returncode == 1
    assert Transaction.objects.get(pk=result.transaction.pk).status == TransactionStatus.UNKNOWN


def test_an_operation_still_talking_to_the_gateway_is_left_alone():
    payment = authorized_payment(10000)
    in_flight = Transaction.objects.create(
        payment=payment,
        order=payment.order,
        store=payment.order.store,
        type="CP",
        status=TransactionStatus.PENDING,
        amount=500,
        currency="USD",
        idempotency_key=key(),
    )
    assert "checked 1 open transaction(s), resolved 0" in reconcile()
    assert Transaction.objects.get(pk=in_flight.pk).status == TransactionStatus.PENDING
    assert "resolved 1" in reconcile("--grace-seconds", "0")
    assert Transaction.objects.get(pk=in_flight.pk).status == TransactionStatus.FAILED
    assert SandboxCharge.objects.get(reference=payment.gateway_reference).amount_captured == 0


def test_a_timed_out_capture_stays_unknown_while_it_may_still_land(settings):
    """Issue 15: a capture that timed out was declared failed 1.5 s later; a late landing
    capture would then be collected again under a new key."""
    settings.PAYMENT_GATEWAY_TIMEOUT_SECONDS = 10
    payment = authorized_payment(10000)
    settings.SANDBOX_FORCED_FAULT = "capture:timeout_before"
    result = payment_capture(
        payment=payment, amount=1000, online=True, actor=make_staff(), idempotency_key=key()
    )
    settings.SANDBOX_FORCED_FAULT = None
    txn = result.transaction
    assert txn.status == TransactionStatus.UNKNOWN

    assert "resolved 0" in reconcile()
    assert refreshed(payment).pending_capture == 1000  # still reserved: no second capture
    later = txn.updated_at + timedelta(seconds=29)
    assert transaction_reconcile(transaction=txn, now=later) is None
    after_grace = txn.updated_at + timedelta(seconds=31)
    change = transaction_reconcile(transaction=txn, now=after_grace)
    assert change is not None and change.after == TransactionStatus.FAILED
    assert refreshed(payment).pending_capture == 0
