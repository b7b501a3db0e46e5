"""A bounded schemathesis run against /api/v1/schema/, served by the app itself over WSGI (no
network): no 5xx, and every answer has a documented status, content type and shape.

25 examples per operation, derandomized (the same cases on every run), with a valid token of
store US holding one order, so GETs also find something.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.helpers import post_order, store_token
from tests.orders.import_helpers import order_data

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def keep_the_test_connection(token):
    """Django's WSGI handler closes the database connection after each request, which would
    end the test's transaction on PostgreSQL; the test client keeps it the same way (and
    connects the receivers again after each of its requests: hence after `token`)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(client):
    token = store_token()
    assert post_order(client, token, order_data()).status_code == 201
    return token


# Loaded at collection: the schema view reads no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_the_api_answers_as_its_schema_says(case, token, keep_the_test_connection):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
