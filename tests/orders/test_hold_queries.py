"""Issue 21: Hold and Unhold read only what their rule needs (the order's state), take the
lock, and write the order row once: 8 queries with the session, the user and their
permissions, whatever the order's money."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.enums import OrderState
from orders.models import OrderComment
from tests.orders.invoice_helpers import finance, fresh, key, xpayments_order

pytestmark = pytest.mark.django_db


def post_counting(client, order, name: str) -> tuple[object, list[str]]:
    """The response and its statements (the test's savepoints around atomic blocks left out:
    outside a test they are the request's own transaction, not statements)."""
    data = {"version": fresh(order).version, "idempotency_key": key()}
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(reverse(f"orders:{name}", kwargs={"number": order.number}), data)
    sql = [q["sql"] for q in ctx.captured_queries]
    return response, [s for s in sql if not s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def test_hold_then_unhold_in_eight_queries_each(client):
    client.force_login(finance())
    order, _item, _auths = xpayments_order()  # two authorizations, their ledger rows

    held, statements = post_counting(client, order, "hold")
    assert len(statements) <= 8, "\n".join(statements)
    assert (held.status_code, fresh(order).state) == (302, OrderState.HOLDED)
    assert fresh(order).state_before_hold == OrderState.PROCESSING

    released, statements = post_counting(client, order, "unhold")
    assert len(statements) <= 8, "\n".join(statements)
    assert (released.status_code, fresh(order).state) == (302, OrderState.PROCESSING)
    assert fresh(order).state_before_hold == ""
    bodies = list(OrderComment.objects.filter(order=order).values_list("body", flat=True))
    assert "Order state changed from Processing to On hold." in bodies
    assert "Order state changed from On hold to Processing." in bodies
