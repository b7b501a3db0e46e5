"""seed_demo's Stripe account: added to store us only with a Stripe test-mode key, and said."""

import io

import pytest
from django.core.management import call_command

from payments.models import GatewayAccount

pytestmark = pytest.mark.django_db


def seed_demo() -> str:
    out = io.StringIO()
    call_command("seed_demo", "--orders", "0", stdout=out)
    return out.getvalue()


def stripe_stores() -> list[str]:
    rows = GatewayAccount.objects.filter(gateway="stripe")
    return list(rows.values_list("store__code", flat=True))


def test_a_test_mode_key_adds_a_stripe_account_to_us_and_says_so(monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_demo123")

    first, again = seed_demo(), seed_demo()

    assert "Stripe account added to store us (STRIPE_SECRET_KEY is a test-mode key)" in first
    assert "Store us already has a Stripe account" in again
    assert stripe_stores() == ["us"]
    account = GatewayAccount.objects.get(gateway="stripe")
    assert account.authorization_validity_days == 7
    assert "sk_test_demo123" not in first + again  # the secret is never printed


def test_without_a_key_nothing_changes(monkeypatch):
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)

    output = seed_demo()

    assert "Stripe" not in output
    assert stripe_stores() == []
    assert set(GatewayAccount.objects.values_list("gateway", flat=True)) == {"sandbox"}


def test_a_live_key_is_never_used_for_demo_data(monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_live_realmoney")

    output = seed_demo()

    assert "STRIPE_SECRET_KEY is not a test-mode key (sk_test_…)" in output
    assert "sk_live_realmoney" not in output
    assert stripe_stores() == []
