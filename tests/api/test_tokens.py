"""create_api_token, tokens stored hashed, and the managers' API tokens page with Revoke."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from api.models import ApiToken
from backoffice.audit.events import SETTINGS_CHANGE
from backoffice.audit.models import AuditEvent
from tests.api.helpers import ORDERS, eu_store, post_order, store_token
from tests.backoffice.roles_helpers import role_user
from tests.factories import StoreFactory
from tests.orders.import_helpers import order_data

pytestmark = pytest.mark.django_db


def create_token(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("create_api_token", *args, stdout=out)
    return out.getvalue().splitlines()


def test_create_api_token_prints_the_token_alone_on_its_last_line_and_it_works(client):
    StoreFactory(code="us")
    lines = create_token("--store", "us", "--name", "Main storefront")
    token = lines[-1]
    assert token.startswith("bo_") and " " not in token and len(token) == 3 + 8 + 1 + 43
    assert "copy it now" in lines[0]
    row = ApiToken.objects.get()
    assert (row.store.code, row.name, row.prefix) == ("us", "Main storefront", token[3:11])
    assert post_order(client, token, order_data()).status_code == 201
    event = AuditEvent.objects.get(type=SETTINGS_CHANGE, object_type="api.ApiToken")
    assert token not in event.message


def test_the_database_holds_no_token_only_its_hash():
    StoreFactory(code="us")
    token = create_token("--store", "us", "--name", "shop")[-1]
    secret = token.split("_", 2)[2]  # "bo_<prefix>_<secret>"; the secret may hold "_" itself
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apitoken")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert secret not in stored and token not in stored
    assert ApiToken.objects.get().digest != token


def test_create_api_token_refuses_an_unknown_store_or_an_empty_name():
    StoreFactory(code="us")
    with pytest.raises(CommandError, match="Unknown store 'xx'"):
        create_token("--store", "xx", "--name", "shop")
    with pytest.raises(CommandError, match="--name"):
        create_token("--store", "us", "--name", " ")
    assert not ApiToken.objects.exists()


def test_using_a_token_notes_when_it_was_last_used(client):
    token = store_token()
    assert ApiToken.objects.get().last_used_at is None
    client.get(ORDERS, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert ApiToken.objects.get().last_used_at is not None


# ---- the API tokens page -------------------------------------------------------------------


def test_a_manager_sees_the_stores_tokens_without_the_secret_and_revokes_one(client):
    token = store_token()
    row = ApiToken.objects.get()
    client.force_login(role_user("manager"))
    page = client.get("/api/tokens/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"bo_{row.prefix}_" in html and token not in html
    response = client.post(f"/api/tokens/{row.pk}/revoke/", follow=True)
    assert response.status_code == 200
    assert "is revoked" in response.content.decode()
    row.refresh_from_db()
    assert row.revoked_at is not None and row.revoked_by is not None
    assert post_order(client, token, order_data()).status_code == 401
    assert AuditEvent.objects.filter(type=SETTINGS_CHANGE, message__contains="revoked").exists()


def test_finance_may_neither_see_nor_revoke_tokens(client):
    store_token()
    row = ApiToken.objects.get()
    client.force_login(role_user("finance"))
    assert client.get("/api/tokens/").status_code == 403
    assert client.post(f"/api/tokens/{row.pk}/revoke/").status_code == 403
    assert ApiToken.objects.get().revoked_at is None


def test_a_manager_of_another_store_gets_404_and_sees_none_of_its_tokens(client):
    store_token()
    row = ApiToken.objects.get()
    eu = eu_store()
    client.force_login(role_user("manager", store=eu))
    page = client.get("/api/tokens/")
    assert page.status_code == 200 and row.prefix not in page.content.decode()
    assert client.post(f"/api/tokens/{row.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get().revoked_at is None
