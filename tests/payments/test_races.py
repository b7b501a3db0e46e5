"""Concurrent staff and double clicks against one payment (PostgreSQL row locks).

Threads start together behind a barrier; each has its own database connection.
"""

from collections import Counter

import pytest

from backoffice.errors import DomainError
from payments.enums import TransactionStatus, TransactionType
from payments.models import SandboxCharge, SandboxOperation, Transaction
from payments.services import (
    OperationResult,
    payment_capture,
    payment_chargeback,
    payment_refund,
    payment_void,
)
from tests.concurrency import run_concurrently
from tests.payments.money_helpers import authorized_payment, captured_payment, key, refreshed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def outcomes(results: list[object]) -> Counter:
    counts: Counter = Counter()
    for result in results:
        if isinstance(result, OperationResult):
            counts[result.outcome] += 1
        elif isinstance(result, DomainError):
            counts["refused"] += 1
        else:
            raise AssertionError(f"unexpected: {result!r}")
    return counts


def sandbox_ops(payment, kind: str) -> int:
    return SandboxOperation.objects.filter(
        charge__reference=payment.gateway_reference, kind=kind, status="success"
    ).count()


def test_twenty_refunds_of_ten_against_one_hundred_captured():
    payment = captured_payment(10000)
    calls = [
        lambda: payment_refund(
            payment=payment,
            amount=1000,
            online=True,
            actor=None,
            idempotency_key=key(),
            source="batch",
        )
        for _ in range(20)
    ]
    counts = outcomes(run_concurrently(calls))
    assert counts == Counter({"success": 10, "refused": 10})
    payment = refreshed(payment)
    assert payment.amount_refunded == 10000 <= payment.amount_captured
    assert sandbox_ops(payment, "refund") == 10
    assert SandboxCharge.objects.get(reference=payment.gateway_reference).amount_refunded == 10000
    assert payment.transactions.filter(type=TransactionType.REFUND).count() == 10


def test_captures_racing_a_void():
    payment = authorized_payment(10000)

    def capture():
        return payment_capture(
            payment=payment,
            amount=1000,
            online=True,
            actor=None,
            idempotency_key=key(),
            source="batch",
        )

    def void():
        return payment_void(payment=payment, actor=None, idempotency_key=key(), source="batch")

    results = run_concurrently([capture, void] * 10)
    counts = outcomes(results)
    assert counts["success"] + counts["refused"] == 20
    payment = refreshed(payment)
    charge = SandboxCharge.objects.get(reference=payment.gateway_reference)
    assert payment.amount_captured + payment.amount_voided == 10000
    assert (charge.amount_captured, charge.amount_voided) == (
        payment.amount_captured,
        payment.amount_voided,
    )
    assert sandbox_ops(payment, "void") <= 1
    assert sandbox_ops(payment, "capture") == payment.amount_captured // 1000


def test_refunds_racing_chargebacks():
    payment = captured_payment(10000)

    def refund():
        return payment_refund(
            payment=payment,
            amount=1000,
            online=True,
            actor=None,
            idempotency_key=key(),
            source="batch",
        )

    def chargeback():
        return payment_chargeback(
            payment=payment, amount=1000, actor=None, idempotency_key=key(), source="batch"
        )

    counts = outcomes(run_concurrently([refund, chargeback] * 10))
    assert counts == Counter({"success": 10, "refused": 10})
    payment = refreshed(payment)
    assert payment.amount_refunded + payment.amount_charged_back == 10000
    assert sandbox_ops(payment, "refund") == payment.amount_refunded // 1000
    assert SandboxCharge.objects.get(reference=payment.gateway_reference).amount_refunded == (
        payment.amount_refunded
    )


def test_a_double_submit_racing_itself_is_one_transaction_and_one_gateway_call():
    payment = captured_payment(10000)
    k = key()

    def submit():
        return payment_refund(
            payment=payment, amount=1000, online=True, actor=None, idempotency_key=k, source="batch"
        )

    results = run_concurrently([submit] * 5)
    assert all(isinstance(r, OperationResult) for r in results), results
    assert len({r.transaction.pk for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert Transaction.objects.filter(idempotency_key=k).count() == 1
    assert SandboxOperation.objects.filter(idempotency_key=k).count() == 1
    assert Transaction.objects.get(idempotency_key=k).status == TransactionStatus.SUCCESS
    assert refreshed(payment).amount_refunded == 1000
