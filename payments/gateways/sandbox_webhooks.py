"""The sandbox's webhooks: what it sends when something happens on its side, signed, and how
its adapter verifies what arrives (`SandboxGateway.verify_webhook`).

Signature, as Stripe does it: the header `X-Sandbox-Signature: t=<unix time>,v1=<hex>` where
`<hex>` is HMAC-SHA256 of `"<t>." + body` with the gateway account's secret. The secret is
derived per account (gateway and store code) from `settings.SANDBOX_WEBHOOK_SECRET`, so one
store's secret can't sign another's events. A signature older or newer than five minutes is
refused (a replayed request).

Body: `{"events": [{"id", "type", "created", "sequence", "data": {"charge", "operation",
"amount", "currency"}}]}`: one event per operation, `sequence` the PSP's order of operations.
"""

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings

from payments.gateways.base import WebhookEvent, WebhookEventType, WebhookRejected
from payments.models import SandboxOperation

if TYPE_CHECKING:
    from payments.models import GatewayAccount

Kind = SandboxOperation.Kind
SIGNATURE_HEADER = "X-Sandbox-Signature"
TOLERANCE_SECONDS = 300
EVENT_TYPES: dict[str, WebhookEventType] = {
    Kind.CAPTURE: WebhookEventType.CAPTURE,
    Kind.VOID: WebhookEventType.VOID,
    Kind.REFUND: WebhookEventType.REFUND,
    Kind.CHARGEBACK: WebhookEventType.CHARGEBACK,
    Kind.CHARGEBACK_REVERSAL: WebhookEventType.CHARGEBACK_REVERSAL,
    Kind.EXPIRE: WebhookEventType.AUTHORIZATION_EXPIRED,
}


def account_secret(account: "GatewayAccount") -> bytes:
    base = settings.SANDBOX_WEBHOOK_SECRET.encode()
    return hmac.new(base, f"{account.gateway}:{account.store.code}".encode(), "sha256").digest()


def signature(account: "GatewayAccount", body: bytes, *, at: int) -> str:
    digest = hmac.new(account_secret(account), f"{at}.".encode() + body, hashlib.sha256)
    return f"t={at},v1={digest.hexdigest()}"


def event_of(op: SandboxOperation) -> dict[str, Any]:
    """One operation done on the sandbox's side, as its webhook tells it."""
    assert op.charge is not None
    return {
        "id": f"evt_{op.reference}",
        "type": str(EVENT_TYPES[op.kind]),
        "created": op.created_at.isoformat(),
        "sequence": op.pk,
        "data": {
            "charge": op.charge.reference,
            "operation": op.reference,
            "amount": op.amount,
            "currency": op.currency,
        },
    }


def webhook_request(
    account: "GatewayAccount", events: list[dict[str, Any]], *, at: int | None = None
) -> tuple[dict[str, str], bytes]:
    """The headers and body the sandbox POSTs to `/webhooks/sandbox/<store code>/`."""
    body = json.dumps({"events": events}, separators=(",", ":")).encode()
    at = int(time.time()) if at is None else at
    headers = {SIGNATURE_HEADER: signature(account, body, at=at)}
    return headers, body


def verify(
    account: "GatewayAccount", headers: Mapping[str, str], body: bytes
) -> list[WebhookEvent]:
    """The events of a webhook whose signature verifies; raises WebhookRejected otherwise."""
    header = headers.get(SIGNATURE_HEADER, "")
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if not parts.get("t", "").isdigit() or "v1" not in parts:
        raise WebhookRejected("Missing or malformed signature header.")
    at = int(parts["t"])
    expected = signature(account, body, at=at).rpartition("v1=")[2]
    if not hmac.compare_digest(expected, parts["v1"]):
        raise WebhookRejected("The signature does not match.")
    if abs(time.time() - at) > TOLERANCE_SECONDS:
        raise WebhookRejected("The signature's timestamp is too old (or in the future).")
    try:
        return [_parse(item) for item in json.loads(body)["events"]]
    except (ValueError, KeyError, TypeError) as error:
        raise WebhookRejected(f"Malformed event: {error}") from None


def _parse(item: dict[str, Any]) -> WebhookEvent:
    data = item["data"]
    amount, sequence = data["amount"], item["sequence"]
    if not isinstance(amount, int) or not isinstance(sequence, int) or amount <= 0:
        raise ValueError("amount and sequence must be positive integers")
    return WebhookEvent(
        event_id=str(item["id"])[:120],
        type=WebhookEventType(item["type"]),
        payment_reference=str(data["charge"]),
        reference=str(data["operation"]),
        amount=amount,
        currency=str(data["currency"]),
        occurred_at=datetime.fromisoformat(item["created"]),
        sequence=sequence,
        payload=item,
    )
