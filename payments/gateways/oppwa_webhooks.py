"""OPPWA's encrypted notifications (webhooks): decrypted, verified and turned into inbox events.

Encryption, as OPPWA documents it: the body is the hex-encoded AES-256-GCM ciphertext of the
JSON notification; `X-Initialization-Vector` and `X-Authentication-Tag` are hex; the key is
the account's webhook secret (`OPPWA_WEBHOOK_SECRET[_<STORE>]`, 64 hex digits). A body that
doesn't decrypt and verify with the tag (tampered, another key) → `WebhookRejected` (the inbox
answers 400, stores nothing and audits).

The notification: `{"type": "PAYMENT", "payload": {<the transaction as the API answers it>}}`.
Other types (REGISTRATION, SCHEDULE, RISK) and test notifications (`"type": "test"`, the BIP's
"test" button) are acknowledged and ignored: they move no money here. A PAYMENT notification
becomes a money fact when its transaction succeeded and was made at OPPWA, not by us:

- CP (a capture in the Business Intelligence Platform), RV (a reversal), RF (a refund),
  CB (a chargeback; its `000.100.2xx` code tells the reason), CR (a chargeback reversal),
  each under the transaction's own OPPWA id, on the payment its `referencedId` names (a refund
  names the capture it refunds: the payment is found through our ledger, an earlier event
  about that capture, or OPPWA's record of the capture, so they apply in any order);
- ours echoed back (its merchantTransactionId is one we sent) and checkout payments (PA, DB)
  or rebills (RB) change nothing: our own flow records them.
"""

import binascii
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db.models import Q

from backoffice.money import currency_digits
from payments.enums import TransactionSource
from payments.gateways.base import WebhookEvent, WebhookEventType, WebhookRejected
from payments.gateways.oppwa_codes import SUCCESSFUL, classify
from payments.gateways.oppwa_config import KEY_PREFIX
from payments.inbox_models import InboundEvent
from payments.models import Transaction

if TYPE_CHECKING:
    from payments.models import GatewayAccount

E = WebhookEventType
# OPPWA id → the id of the payment (PA or DB) it belongs to, asked of OPPWA itself.
type Resolver = Callable[[str], str]
IV_HEADER, TAG_HEADER = "X-Initialization-Vector", "X-Authentication-Tag"
TYPES: Mapping[str, WebhookEventType] = {
    "CP": E.CAPTURE,
    "RV": E.VOID,
    "RF": E.REFUND,
    "CB": E.CHARGEBACK,
    "CR": E.CHARGEBACK_REVERSAL,
}


def verify(
    account: "GatewayAccount",
    headers: Mapping[str, str],
    body: bytes,
    *,
    secret: str,
    resolve: Resolver | None = None,
) -> list[WebhookEvent]:
    """The inbox events of an OPPWA notification that decrypts and verifies; `resolve` asks
    OPPWA which transaction an unknown `referencedId` itself refers to."""
    if not secret:
        raise WebhookRejected(
            "No OPPWA webhook secret for this store: set OPPWA_WEBHOOK_SECRET "
            f"(or OPPWA_WEBHOOK_SECRET_{account.store.code.upper()})."
        )
    notification = decrypt(headers, body, secret=secret)
    try:
        return events_of(account, notification, resolve=resolve)
    except (ValueError, KeyError, TypeError, AttributeError, InvalidOperation) as error:
        raise WebhookRejected(f"Malformed OPPWA notification: {error!r}") from None


def decrypt(headers: Mapping[str, str], body: bytes, *, secret: str) -> dict[str, Any]:
    try:
        key = binascii.unhexlify(secret.strip())
        iv = binascii.unhexlify(_header(headers, IV_HEADER))
        tag = binascii.unhexlify(_header(headers, TAG_HEADER))
        ciphertext = binascii.unhexlify(body.strip())
    except (binascii.Error, ValueError):
        raise WebhookRejected("The OPPWA notification is not hex-encoded as documented.") from None
    if len(key) != 32:
        raise WebhookRejected("The OPPWA webhook secret must be 64 hex digits (AES-256).")
    if not iv or len(tag) != 16:
        raise WebhookRejected(f"The {IV_HEADER} or {TAG_HEADER} header is missing.")
    try:
        plain = AESGCM(key).decrypt(iv, ciphertext + tag, None)
    except InvalidTag:
        raise WebhookRejected(
            "The OPPWA notification does not decrypt and verify with this store's secret "
            "(authentication tag mismatch)."
        ) from None
    try:
        notification = json.loads(plain)
    except ValueError:
        raise WebhookRejected("The decrypted OPPWA notification is not JSON.") from None
    if not isinstance(notification, dict):
        raise WebhookRejected("The decrypted OPPWA notification is not a JSON object.")
    return notification


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value.strip()
    return ""


def events_of(
    account: "GatewayAccount", notification: dict[str, Any], *, resolve: Resolver | None = None
) -> list[WebhookEvent]:
    """One notification → at most one money fact (see the module's docstring)."""
    if str(notification.get("type") or "").upper() != "PAYMENT":
        return []  # test notifications, registrations, schedules, risk: nothing to book
    payload = notification["payload"]
    kind = TYPES.get(str(payload.get("paymentType") or ""))
    result = payload.get("result") or {}
    found = classify(str(result.get("code") or ""), str(result.get("description") or ""))
    if kind is None or found.outcome not in SUCCESSFUL or _ours(account, payload):
        return []
    currency = str(payload["currency"]).upper()
    amount = int(Decimal(str(payload["amount"])).scaleb(currency_digits(currency)))
    occurred = _time(str(payload.get("timestamp") or ""))
    stored = {**notification}
    if kind in (E.CHARGEBACK, E.CHARGEBACK_REVERSAL):
        stored["psp_reason"] = found.text
    return [
        WebhookEvent(
            event_id=str(payload["id"])[:120],
            type=kind,
            payment_reference=_payment_reference(
                account, str(payload.get("referencedId") or ""), resolve
            ),
            reference=str(payload["id"]),
            amount=amount,
            currency=currency,
            occurred_at=occurred,
            sequence=int(occurred.timestamp() * 1000),
            payload=stored,
        )
    ]


def _ours(account: "GatewayAccount", payload: dict[str, Any]) -> bool:
    """Whether we sent it: its merchantTransactionId is one of our online rows' (the staff's
    Transaction ID, or the idempotency key we sent instead)."""
    sent = str(payload.get("merchantTransactionId") or "")
    if not sent:
        return False
    ours = Q(merchant_reference=sent) | Q(idempotency_key=sent)
    if sent.startswith(KEY_PREFIX):
        ours |= Q(idempotency_key=sent.removeprefix(KEY_PREFIX))
    return (
        Transaction.objects.filter(ours, store_id=account.store_id, is_online=True)
        .exclude(source=TransactionSource.WEBHOOK)
        .exists()
    )


def _payment_reference(
    account: "GatewayAccount", referenced: str, resolve: Resolver | None = None
) -> str:
    """The OPPWA id of the payment (PA or DB) a transaction acts on: `referencedId` itself,
    or, when it names a capture, rebill or chargeback, that one's payment — known from our
    ledger, an earlier notification, or else OPPWA's own record of it (`resolve`)."""
    if not referenced:
        return ""
    row = (
        Transaction.objects.filter(store_id=account.store_id, gateway_reference=referenced)
        .select_related("payment")
        .order_by("pk")
        .first()
    )
    if row is not None:
        return row.payment.gateway_reference or referenced
    earlier = (
        InboundEvent.objects.filter(account=account, reference=referenced)
        .exclude(payment_reference="")
        .values_list("payment_reference", flat=True)
        .first()
    )
    if earlier:
        return earlier
    return resolve(referenced) if resolve is not None else referenced


def _time(text: str) -> datetime:
    """OPPWA's "2026-12-06 10:15:30.123+0000"."""
    for pattern in ("%Y-%m-%d %H:%M:%S.%f%z", "%Y-%m-%d %H:%M:%S%z"):
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return datetime.now(tz=UTC)
