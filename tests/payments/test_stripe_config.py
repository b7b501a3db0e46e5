"""Configuring a store's Stripe account: the command, the system check, the admin."""

import pytest
from django.core.management import call_command

from payments.checks import stripe_secrets
from payments.models import GatewayAccount
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def test_command_creates_then_updates_a_stripe_account(capsys, monkeypatch):
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    StoreFactory(code="us")
    call_command("gateway_account", "--store", "us", "--gateway", "stripe", "--multicapture", "no")
    out = capsys.readouterr().out
    assert "Created Stripe (stripe, us)." in out and "set STRIPE_SECRET_KEY_US" in out
    account = GatewayAccount.objects.get(store__code="us", gateway="stripe")
    assert (account.supports_multicapture, account.authorization_validity_days) == (False, 7)
    call_command("gateway_account", "--store", "us", "--gateway", "stripe", "--name", "Stripe US")
    assert "Updated Stripe US (stripe, us)." in capsys.readouterr().out
    assert GatewayAccount.objects.filter(gateway="stripe").count() == 1


def test_check_warns_about_a_stripe_account_without_a_secret(monkeypatch):
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    monkeypatch.delenv("STRIPE_SECRET_KEY_US", raising=False)
    GatewayAccount.objects.create(store=StoreFactory(code="us"), gateway="stripe", name="S")
    warnings = stripe_secrets()
    assert [w.id for w in warnings] == ["payments.W001"]
    assert "STRIPE_SECRET_KEY_US" in warnings[0].hint
    monkeypatch.setenv("STRIPE_SECRET_KEY_US", "sk_test_x")
    assert stripe_secrets() == []


def test_admin_shows_the_account_and_never_a_secret(admin_client, monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_very_secret")
    account = GatewayAccount.objects.create(store=StoreFactory(), gateway="stripe", name="S")
    page = admin_client.get(f"/admin/payments/gatewayaccount/{account.pk}/change/")
    assert page.status_code == 200
    assert b"stripe" in page.content and b"sk_test_very_secret" not in page.content
    # Masked, with where it comes from: enough to tell which key is set.
    assert "Secret key: sk_test_…cret (environment, STRIPE_SECRET_KEY_" in page.content.decode()
    assert "Webhook secret: not set" in page.content.decode()
