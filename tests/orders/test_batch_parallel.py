"""Several workers at once (PostgreSQL): each order is claimed and processed by one of them."""

import re

import pytest
from django.db import connection
from django.db.models import Count

from orders.models import Invoice
from payments.enums import TransactionStatus, TransactionType
from payments.models import SandboxOperation, Transaction
from tests.batch_helpers import Run, bulk_authorized_orders, run
from tests.concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def asynchronous_commit() -> None:
    # A test needs no durability; waiting for the disk on each commit only makes these
    # 2 × 500 orders slow.
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")


def in_parallel(*commands: tuple[str, ...]) -> list[Run]:
    """Each command in its own thread (own database connection), released together."""
    calls = [lambda command=command: run(*command) for command in commands]
    results = run_concurrently(calls, before=asynchronous_commit)
    assert all(isinstance(r, Run) for r in results), results
    return results  # type: ignore[return-value]


def counts(result: Run) -> tuple[int, int, int]:
    found = re.search(r"(\d+) done, (\d+) skipped, (\d+) failed\.\s*$", result.out)
    assert found, result.text
    done, skipped, failed = map(int, found.groups())
    return done, skipped, failed


def test_two_workers_capture_each_of_500_orders_exactly_once():
    orders = bulk_authorized_orders(500)
    command = ("capture_authorized", "--chunk-size", "20")

    first, second = in_parallel(command, command)

    assert first.code == second.code == 0, first.text + second.text
    (done_1, skipped_1, _), (done_2, skipped_2, _) = counts(first), counts(second)
    assert done_1 + done_2 == 500
    assert done_1 and done_2  # the work was shared…
    assert skipped_1 == skipped_2 == 0  # …and nobody found an order the other had done
    invoices = Invoice.objects.values("order").annotate(n=Count("pk"))
    assert invoices.count() == 500 and {row["n"] for row in invoices} == {1}
    captures = Transaction.objects.filter(type=TransactionType.CAPTURE)
    assert captures.filter(status=TransactionStatus.SUCCESS).count() == 500
    assert captures.values("order").distinct().count() == 500
    assert SandboxOperation.objects.filter(kind="capture", status="success").count() == 500
    assert {o.pk for o in orders} == set(captures.values_list("order_id", flat=True))
