"""Concurrent credit memos on one invoice (PostgreSQL row locks).

Threads start together behind a barrier; each has its own database connection.
"""

import pytest

from orders.models import CreditMemo, Invoice
from orders.services.order_documents import DocumentError, StaleOrder
from payments.enums import TransactionStatus, TransactionType
from payments.models import Payment, SandboxOperation, Transaction
from tests.concurrency import run_concurrently
from tests.orders.credit_memo_helpers import create_memo, paid_invoice, refunder
from tests.orders.invoice_helpers import fresh, key

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def refunded_at_the_gateway() -> int:
    ops = SandboxOperation.objects.filter(kind="refund", status="success")
    return sum(op.amount for op in ops)


def test_concurrent_credit_memos_on_one_invoice_never_exceed_what_was_captured():
    order, item, invoice, _ = paid_invoice()  # 122.00 captured
    users = [refunder(f"staff{i}") for i in range(4)]
    version = fresh(order).version
    # Four staff members submit 66.00 each at once, from pages opened on the same version.
    calls = [
        lambda user=user: create_memo(
            order,
            invoice,
            user,
            quantities={item.pk: 1},
            adjustment_refund=1000,
            version=version,
        )
        for user in users
    ]

    results = run_concurrently(calls)

    memos = CreditMemo.objects.all()
    refunded = sum(
        t.amount
        for t in Transaction.objects.filter(
            type=TransactionType.REFUND, status=TransactionStatus.SUCCESS
        )
    )
    assert refunded <= 12200
    assert refunded_at_the_gateway() == refunded
    assert Payment.objects.get().amount_refunded == refunded
    assert Invoice.objects.get(pk=invoice.pk).amount_refunded == refunded
    # The first memo wins; the others were refused before writing anything (the version moved
    # on, or the limit was reached), never half-done.
    assert memos.count() == 1
    refusals = [r for r in results if isinstance(r, DocumentError)]
    assert len(refusals) == 3


def test_concurrent_memos_with_fresh_forms_stop_at_the_invoice_limit():
    order, _item, invoice, _ = paid_invoice()  # 122.00 captured
    users = [refunder(f"staff{i}") for i in range(3)]

    def memo_for(user):
        # Each one reads the version right before submitting, as a reloaded page would.
        for _attempt in range(500):
            try:
                return create_memo(order, invoice, user, adjustment_refund=5000)
            except StaleOrder:
                continue
        raise AssertionError("kept being stale")

    results = run_concurrently([lambda user=user: memo_for(user) for user in users])

    refused = [r for r in results if isinstance(r, DocumentError)]
    assert len(refused) == 1  # 50.00 + 50.00 fit in 122.00, a third would not
    assert refused[0].message.startswith("Refund is limited to $22.00: captured $122.00")
    assert CreditMemo.objects.filter(state="refunded").count() == 2
    assert refunded_at_the_gateway() == 10000


def test_a_concurrent_double_submit_creates_one_memo_and_one_refund():
    order, item, invoice, _ = paid_invoice()
    user = refunder()
    same, version = key(), fresh(order).version

    results = run_concurrently(
        [
            lambda: create_memo(
                order,
                invoice,
                user,
                quantities={item.pk: 1},
                idempotency_key=same,
                version=version,
            )
            for _ in range(3)
        ]
    )

    assert CreditMemo.objects.count() == 1
    assert Transaction.objects.filter(type=TransactionType.REFUND).count() == 1
    assert refunded_at_the_gateway() == 5600
    assert sum(1 for r in results if getattr(r, "repeated", False)) == 2
