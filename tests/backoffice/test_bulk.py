"""bulk_insert and bulk_set: the rows batch jobs write must read back exactly as saved."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from backoffice.bulk import bulk_insert, bulk_set
from orders.enums import CommentKind, CommentSource
from orders.models import OrderComment
from payments.enums import TransactionSource, TransactionStatus, TransactionType
from payments.models import Transaction
from tests.factories import OrderFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def _row(payment, key: str, **fields) -> Transaction:
    return Transaction(
        payment=payment,
        order=payment.order,
        store=payment.order.store,
        type=TransactionType.CAPTURE,
        status=TransactionStatus.PENDING,
        amount=1250,
        currency="USD",
        idempotency_key=key,
        source=TransactionSource.BATCH,
        **fields,
    )


def test_bulk_insert_gives_pks_in_order_and_saves_every_field():
    payment = PaymentFactory()
    rows = [
        _row(payment, "bulk:1", gateway_request={"amount": 1250, "note": "naïve 'quote'"}),
        _row(payment, "bulk:2", memo="line one\nline\ttwo \\ end"),
    ]

    saved = bulk_insert(rows)

    assert saved == rows
    assert rows[0].pk < rows[1].pk
    assert not rows[0]._state.adding
    assert rows[0].created_at is not None and rows[0].updated_at is not None
    first, second = Transaction.objects.filter(pk__in=[r.pk for r in rows]).order_by("pk")
    assert first.uuid == rows[0].uuid
    assert first.gateway_request == {"amount": 1250, "note": "naïve 'quote'"}
    assert first.created_at == rows[0].created_at
    assert second.memo == "line one\nline\ttwo \\ end"
    assert (second.payment_id, second.order_id, second.amount) == (
        payment.pk,
        payment.order_id,
        1250,
    )


def test_bulk_insert_takes_the_pk_of_a_related_object_saved_after_assignment():
    order = OrderFactory()
    payment = PaymentFactory(order=order)
    row = _row(payment, "bulk:late")
    comment = OrderComment(
        order=order,
        body="Captured.",
        kind=CommentKind.CAPTURE,
        source=CommentSource.BATCH,
        transaction=row,  # not saved yet: no pk to copy now
    )
    bulk_insert([row])

    bulk_insert([comment])

    assert OrderComment.objects.get(pk=comment.pk).transaction_id == row.pk


def test_bulk_insert_raises_django_integrity_error_and_writes_nothing():
    payment = PaymentFactory()
    bulk_insert([_row(payment, "bulk:dup")])

    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert([_row(payment, "bulk:new"), _row(payment, "bulk:dup")])

    assert not Transaction.objects.filter(idempotency_key="bulk:new").exists()


def test_bulk_set_writes_only_the_named_fields():
    payment = PaymentFactory()
    rows = bulk_insert([_row(payment, "bulk:a"), _row(payment, "bulk:b")])
    for row in rows:
        row.status = TransactionStatus.SUCCESS
        row.gateway_response = {"id": row.idempotency_key}
        row.memo = "not saved"

    bulk_set(rows, ["status", "gateway_response"])

    for row in Transaction.objects.filter(pk__in=[r.pk for r in rows]):
        assert row.status == TransactionStatus.SUCCESS
        assert row.gateway_response == {"id": row.idempotency_key}
        assert row.memo == ""


def test_bulk_insert_is_one_statement_whatever_the_number_of_rows():
    payment = PaymentFactory()

    with CaptureQueriesContext(connection) as few:
        bulk_insert([_row(payment, f"bulk:few:{i}") for i in range(2)])
    with CaptureQueriesContext(connection) as many:
        bulk_insert([_row(payment, f"bulk:many:{i}") for i in range(40)])

    assert len(few) == len(many) <= 2  # the pks drawn at once, then the rows
    if connection.vendor == "postgresql":
        assert many.captured_queries[-1]["sql"].startswith('COPY "payments_transaction"')
    assert Transaction.objects.filter(idempotency_key__startswith="bulk:many:").count() == 40
