"""OPPWA's (ACI's Open Payment Platform) configuration and the rules we check before calling it.

Secrets come only from the environment, never from the database or the logs, per account:
`OPPWA_ACCESS_TOKEN_<ACCOUNT CODE>` (the code is the store's code, upper case) or else
`OPPWA_ACCESS_TOKEN`; the same for `OPPWA_ENTITY_ID` and `OPPWA_WEBHOOK_SECRET` (the
notifications' decryption key, 64 hex digits). The host is the account's: the test host unless
the account is in live mode; `OPPWA_API_BASE` overrides it (tests, proxies).
"""

import os
from typing import TYPE_CHECKING

from backoffice.money import currency_digits, format_money, to_decimal
from payments.gateways.account_env import account_env, account_variable

if TYPE_CHECKING:
    from payments.models import GatewayAccount

TEST_HOST = "https://eu-test.oppwa.com"
LIVE_HOST = "https://eu-prod.oppwa.com"
# OPPWA's documented formats: amount `[0-9]{1,12}(\.[0-9]{2})?`, merchantTransactionId
# `[\s\S]{8,255}`, descriptor `[\s\S]{1,127}`.
MAX_AMOUNT_DIGITS = 12
MERCHANT_ID_MIN, MERCHANT_ID_MAX = 8, 255
DESCRIPTOR_MAX = 127
# What we prefix to a short idempotency key used as merchantTransactionId.
KEY_PREFIX = "bo-key-"


class OppwaNotConfigured(Exception):
    """No access token or entity for the account: a configuration error staff must fix."""


def access_token(account: "GatewayAccount | None") -> str:
    return account_env("OPPWA_ACCESS_TOKEN", account)


def entity_id(account: "GatewayAccount | None") -> str:
    return account_env("OPPWA_ENTITY_ID", account)


def webhook_secret(account: "GatewayAccount | None") -> str:
    return account_env("OPPWA_WEBHOOK_SECRET", account)


def missing(account: "GatewayAccount | None") -> list[str]:
    """The variables an account still needs to call OPPWA."""
    wanted = (("OPPWA_ACCESS_TOKEN", access_token), ("OPPWA_ENTITY_ID", entity_id))
    return [account_variable(name, account) for name, value in wanted if not value(account)]


def api_base(account: "GatewayAccount | None") -> str:
    override = os.environ.get("OPPWA_API_BASE", "").rstrip("/")
    if override:
        return override
    return LIVE_HOST if account is not None and account.live_mode else TEST_HOST


def amount_refusal(amount: int, currency: str) -> str | None:
    """Why OPPWA would refuse `amount` (minor units), before we call it: it takes at most two
    decimals, so a three-decimal currency's amount must end in 0."""
    if amount <= 0:
        return "OPPWA needs an amount greater than zero."
    if currency_digits(currency) > 2 and amount % 10 ** (currency_digits(currency) - 2):
        return (
            f"OPPWA accepts {currency.upper()} amounts only with two decimals; "
            f"{format_money(amount, currency)} can't be sent."
        )
    if len(str(amount // 10 ** currency_digits(currency))) > MAX_AMOUNT_DIGITS:
        return f"{format_money(amount, currency)} is more than OPPWA accepts."
    return None


def amount_text(amount: int, currency: str) -> str:
    """The amount as OPPWA wants it, per the currency's exponent (Babel's CLDR data):
    USD 1050 → "10.50", JPY 500 → "500", KWD 1230 → "1.23" (see `amount_refusal`)."""
    digits = min(currency_digits(currency), 2)
    return f"{to_decimal(amount, currency):.{digits}f}"


def merchant_transaction_id(merchant_reference: str, idempotency_key: str) -> str:
    """What we send as `merchantTransactionId`: the staff's Transaction ID, or else our
    idempotency key, so that every request can be found again (`lookup`)."""
    if merchant_reference:
        return merchant_reference
    if len(idempotency_key) < MERCHANT_ID_MIN:
        return f"{KEY_PREFIX}{idempotency_key}"
    return idempotency_key


def merchant_id_refusal(merchant_reference: str) -> str | None:
    if merchant_reference and not (MERCHANT_ID_MIN <= len(merchant_reference) <= MERCHANT_ID_MAX):
        return (
            f"OPPWA needs a Transaction ID of {MERCHANT_ID_MIN} to {MERCHANT_ID_MAX} characters; "
            f'"{merchant_reference}" has {len(merchant_reference)}.'
        )
    return None


def masked(secret: str) -> str:
    """ "…4f2a": enough to tell which secret is set, never the secret."""
    return f"…{secret[-4:]}" if secret else ""


def secrets_summary(account: "GatewayAccount") -> str:
    """What the admin shows of an account's secrets: masked, with where they come from."""
    parts = []
    for label, name, value in (
        ("Access token", "OPPWA_ACCESS_TOKEN", access_token(account)),
        ("Entity", "OPPWA_ENTITY_ID", entity_id(account)),
        ("Webhook secret", "OPPWA_WEBHOOK_SECRET", webhook_secret(account)),
    ):
        shown = masked(value) or "not set"
        parts.append(f"{label}: {shown} (environment, {account_variable(name, account)} or {name})")
    return "; ".join(parts) + f"; host: {api_base(account)}"
