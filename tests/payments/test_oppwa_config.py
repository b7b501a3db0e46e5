"""Configuring a store's OPPWA account: the command, the system check, the admin, the host."""

import pytest
from django.core.management import call_command

from payments.checks import oppwa_secrets
from payments.gateways.oppwa_config import LIVE_HOST, TEST_HOST, api_base
from payments.models import GatewayAccount
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db
VARIABLES = ("OPPWA_ACCESS_TOKEN", "OPPWA_ENTITY_ID", "OPPWA_WEBHOOK_SECRET", "OPPWA_API_BASE")


@pytest.fixture(autouse=True)
def no_oppwa_env(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_US", raising=False)


def test_command_creates_then_updates_an_oppwa_account(capsys):
    StoreFactory(code="us")
    call_command("gateway_account", "--store", "us", "--gateway", "oppwa", "--name", "ACI")
    out = capsys.readouterr().out
    assert "Created ACI (oppwa, us)." in out
    assert "set OPPWA_ACCESS_TOKEN_US and OPPWA_ENTITY_ID_US" in out
    account = GatewayAccount.objects.get(store__code="us", gateway="oppwa")
    assert not account.live_mode and api_base(account) == TEST_HOST
    call_command("gateway_account", "--store", "us", "--gateway", "oppwa", "--live", "yes")
    assert "Updated ACI (oppwa, us)." in capsys.readouterr().out
    account.refresh_from_db()
    assert account.live_mode and api_base(account) == LIVE_HOST
    assert GatewayAccount.objects.filter(gateway="oppwa").count() == 1


def test_check_warns_about_an_oppwa_account_without_its_token(monkeypatch):
    GatewayAccount.objects.create(store=StoreFactory(code="us"), gateway="oppwa", name="ACI")
    warnings = oppwa_secrets()
    assert [w.id for w in warnings] == ["payments.W002"]
    assert "OPPWA_ACCESS_TOKEN_US and OPPWA_ENTITY_ID_US" in warnings[0].hint
    monkeypatch.setenv("OPPWA_ACCESS_TOKEN_US", "token")
    monkeypatch.setenv("OPPWA_ENTITY_ID", "entity")
    assert oppwa_secrets() == []


def test_admin_shows_the_account_and_never_a_secret(admin_client, monkeypatch):
    monkeypatch.setenv("OPPWA_ACCESS_TOKEN", "OGFjN2very-secret-token")
    account = GatewayAccount.objects.create(store=StoreFactory(), gateway="oppwa", name="ACI")
    page = admin_client.get(f"/admin/payments/gatewayaccount/{account.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "very-secret" not in text
    assert "Access token: …oken (environment, OPPWA_ACCESS_TOKEN_" in text
    assert "Webhook secret: not set" in text and TEST_HOST in text
