"""seed_demo's optional Stripe account: store `us` gets one only when a Stripe test-mode key is
in the environment (`STRIPE_SECRET_KEY=sk_test_…`); a live key is never used for demo data."""

import os

from backoffice.models import Store
from payments.models import GatewayAccount
from payments.services.gateway_accounts import gateway_account_save

DEMO_STORE = "us"
TEST_KEY_PREFIX = "sk_test_"


def demo_stripe_account_ensure() -> str:
    """Add the Stripe account when a test-mode key is set; what was done, for the output
    ("" when no key is set: nothing changes)."""
    key = os.environ.get("STRIPE_SECRET_KEY", "")
    if not key:
        return ""
    if not key.startswith(TEST_KEY_PREFIX):
        return (
            f"STRIPE_SECRET_KEY is not a test-mode key ({TEST_KEY_PREFIX}…): "
            "no Stripe account added to the demo data."
        )
    store = Store.objects.filter(code=DEMO_STORE).first()
    if store is None:
        return ""
    if GatewayAccount.objects.filter(store=store, gateway="stripe").exists():
        return f"Store {DEMO_STORE} already has a Stripe account (test-mode key set)."
    gateway_account_save(store=store, gateway="stripe", name="Stripe")
    return (
        f"Stripe account added to store {DEMO_STORE} (STRIPE_SECRET_KEY is a test-mode key): "
        "orders the storefront pays with Stripe can be imported and handled there."
    )
