"""The fake's webhooks: Stripe's events for what happens on Stripe's side (a refund in the
Dashboard, a dispute and its outcome), signed as Stripe signs them.

`Stripe-Signature: t=<unix time>,v1=<hex>`, HMAC-SHA256 of `"<t>." + body` with the endpoint's
secret (`FakeStripe.webhook_secret`). Each event is its own POST, as Stripe sends them.
"""

import hashlib
import hmac
import json
from typing import Any

from tests.stripe_fake.state import FakeStripe

API_VERSION = "2024-06-20"


def event(fake: FakeStripe, type_: str, obj: dict[str, Any]) -> dict[str, Any]:
    """A Stripe event carrying `obj` as it is now (Stripe sends the whole object)."""
    return {
        "id": fake.new_id("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": fake.now(),
        "livemode": False,
        "type": type_,
        "data": {"object": json.loads(json.dumps(fake.public(obj)))},
    }


def sign(body: bytes, secret: str, at: int) -> str:
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def signed(
    fake: FakeStripe, evt: dict[str, Any], *, at: int | None = None, secret: str | None = None
) -> tuple[dict[str, str], bytes]:
    """The headers and body Stripe POSTs to the endpoint for `evt`."""
    body = json.dumps(evt, indent=2).encode()
    at = fake.now() if at is None else at
    return {"Stripe-Signature": sign(body, secret or fake.webhook_secret, at)}, body


def dashboard_refund_events(fake: FakeStripe, pi_id: str, amount: int) -> list[dict[str, Any]]:
    """A refund made in the Stripe Dashboard, as its events tell it."""
    refund = fake.dashboard_refund(pi_id, amount)
    charge = {
        "id": refund["charge"],
        "object": "charge",
        "amount_refunded": fake.intents[pi_id]["_refunded"],
        "currency": refund["currency"],
        "payment_intent": pi_id,
        "refunded": False,
    }
    return [event(fake, "charge.refunded", charge), event(fake, "refund.created", refund)]
