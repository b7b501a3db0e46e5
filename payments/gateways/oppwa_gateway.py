"""The OPPWA adapter (ACI's Open Payment Platform), over its REST API with httpx.

- Authorization (PA) and sale (DB) are made at checkout by the storefront; the back office
  records the OPPWA id of that payment and acts on it with back-office operations:
  `POST /v1/payments/{id}` with paymentType CP (capture, on the PA), RV (reversal, on the PA),
  RF (refund, on the capture, sale or rebill refunded) and RB (rebill, on the sale).
- `merchantTransactionId` is the staff's Transaction ID, or our idempotency key when they left
  it empty; `descriptor` carries Usage. What the interface doesn't pass (those two, the capture
  a refund acts on) is read from our own transaction row of the same key.
- OPPWA has no idempotency: nothing is ever sent twice. A lost answer is unknown; `lookup`
  queries by merchantTransactionId (`oppwa_lookup`), and answers None only when OPPWA proves
  it has no such transaction (the caller waits for the in-flight grace before believing it).
- Result codes are classified by OPPWA's documented groups (`oppwa_codes`); the code and its
  description are the answer's message (history, Transaction Details) and stay in the raw data.
- Capabilities (partial or multiple captures, partial refunds, authorization validity) are the
  account's; the store's account also gives the host (test or live) and its secrets.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING

import httpx

from payments.enums import TransactionStatus, TransactionType
from payments.gateways import oppwa_lookup, oppwa_webhooks
from payments.gateways.base import (
    Gateway,
    GatewayError,
    GatewayResult,
    GatewaySnapshot,
    WebhookEvent,
)
from payments.gateways.oppwa_calls import (
    CAPTURE,
    REBILL,
    REFUND,
    VOID,
    OppwaAuthRefused,
    OppwaRequest,
    answer,
    declined,
    send,
)
from payments.gateways.oppwa_config import (
    OppwaNotConfigured,
    amount_refusal,
    merchant_id_refusal,
    merchant_transaction_id,
    webhook_secret,
)
from payments.models import Transaction

if TYPE_CHECKING:
    from payments.models import GatewayAccount

T = TransactionType
KINDS = {T.CAPTURE: CAPTURE, T.REVERSAL: VOID, T.REFUND: REFUND, T.REBILL: REBILL}
REFUNDED_TYPES = (T.CAPTURE, T.DEBIT, T.REBILL)
# A query that got no usable answer (GatewayError itself passes through untouched).
QUERY_FAILURES = (OppwaNotConfigured, OppwaAuthRefused, httpx.HTTPError)
CHECKOUT_ONLY = (
    "OPPWA payments are authorized at checkout by the storefront (a PA or DB); "
    "record its OPPWA id instead."
)


class OppwaGateway(Gateway):
    code = "oppwa"

    def authorize(
        self, *, amount: int, currency: str, idempotency_key: str, capture: bool = False
    ) -> GatewayResult:
        return declined(CHECKOUT_ONLY)

    def capture(
        self, *, reference: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        return self._run(CAPTURE, reference, amount, currency, idempotency_key)

    def void(
        self, *, reference: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        return self._run(VOID, reference, amount, currency, idempotency_key)

    def refund(
        self, *, reference: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        return self._run(REFUND, reference, amount, currency, idempotency_key)

    def rebill(
        self, *, reference: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        return self._run(REBILL, reference, amount, currency, idempotency_key)

    def lookup(self, *, idempotency_key: str) -> GatewayResult | None:
        txn = _row(idempotency_key)
        kind = KINDS.get(T(txn.type)) if txn is not None else None
        if txn is None or kind is None:
            return None  # authorizations are made at checkout: we never send one
        req = _request(kind, txn, txn.payment.gateway_reference, txn.amount, txn.currency)
        try:
            return oppwa_lookup.find(self.account, req, timeout=self.timeout)
        except QUERY_FAILURES as error:  # still unknown: asked again later
            raise GatewayError(f"OPPWA did not answer the query: {error}") from error

    def snapshot(self, *, reference: str) -> GatewaySnapshot | None:
        """The payment and its linked transactions at OPPWA (`oppwa_lookup.snapshot`)."""
        try:
            return oppwa_lookup.snapshot(self.account, reference, timeout=self.timeout)
        except QUERY_FAILURES as error:
            raise GatewayError(f"OPPWA did not answer the query: {error}") from error

    def verify_webhook(
        self, *, account: "GatewayAccount", headers: Mapping[str, str], body: bytes
    ) -> list[WebhookEvent]:
        """AES-256-GCM decryption with the account's secret (`oppwa_webhooks`)."""

        def resolve(tid: str) -> str:
            try:
                return oppwa_lookup.payment_of(account, tid, timeout=self.timeout)
            except (*QUERY_FAILURES, GatewayError):
                return tid  # stored as is: it waits (NotYet) like any early event

        secret = webhook_secret(account)
        return oppwa_webhooks.verify(account, headers, body, secret=secret, resolve=resolve)

    def _run(
        self, kind: str, reference: str, amount: int, currency: str, key: str
    ) -> GatewayResult:
        txn = _row(key)
        req = _request(kind, txn, reference, amount, currency, key=key)
        refusal = amount_refusal(amount, currency) or merchant_id_refusal(
            txn.merchant_reference if txn is not None else ""
        )
        if refusal is not None:
            return declined(refusal)
        return answer(lambda: send(self.account, req, timeout=self.timeout))


def _row(key: str) -> Transaction | None:
    return (
        Transaction.objects.select_related("payment", "parent").filter(idempotency_key=key).first()
    )


def _request(
    kind: str,
    txn: Transaction | None,
    reference: str,
    amount: int,
    currency: str,
    *,
    key: str = "",
) -> OppwaRequest:
    key = key or (txn.idempotency_key if txn is not None else "")
    if kind == REFUND and txn is not None:
        reference = _refunded(txn, amount) or reference
    return OppwaRequest(
        payment_type=kind,
        reference=reference,
        amount=amount,
        currency=currency,
        merchant_transaction_id=merchant_transaction_id(
            txn.merchant_reference if txn is not None else "", key
        ),
        descriptor=txn.usage if txn is not None else "",
    )


def _refunded(txn: Transaction, amount: int) -> str:
    """The OPPWA id a refund acts on: its parent capture (sale, rebill), else the payment's
    latest capture that covers the amount (OPPWA refunds a capture, not an authorization)."""
    parent = txn.parent
    if parent is not None and parent.type in REFUNDED_TYPES and parent.gateway_reference:
        return parent.gateway_reference
    captures = Transaction.objects.filter(
        payment_id=txn.payment_id,
        type__in=REFUNDED_TYPES,
        status=TransactionStatus.SUCCESS,
        amount__gte=amount,
    ).exclude(gateway_reference="")
    latest = captures.order_by("-created_at", "-pk").first()
    return latest.gateway_reference if latest is not None else ""
