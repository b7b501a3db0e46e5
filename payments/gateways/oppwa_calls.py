"""OPPWA's REST calls (httpx) and its answers as `GatewayResult`s.

Back-office operations on a payment are `POST /v1/payments/{id}` (form-encoded) with
`entityId`, `paymentType` (CP capture, RV reversal, RF refund, RB rebill), `amount`,
`currency`, `merchantTransactionId` and `descriptor` (Usage); the bearer access token
authenticates. OPPWA has no idempotency of its own: a request is sent once, never again — an
answer lost on the way (timeout, dropped connection, 5xx, a communication-error code) is
"unknown" (`GatewayTimeout` / `GatewayError`), and `lookup` asks OPPWA by
merchantTransactionId what became of it.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from payments.gateways.base import GatewayError, GatewayResult, GatewayStatus, GatewayTimeout
from payments.gateways.oppwa_codes import NOT_FOUND_CODES, Outcome, classify
from payments.gateways.oppwa_config import (
    DESCRIPTOR_MAX,
    OppwaNotConfigured,
    access_token,
    amount_text,
    api_base,
    entity_id,
    missing,
)

if TYPE_CHECKING:
    from payments.models import GatewayAccount

logger = logging.getLogger("payments")

CAPTURE, VOID, REFUND, REBILL = "CP", "RV", "RF", "RB"
# What we keep of OPPWA's answer on the transaction (never card data beyond what it masks).
KEPT = (
    "id",
    "referencedId",
    "paymentType",
    "amount",
    "currency",
    "descriptor",
    "merchantTransactionId",
    "result",
    "timestamp",
    "ndc",
)


@dataclass(frozen=True)
class OppwaRequest:
    payment_type: str  # CP, RV, RF, RB
    reference: str  # the OPPWA id of the transaction acted on
    amount: int
    currency: str
    merchant_transaction_id: str
    descriptor: str = ""


def form_of(req: OppwaRequest, entity: str) -> dict[str, str]:
    form = {
        "entityId": entity,
        "paymentType": req.payment_type,
        "amount": amount_text(req.amount, req.currency),
        "currency": req.currency.upper(),
        "merchantTransactionId": req.merchant_transaction_id,
    }
    if req.descriptor:
        form["descriptor"] = req.descriptor[:DESCRIPTOR_MAX]
    return form


def client_for(account: "GatewayAccount | None", *, timeout: float) -> httpx.Client:
    """A client for the account's token and host. No retries anywhere (httpx makes none)."""
    absent = missing(account)
    if absent:
        raise OppwaNotConfigured(
            f"OPPWA is not configured for this store: set {' and '.join(absent)} "
            "in the environment."
        )
    return httpx.Client(
        base_url=api_base(account),
        headers={"Authorization": f"Bearer {access_token(account)}"},
        timeout=timeout,
    )


def send(account: "GatewayAccount | None", req: OppwaRequest, *, timeout: float) -> GatewayResult:
    """POST the request once; its answer as a GatewayResult (raises GatewayError: unknown)."""
    with client_for(account, timeout=timeout) as client:
        response = client.post(
            f"/v1/payments/{req.reference}", data=form_of(req, entity_id(account))
        )
    return result_of(body_of(response))


def query(
    account: "GatewayAccount | None", path: str, params: dict[str, str], *, timeout: float
) -> dict[str, Any]:
    """A GET of OPPWA's transaction reports (`/v1/query…`), with the account's entity."""
    with client_for(account, timeout=timeout) as client:
        response = client.get(path, params={"entityId": entity_id(account), **params})
    return body_of(response)


def body_of(response: httpx.Response) -> dict[str, Any]:
    """OPPWA's JSON answer; a refused token is a configuration error, any answer without a
    result code (a proxy's 502, HTML) leaves the outcome unknown."""
    if response.status_code in (401, 403):
        raise OppwaAuthRefused(_code_text(response))
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not (body.get("result") or {}).get("code"):
        raise GatewayError(f"OPPWA answered HTTP {response.status_code} without a result code.")
    return body


class OppwaAuthRefused(Exception):
    """OPPWA refused the access token or entity (HTTP 401/403)."""


def _code_text(response: httpx.Response) -> str:
    try:
        result = response.json().get("result") or {}
    except ValueError:
        return f"HTTP {response.status_code}"
    return f"{result.get('code', '')} {result.get('description', '')}".strip()


def kept(obj: dict[str, Any]) -> dict[str, Any]:
    return {name: obj[name] for name in KEPT if obj.get(name) is not None}


def result_of(obj: dict[str, Any]) -> GatewayResult:
    """One OPPWA transaction (an answer, or an entry of a query) as our answer; a
    communication or system error raises GatewayError (the outcome is unknown)."""
    result = obj.get("result") or {}
    found = classify(str(result.get("code") or ""), str(result.get("description") or ""))
    if found.outcome == Outcome.UNKNOWN:
        raise GatewayError(found.message)
    status = {
        Outcome.SUCCESS: GatewayStatus.SUCCESS,
        Outcome.REVIEW: GatewayStatus.SUCCESS,
        Outcome.PENDING: GatewayStatus.PENDING,
        Outcome.REJECTED: GatewayStatus.DECLINED,
    }[found.outcome]
    return GatewayResult(status, str(obj.get("id") or ""), found.message, kept(obj))


def is_not_found(body: dict[str, Any]) -> bool:
    return str((body.get("result") or {}).get("code") or "") in NOT_FOUND_CODES


def declined(message: str) -> GatewayResult:
    return GatewayResult(GatewayStatus.DECLINED, "", message, {})


def answer(call: Callable[[], GatewayResult]) -> GatewayResult:
    """Run a call and map its failures: a missing or refused token → declined with a clear
    configuration message (logged); no answer (timeout, dropped connection, refused
    connection) → `GatewayTimeout`; anything else unreadable → `GatewayError`."""
    try:
        return call()
    except OppwaNotConfigured as exc:
        logger.error("OPPWA call refused: %s", exc)
        return declined(str(exc))
    except OppwaAuthRefused as exc:
        logger.error("OPPWA refused the access token: %s", exc)
        return declined(
            "OPPWA refused the access token or entity of this store's account: check "
            f"OPPWA_ACCESS_TOKEN and OPPWA_ENTITY_ID in the environment (OPPWA said: {exc})."
        )
    except httpx.TransportError as exc:  # timeouts, dropped or refused connections
        raise GatewayTimeout(f"No answer from OPPWA: {exc!r}") from exc
    except httpx.HTTPError as exc:
        raise GatewayError(f"OPPWA error: {exc!r}") from exc
