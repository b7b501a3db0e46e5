"""[PostgreSQL] The suite's faster end of a `transaction=True` test (tests/fast_teardown.py)
leaves the database as Django's flush would: every table empty, the append-only ones included,
the content types and permissions as migrations wrote them."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from orders.models import OrderComment
from orders.services.comments import order_comment_add
from payments.models import Transaction
from tests.fast_teardown import (
    KEPT_TABLES,
    emptied_tables,
    empty_tables,
    tables_refusing_delete,
    tables_with_rows,
)
from tests.payments.money_helpers import captured_payment, staff

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def django_tables() -> list[str]:
    return connection.introspection.django_table_names(only_existing=True, include_views=False)


def test_the_append_only_tables_are_the_ones_refusing_delete():
    assert tables_refusing_delete(connection) == {
        "payments_transaction",
        "orders_ordercomment",
        "audit_auditevent",
    }


def test_every_table_is_emptied_the_append_only_ones_too_and_the_kept_ones_stay():
    payment = captured_payment(5000)
    order_comment_add(
        order=payment.order,
        author=staff(),
        body="Called the customer",
        notify_customer=False,
        visible_on_front=False,
    )
    content_types, permissions = ContentType.objects.count(), Permission.objects.count()
    filled = set(tables_with_rows(connection, django_tables()))
    assert {"orders_order", "payments_payment", "payments_transaction"} <= filled
    assert {"orders_ordercomment", "auth_user"} <= filled
    assert Transaction.objects.exists() and OrderComment.objects.exists()

    empty_tables(
        connection,
        tables=emptied_tables(connection),
        refusing_delete=tables_refusing_delete(connection),
    )

    assert set(tables_with_rows(connection, django_tables())) == set(KEPT_TABLES)
    assert (ContentType.objects.count(), Permission.objects.count()) == (
        content_types,
        permissions,
    )


def test_the_probe_names_only_tables_holding_a_row():
    assert tables_with_rows(connection, ["orders_order", "payments_payment"]) == []
    captured_payment(100)
    assert tables_with_rows(connection, ["orders_order", "auth_group", "payments_payment"]) == [
        "orders_order",
        "payments_payment",
    ]
