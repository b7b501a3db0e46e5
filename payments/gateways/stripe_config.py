"""Stripe's configuration and the rules we check before calling it.

Secrets come only from the environment, never from the database or the logs:
`STRIPE_SECRET_KEY_<ACCOUNT CODE>` (a second account; the code is the store's code, upper case)
or else `STRIPE_SECRET_KEY`; the same for `STRIPE_WEBHOOK_SECRET`. `STRIPE_API_BASE` overrides
the API host (tests, proxies).
"""

import os
from typing import TYPE_CHECKING

import stripe

from backoffice.money import currency_digits, format_money
from payments.gateways.account_env import account_env, account_variable

if TYPE_CHECKING:
    from payments.models import GatewayAccount

DEFAULT_API_BASE = "https://api.stripe.com"
# Stripe cancels an uncaptured PaymentIntent this many days after it was created.
AUTHORIZATION_VALIDITY_DAYS = 7
# Stripe keeps an idempotency key's answer for 24 hours; we replay a little inside that.
REPLAY_WINDOW_HOURS = 23

# Our reason codes (payments.reason_codes) → Stripe's refund `reason`, where one fits.
REFUND_REASONS: dict[str, str] = {
    "duplicate": "duplicate",
    "fraud": "fraudulent",
    "returned": "requested_by_customer",
    "damaged": "requested_by_customer",
    "not_as_described": "requested_by_customer",
}


class StripeNotConfigured(Exception):
    """No secret key for the account: a configuration error staff must fix."""


def secret_key_name(account: "GatewayAccount | None") -> str:
    """The variable staff should set: the account's own, or the default."""
    return account_variable("STRIPE_SECRET_KEY", account)


def secret_key(account: "GatewayAccount | None") -> str:
    return account_env("STRIPE_SECRET_KEY", account)


def webhook_secret(account: "GatewayAccount | None") -> str:
    return account_env("STRIPE_WEBHOOK_SECRET", account)


def api_base() -> str:
    return os.environ.get("STRIPE_API_BASE", "").rstrip("/") or DEFAULT_API_BASE


def client_for(account: "GatewayAccount | None", *, timeout: float) -> stripe.StripeClient:
    """A client for the account's key. No automatic retries: a request whose answer we lose
    stays "unknown" and is settled by `lookup` with the same key."""
    key = secret_key(account)
    if not key:
        raise StripeNotConfigured(
            f"Stripe is not configured for this store: set {secret_key_name(account)} "
            "in the environment."
        )
    return stripe.StripeClient(
        key,
        base_addresses={"api": api_base()},
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=timeout),
    )


def amount_refusal(amount: int, currency: str) -> str | None:
    """Why Stripe would refuse `amount` (our minor units, which are Stripe's too), before we
    call it: three-decimal currencies must end in 0."""
    if amount <= 0:
        return "Stripe needs an amount greater than zero."
    if currency_digits(currency) == 3 and amount % 10:
        return (
            f"Stripe accepts {currency.upper()} amounts only in multiples of "
            f"{format_money(10, currency)} (the last digit must be 0); "
            f"{format_money(amount, currency)} can't be sent."
        )
    return None


def masked(secret: str) -> str:
    """ "sk_test_…4242": enough to tell which key is set, never the key."""
    if not secret:
        return ""
    prefix = secret.split("_", 2)
    head = "_".join(prefix[:2]) + "_" if len(prefix) == 3 else ""
    return f"{head}…{secret[-4:]}"


def secrets_summary(account: "GatewayAccount") -> str:
    """What the admin shows of an account's secrets: masked, with where they come from."""
    parts = []
    for label, value, name in (
        ("Secret key", secret_key(account), secret_key_name(account)),
        (
            "Webhook secret",
            webhook_secret(account),
            account_variable("STRIPE_WEBHOOK_SECRET", account),
        ),
    ):
        parts.append(f"{label}: {masked(value) or 'not set'} (environment, {name} or its default)")
    return "; ".join(parts)
