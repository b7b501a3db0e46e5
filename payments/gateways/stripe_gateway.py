"""The Stripe adapter, on the official `stripe` SDK.

- Authorization: a PaymentIntent with `capture_method=manual`, created at checkout by the
  storefront; the back office records its id (`checkout_refusal` says why one can't be).
  Authorize the difference after an order edit (`authorize_on_file`): a new off-session
  PaymentIntent with `capture_method=manual` on the saved customer and payment method of an
  earlier one (declined with the reason when the card wasn't saved).
- Capture: `amount_to_capture`; on an account with multicapture, `final_capture=false` (a full
  capture closes the PaymentIntent at Stripe, a void releases the rest); otherwise Stripe
  releases what the one capture leaves ("one capture; the rest is released").
- Void: cancel the PaymentIntent. Refund: a Refund on it (amount, our reason code mapped to
  Stripe's `reason` where one fits, our key in `metadata`). Rebill: an off-session
  PaymentIntent on the saved customer and payment method (declined with the reason when the
  card wasn't saved).
- Every POST carries our idempotency key; `lookup` replays within 24 h, then searches by the
  key in Stripe's records (`stripe_lookup`).
- The store's account and its key come from `self.account` (set by `get_gateway`); what a
  request needs beyond the interface's arguments (the reason, the rebilled capture) is read
  from our own transaction row of the same key.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import stripe
from django.utils import timezone

from payments.enums import TransactionType
from payments.gateways import stripe_lookup, stripe_snapshot, stripe_webhooks
from payments.gateways.base import (
    Gateway,
    GatewayError,
    GatewayResult,
    GatewaySnapshot,
    GatewayStatus,
    WebhookEvent,
)
from payments.gateways.stripe_calls import (
    CAPTURE,
    NO_SAVED_CARD,
    NO_SAVED_CARD_ON_FILE,
    ON_FILE,
    REBILL,
    REFUND,
    VOID,
    StripeRequest,
    answer,
    declined,
    result_of,
    send,
)
from payments.gateways.stripe_config import (
    AUTHORIZATION_VALIDITY_DAYS,
    REPLAY_WINDOW_HOURS,
    StripeNotConfigured,
    amount_refusal,
    client_for,
    webhook_secret,
)
from payments.models import Transaction

if TYPE_CHECKING:
    from payments.models import GatewayAccount

KINDS = {
    TransactionType.CAPTURE: CAPTURE,
    TransactionType.REVERSAL: VOID,
    TransactionType.REFUND: REFUND,
    TransactionType.REBILL: REBILL,
}
CHECKOUT_ONLY = (
    "Stripe payments are authorized at checkout by the storefront (a PaymentIntent with "
    "capture_method=manual); record its id instead."
)
USABLE_STATUSES = {"requires_capture", "succeeded"}


@dataclass(frozen=True)
class IntentInfo:
    """A PaymentIntent as the back office records it."""

    reference: str
    status: str
    amount: int
    currency: str
    captured: bool
    card_brand: str
    card_last4: str
    expires_at: datetime | None
    # The saved card a rebill charges off-session ("" when the card wasn't saved).
    customer: str = ""
    payment_method: str = ""


class StripeGateway(Gateway):
    code = "stripe"
    can_authorize_on_file = True

    # -- the interface ---------------------------------------------------------------------

    def authorize(
        self, *, amount: int, currency: str, idempotency_key: str, capture: bool = False
    ) -> GatewayResult:
        return declined(CHECKOUT_ONLY)

    def capture(
        self, *, reference: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        multi = self.capabilities.multicapture
        req = StripeRequest(
            CAPTURE, reference, amount, currency, idempotency_key, multicapture=multi
        )
        return self._run(req)

    def void(
        self, *, reference: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        return self._run(StripeRequest(VOID, reference, amount, currency, idempotency_key))

    def refund(
        self, *, reference: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        txn = _row(idempotency_key)
        return self._run(self._refund_request(txn, reference, amount, currency, idempotency_key))

    def rebill(
        self, *, reference: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        def call() -> GatewayResult:
            req = self._saved_card_request(REBILL, reference, amount, currency, idempotency_key)
            return req if isinstance(req, GatewayResult) else self._run(req)

        return answer(call)

    def authorize_on_file(
        self,
        *,
        reference: str,
        amount: int,
        currency: str,
        idempotency_key: str,
        capture: bool = False,
    ) -> GatewayResult:
        """An off-session PaymentIntent on the saved card of the PaymentIntent `reference`."""

        def call() -> GatewayResult:
            req = self._saved_card_request(
                ON_FILE, reference, amount, currency, idempotency_key, capture=capture
            )
            return req if isinstance(req, GatewayResult) else self._run(req)

        return answer(call)

    def lookup(self, *, idempotency_key: str) -> GatewayResult | None:
        txn = _row(idempotency_key)
        if txn is not None and (txn.gateway_request or {}).get("on_file"):
            return self._lookup_on_file(txn)
        kind = KINDS.get(txn.type) if txn is not None else None  # type: ignore[call-overload]
        if txn is None or kind is None:
            return None  # other authorizations are made at checkout: we never send one
        ref, amount, currency = txn.payment.gateway_reference, txn.amount, txn.currency
        if _replayable(txn):
            replay: GatewayResult = getattr(self, kind)(
                reference=ref, amount=amount, currency=currency, idempotency_key=idempotency_key
            )
            return replay
        if kind == REFUND:
            req = self._refund_request(txn, ref, amount, currency, idempotency_key)
        elif kind == REBILL:
            req = StripeRequest(REBILL, ref, amount, currency, idempotency_key)
        else:
            multi = self.capabilities.multicapture
            req = StripeRequest(kind, ref, amount, currency, idempotency_key, multicapture=multi)
        found = answer(lambda: stripe_lookup.search(self._client(), req) or _NOT_FOUND)
        return None if found is _NOT_FOUND else found

    def snapshot(self, *, reference: str) -> GatewaySnapshot | None:
        """The PaymentIntent, its refunds and disputes at Stripe (`stripe_snapshot`)."""
        try:
            client = self._client()
        except StripeNotConfigured as error:
            raise GatewayError(str(error)) from error
        return stripe_snapshot.snapshot(client, reference)

    def verify_webhook(
        self, *, account: "GatewayAccount", headers: Mapping[str, str], body: bytes
    ) -> list[WebhookEvent]:
        """`Stripe-Signature` checked with the account's endpoint secret; Stripe's events
        as inbox events (`stripe_webhooks`)."""
        secret = webhook_secret(account)
        return stripe_webhooks.verify(account, headers, body, secret=secret)

    # -- checkout payments -----------------------------------------------------------------

    def intent_info(self, reference: str) -> IntentInfo:
        """The PaymentIntent `reference` with its card (raises `stripe.StripeError`)."""
        client = self._client()
        found = client.v1.payment_intents.retrieve(reference, {"expand": ["payment_method"]})
        intent = found.to_dict(for_json=True)
        method = intent.get("payment_method") or {}
        card = (method.get("card") if isinstance(method, dict) else None) or {}
        created = datetime.fromtimestamp(int(intent["created"]), tz=timezone.get_current_timezone())
        status = str(intent["status"])
        return IntentInfo(
            reference=reference,
            status=status,
            amount=int(intent["amount"]),
            currency=str(intent["currency"]).upper(),
            captured=status == "succeeded",
            card_brand=str(card.get("brand") or ""),
            card_last4=str(card.get("last4") or ""),
            expires_at=None
            if status == "succeeded"
            else created + timedelta(days=AUTHORIZATION_VALIDITY_DAYS),
            customer=str(intent.get("customer") or ""),
            payment_method=str(method.get("id") or "") if isinstance(method, dict) else "",
        )

    def checkout_refusal(self, reference: str) -> str | None:
        """Why the PaymentIntent can't be recorded as a checkout payment, or None."""
        try:
            info = self.intent_info(reference)
        except stripe.StripeError as exc:
            return f"Stripe could not show PaymentIntent {reference}: {exc.user_message}"
        return status_refusal(info)

    # -- helpers ---------------------------------------------------------------------------

    def _client(self) -> stripe.StripeClient:
        return client_for(self.account, timeout=self.timeout)

    def _run(self, req: StripeRequest) -> GatewayResult:
        refusal = None if req.kind == VOID else amount_refusal(req.amount, req.currency)
        if refusal is not None:
            return declined(refusal)
        return answer(lambda: result_of(req, send(self._client(), req)))

    def _refund_request(
        self, txn: Transaction | None, reference: str, amount: int, currency: str, key: str
    ) -> StripeRequest:
        reason = txn.reason.code if txn is not None and txn.reason is not None else ""
        parent = txn.parent if txn is not None else None
        if parent is not None and parent.type == TransactionType.REBILL:
            reference = parent.gateway_reference  # a rebill is its own PaymentIntent
        return StripeRequest(REFUND, reference, amount, currency, key, reason=reason)

    def _saved_card_request(
        self, kind: str, reference: str, amount: int, currency: str, key: str, capture: bool = False
    ) -> StripeRequest | GatewayResult:
        """A rebill or an on-file authorization on the saved card of PaymentIntent `reference`."""
        intent = self._client().v1.payment_intents.retrieve(reference).to_dict(for_json=True)
        customer, method = intent.get("customer"), intent.get("payment_method")
        if not customer or not method:
            return declined(NO_SAVED_CARD if kind == REBILL else NO_SAVED_CARD_ON_FILE)
        return StripeRequest(
            kind,
            reference,
            amount,
            currency,
            key,
            multicapture=kind == ON_FILE and self.capabilities.multicapture,
            customer=str(customer),
            payment_method=str(method),
            capture=capture,
        )

    def _lookup_on_file(self, txn: Transaction) -> GatewayResult | None:
        """An on-file authorization: replayed within Stripe's 24 h, then searched by our key."""
        on_file = str(txn.gateway_request["on_file"])
        sale = txn.type == TransactionType.DEBIT
        key, amount, currency = txn.idempotency_key, txn.amount, txn.currency
        if _replayable(txn):
            return self.authorize_on_file(
                reference=on_file,
                amount=amount,
                currency=currency,
                idempotency_key=key,
                capture=sale,
            )
        req = StripeRequest(ON_FILE, on_file, amount, currency, key, capture=sale)
        found = answer(lambda: stripe_lookup.search(self._client(), req) or _NOT_FOUND)
        return None if found is _NOT_FOUND else found


_NOT_FOUND = GatewayResult(GatewayStatus.DECLINED, "", "not found")


def _replayable(txn: Transaction) -> bool:
    """Stripe still answers the same key with its first answer (24 h)."""
    return timezone.now() - txn.created_at < timedelta(hours=REPLAY_WINDOW_HOURS)


def _row(key: str) -> Transaction | None:
    return (
        Transaction.objects.select_related("payment", "reason", "parent")
        .filter(idempotency_key=key)
        .first()
    )


def status_refusal(info: IntentInfo) -> str | None:
    """Why a retrieved PaymentIntent can't be recorded as a checkout payment, or None."""
    if info.status in USABLE_STATUSES:
        return None
    return (
        f"PaymentIntent {info.reference} is {info.status} at Stripe: only an authorized "
        "(requires_capture) or paid (succeeded) PaymentIntent can be recorded."
    )
