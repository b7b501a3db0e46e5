"""Issue 15 [PostgreSQL]: the ledger and the order history are append-only in the database.

Connected as the app's database role, a settled refund was multiplied by ten, a failed capture
flipped to success and comments were deleted. Raw SQL now fails, whatever the ORM would do.
"""

import pytest
from django.db import IntegrityError, connection, transaction

from orders.models import OrderComment
from payments.enums import TransactionStatus, TransactionType
from payments.models import Transaction
from payments.services import payment_capture, payment_refund
from tests.payments.money_helpers import authorized_payment, captured_payment, key, staff

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def raw(sql: str, *params: object) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def refused(sql: str, *params: object) -> str:
    with pytest.raises(IntegrityError) as raised:
        raw(sql, *params)
    return str(raised.value)


def test_a_settled_refund_cannot_be_multiplied():
    payment = captured_payment(10000)
    refund = payment_refund(
        payment=payment, amount=2500, online=True, actor=staff(), idempotency_key=key()
    ).transaction

    message = refused(
        "UPDATE payments_transaction SET amount = amount * 10 WHERE id = %s", refund.pk
    )

    assert "append-only" in message
    assert Transaction.objects.get(pk=refund.pk).amount == 2500


@pytest.mark.parametrize(
    "column, value",
    [
        ("type", TransactionType.CAPTURE),
        ("currency", "EUR"),
        ("idempotency_key", "another-key"),
        ("is_online", False),
        ("created_at", "2020-01-01T00:00:00Z"),
    ],
)
def test_identity_columns_cannot_change(column, value):
    refund = payment_refund(
        payment=captured_payment(10000),
        amount=100,
        online=True,
        actor=staff(),
        idempotency_key=key(),
    ).transaction

    refused(f"UPDATE payments_transaction SET {column} = %s WHERE id = %s", value, refund.pk)


def test_a_failed_capture_cannot_become_a_success(settings):
    payment = authorized_payment(10000)
    settings.SANDBOX_FORCED_FAULT = "capture:decline"
    failed = payment_capture(
        payment=payment, amount=1000, online=True, actor=staff(), idempotency_key=key()
    ).transaction
    assert failed.status == TransactionStatus.FAILED

    message = refused("UPDATE payments_transaction SET status = 'success' WHERE id = %s", failed.pk)

    assert "a final status may not change" in message


def test_an_open_row_still_gets_its_outcome_and_notes_may_be_added(settings):
    payment = authorized_payment(10000)
    settings.SANDBOX_FORCED_FAULT = "capture:timeout_before"
    unknown = payment_capture(
        payment=payment, amount=1000, online=True, actor=staff(), idempotency_key=key()
    ).transaction
    assert unknown.status == TransactionStatus.UNKNOWN

    raw("UPDATE payments_transaction SET memo = 'checked with the PSP' WHERE id = %s", unknown.pk)
    raw("UPDATE payments_transaction SET status = 'failed' WHERE id = %s", unknown.pk)
    assert Transaction.objects.get(pk=unknown.pk).status == TransactionStatus.FAILED


def test_transactions_and_comments_cannot_be_deleted():
    payment = captured_payment(10000)
    txn = payment.transactions.first()
    comment = OrderComment.objects.filter(order=payment.order).first()

    assert "may not be deleted" in refused("DELETE FROM payments_transaction WHERE id = %s", txn.pk)
    assert "may not be deleted" in refused(
        "DELETE FROM orders_ordercomment WHERE id = %s", comment.pk
    )
    assert "may not change" in refused(
        "UPDATE orders_ordercomment SET body = 'nothing happened' WHERE id = %s", comment.pk
    )
    assert Transaction.objects.filter(pk=txn.pk).exists()
    assert OrderComment.objects.get(pk=comment.pk).body == comment.body


def test_an_extra_success_row_is_visible_to_the_ledger_check():
    """Inserting rows is how the app writes; a forged one is caught by the drift check."""
    from payments.recompute import ledger_drift

    payment = captured_payment(10000)
    capture = payment.transactions.get(type=TransactionType.CAPTURE)
    raw(
        "INSERT INTO payments_transaction (uuid, payment_id, order_id, store_id, parent_id, type,"
        " status, amount, currency, is_online, gateway_reference, merchant_reference, usage,"
        " memo, idempotency_key, actor_label, source, gateway_request, gateway_response, error,"
        " created_at, updated_at) SELECT gen_random_uuid(), payment_id, order_id, store_id, id,"
        " 'RF', 'success', 5000, currency, true, '', '', '', '', 'forged', '', 'ui', '{}', '{}',"
        " '', now(), now() FROM payments_transaction WHERE id = %s",
        capture.pk,
    )
    payment.refresh_from_db()
    assert ledger_drift(payment=payment) == {"amount_refunded": (0, 5000)}
