"""Stripe's webhooks: the `Stripe-Signature` check and Stripe's events as inbox events.

Signature: `Stripe-Signature: t=<unix time>,v1=<hex>`, HMAC-SHA256 of `"<t>." + body` with the
endpoint's secret (`STRIPE_WEBHOOK_SECRET[_<STORE>]`), checked by the SDK; five minutes'
tolerance either way. Anything else → `WebhookRejected` (the inbox answers 400 and audits).

Stripe's events carry the whole object as it is now, not what changed. Each event is turned
into the money facts its object proves, each under the PSP reference that names that money,
so that any event about the same money lands on the same reference and the inbox records it
once (`apply.apply_event`: "Already in the ledger"), in whatever order they arrive. Facts only
add up: an older event never takes back what a newer one recorded.

- `payment_intent.succeeded` / `.amount_capturable_updated`: a capture of what
  `amount_received` holds beyond our own captures (each of ours leaves a marker with its amount
  in the PaymentIntent's metadata), under the charge's id. Automatic-capture PaymentIntents
  (sales, rebills) were recorded whole by us: nothing.
- `payment_intent.canceled`: the released remainder, a void (or an expiry when Stripe canceled
  it itself, `cancellation_reason=automatic`), under the charge's id as our own void is.
- `charge.captured`: nothing of its own — its charge doesn't tell our captures from the
  Dashboard's; the PaymentIntent's event of the same capture does.
- `refund.created` / `.updated` / `.failed` and the refunds listed in `charge.refunded`: a
  succeeded refund without our key in its metadata (made in the Stripe Dashboard), under the
  refund's id. Ours echoed back change nothing; pending or failed ones move no money.
- `charge.dispute.created` / `.funds_withdrawn` / `.funds_reinstated` / `.closed`: a chargeback
  once the funds are withdrawn (every status but Stripe's inquiries `warning_*`), under the
  dispute's id, and its reversal once reinstated (`funds_reinstated`, or closed `won`), under
  `<dispute id>:reinstated`. Stripe's `reason` reaches the history through the raw payload.

Other event types are acknowledged (200) and stored nowhere: they move no money here.
"""

import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import stripe

from payments.gateways.base import WebhookEvent, WebhookEventType, WebhookRejected
from payments.gateways.stripe_calls import KEY_FIELD

if TYPE_CHECKING:
    from payments.models import GatewayAccount

E = WebhookEventType
SIGNATURE_HEADER = "Stripe-Signature"
TOLERANCE_SECONDS = 300
INQUIRY_STATUSES = {"warning_needs_response", "warning_under_review", "warning_closed"}
CAPTURE_MARKER_PREFIX = "bo_capture_"  # stripe_calls.capture_marker
# One money fact: its type, the payment's reference, the money's reference, the amount.
type Fact = tuple[WebhookEventType, str, str, int]


def verify(
    account: "GatewayAccount", headers: Mapping[str, str], body: bytes, *, secret: str
) -> list[WebhookEvent]:
    """The inbox events of a Stripe webhook whose signature verifies; WebhookRejected
    otherwise."""
    if not secret:
        raise WebhookRejected(
            "No Stripe webhook signing secret for this store: set STRIPE_WEBHOOK_SECRET "
            f"(or STRIPE_WEBHOOK_SECRET_{account.store.code.upper()})."
        )
    header = _header(headers, SIGNATURE_HEADER)
    try:
        text = body.decode("utf-8")
        stripe.WebhookSignature.verify_header(text, header, secret, TOLERANCE_SECONDS)
    except (UnicodeDecodeError, stripe.SignatureVerificationError) as error:
        raise WebhookRejected(f"The Stripe-Signature signature does not verify: {error}") from None
    if _timestamp(header) > time.time() + TOLERANCE_SECONDS:
        raise WebhookRejected("The Stripe-Signature signature's timestamp is in the future.")
    try:
        return events_of(json.loads(text))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise WebhookRejected(f"Malformed Stripe event: {error!r}") from None


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return ""


def _timestamp(header: str) -> int:
    for part in header.split(","):
        name, _, value = part.partition("=")
        if name.strip() == "t" and value.strip().isdigit():
            return int(value)
    return 0


def events_of(event: dict[str, Any]) -> list[WebhookEvent]:
    """One Stripe event → its money facts as inbox events (often none)."""
    obj = event["data"]["object"]
    facts = facts_of(str(event["type"]), obj)
    created = int(event["created"])
    currency = str(obj.get("currency") or "").upper()
    evt_id = str(event["id"])
    return [
        WebhookEvent(
            event_id=(evt_id if len(facts) == 1 else f"{evt_id}:{reference}")[:120],
            type=type_,
            payment_reference=payment,
            reference=reference,
            amount=amount,
            currency=currency,
            occurred_at=datetime.fromtimestamp(created, tz=UTC),
            sequence=created,
            payload=event,
        )
        for type_, payment, reference, amount in facts
        if amount > 0 and payment
    ]


def facts_of(type_: str, obj: dict[str, Any]) -> list[Fact]:
    if type_ in {"payment_intent.succeeded", "payment_intent.amount_capturable_updated"}:
        return _dashboard_capture(obj)
    if type_ == "payment_intent.canceled":
        released = int(obj["amount"]) - int(obj.get("amount_received") or 0)
        kind = E.AUTHORIZATION_EXPIRED if obj.get("cancellation_reason") == "automatic" else E.VOID
        return [(kind, str(obj["id"]), str(obj.get("latest_charge") or obj["id"]), released)]
    if type_ in {"refund.created", "refund.updated", "refund.failed"}:
        return _dashboard_refund(obj)
    if type_ == "charge.refunded":
        listed = (obj.get("refunds") or {}).get("data") or []
        return [fact for refund in listed for fact in _dashboard_refund(refund)]
    if type_.startswith("charge.dispute."):
        return _dispute(type_, obj)
    return []  # charge.captured and the rest: see the module's docstring


def _dashboard_capture(intent: dict[str, Any]) -> list[Fact]:
    if intent.get("capture_method") == "automatic":
        return []
    metadata = intent.get("metadata") or {}
    ours = sum(int(v) for k, v in metadata.items() if k.startswith(CAPTURE_MARKER_PREFIX))
    theirs = int(intent.get("amount_received") or 0) - ours
    charge = str(intent.get("latest_charge") or intent["id"])
    return [(E.CAPTURE, str(intent["id"]), charge, theirs)]


def _dashboard_refund(refund: dict[str, Any]) -> list[Fact]:
    if (refund.get("metadata") or {}).get(KEY_FIELD) or refund.get("status") != "succeeded":
        return []
    payment = str(refund.get("payment_intent") or "")
    return [(E.REFUND, payment, str(refund["id"]), int(refund["amount"]))]


def _dispute(type_: str, dispute: dict[str, Any]) -> list[Fact]:
    status = str(dispute.get("status") or "")
    if status in INQUIRY_STATUSES:
        return []  # an inquiry: no funds withdrawn
    payment, dp = str(dispute.get("payment_intent") or ""), str(dispute["id"])
    amount = int(dispute["amount"])
    facts: list[Fact] = [(E.CHARGEBACK, payment, dp, amount)]
    if type_ == "charge.dispute.funds_reinstated" or status == "won":
        facts.append((E.CHARGEBACK_REVERSAL, payment, f"{dp}:reinstated", amount))
    return facts
