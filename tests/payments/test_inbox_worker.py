"""[PostgreSQL] A real `manage.py db_worker` process picks the inbox's task up and applies it:
the production path (django-tasks-db), end to end."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from payments.inbox_models import InboundEvent
from payments.models import Transaction
from tests.payments.inbox_helpers import Kind, at_sandbox, post_events
from tests.payments.money_helpers import captured_payment, refreshed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = connection.settings_dict
    user, password = quote(db["USER"]), quote(db["PASSWORD"])
    return f"postgres://{user}:{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def test_a_real_db_worker_processes_an_inbound_event(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    payment = captured_payment(5000)
    op = at_sandbox(payment, Kind.REFUND, 2000)

    response = post_events(client, payment.gateway_account, op)

    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert event.status == "received"  # stored before the answer; applied by a worker
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    worker = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "backoffice.settings.base",  # the database backend
            "DJANGO_DEBUG": "0",
            "DATABASE_URL": database_url(),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == 0, worker.stderr[-2000:]
    event.refresh_from_db()
    assert event.status == "processed", event.last_error
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert Transaction.objects.get(source="webhook").amount == 2000
    assert refreshed(payment).refundable == 3000
