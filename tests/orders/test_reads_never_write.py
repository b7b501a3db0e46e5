"""The suite's guard (tests/conftest.py `_reads_never_write`): a GET or HEAD that writes domain
data fails the test, naming the URL and the SQL; session bookkeeping is allowed."""

import pytest
from django.contrib import messages
from django.contrib.messages.storage.session import SessionStorage
from django.db import connection
from django.http import HttpRequest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.history import comment_note
from orders.models import OrderComment
from tests.conftest import _writes_of
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def writing_panel(**kwargs):
    order = kwargs["order"]
    comment_note(order=order, body="Written by a read", author=None)
    return []


@pytest.mark.parametrize("method", ["get", "head"])
def test_a_read_that_writes_fails_the_test_with_the_url_and_the_sql(
    client, viewer, monkeypatch, method
):
    order = OrderFactory()
    monkeypatch.setattr("orders.selectors.order_comment_rows", writing_panel)

    with pytest.raises(pytest.fail.Exception) as failed:
        getattr(client, method)(order.get_absolute_url(), {"tab": "x"})

    message = str(failed.value)
    assert f"{method.upper()} /orders/{order.number}/?tab=x wrote to the database" in message
    assert 'INSERT INTO "orders_ordercomment"' in message
    assert "Written by a read" in message  # the parameters are shown
    assert OrderComment.objects.filter(body="Written by a read").exists()  # it still ran


def test_a_read_may_save_the_session_when_it_consumes_messages(client, viewer, settings):
    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
    request = HttpRequest()
    request.session = client.session
    storage = SessionStorage(request)
    storage.add(messages.SUCCESS, "Saved.")
    storage.update(response=None)
    request.session.save()

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard"))  # reading the message saves the session

    assert "Saved." in response.text
    session_writes = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "signin_session"')]
    assert session_writes  # it did write the session, and the guard let it
    assert "_messages" not in client.session


@pytest.mark.parametrize(
    ("sql", "writes"),
    [
        ('INSERT INTO "orders_ordercomment" ("body") VALUES (%s)', True),
        ('  update "orders_approvalrequest" SET "state" = %s', True),
        ('DELETE FROM "payments_transaction" WHERE id = %s', True),
        ('WITH x AS (UPDATE "orders_order" SET version = 2 RETURNING id) SELECT * FROM x', True),
        ('UPDATE "signin_session" SET "session_data" = %s WHERE "session_key" = %s', False),
        ('INSERT INTO "signin_session" ("session_key") VALUES (%s)', False),
        ('DELETE FROM "signin_session" WHERE "session_key" = %s', False),
        ('SELECT * FROM "orders_order" WHERE id = %s FOR UPDATE', False),
        ('WITH x AS (SELECT id FROM "orders_order") SELECT * FROM x FOR UPDATE', False),
        ('SELECT "updated_at" FROM "payments_transaction"', False),
    ],
)
def test_what_counts_as_a_write(sql, writes):
    assert _writes_of(sql) is writes
