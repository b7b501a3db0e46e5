"""The Stripe requests of our money operations, and Stripe's answers as `GatewayResult`s.

A `StripeRequest` is built the same way whenever it is sent, so that `lookup` can replay it
with the same idempotency key and the same body (Stripe answers a different body under the
same key with an `idempotency_error`). Every POST carries our key as `Idempotency-Key`.
"""

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import stripe

from payments.gateways.base import (
    GatewayError,
    GatewayResult,
    GatewayStatus,
    GatewayTimeout,
    IdempotencyConflict,
)
from payments.gateways.stripe_config import REFUND_REASONS, StripeNotConfigured

logger = logging.getLogger("payments")

CAPTURE, VOID, REFUND, REBILL = "capture", "void", "refund", "rebill"
# A new authorization (or sale) on the saved card of an earlier PaymentIntent (`reference`).
ON_FILE = "on_file"
# Where a refund, a rebill or an on-file authorization keeps our key (its metadata).
KEY_FIELD = "backoffice_key"
NO_SAVED_CARD = (
    "Rebill is not available: the card was not saved at Stripe for later payments "
    "(the PaymentIntent has no customer and payment method)."
)
NO_SAVED_CARD_ON_FILE = (
    "Stripe can't authorize again without the customer: the card was not saved at Stripe for "
    "later payments (the PaymentIntent has no customer and payment method)."
)
# What we keep of Stripe's objects on the transaction (never the client_secret).
KEPT = (
    "id",
    "object",
    "status",
    "amount",
    "amount_capturable",
    "amount_received",
    "currency",
    "latest_charge",
    "payment_intent",
    "reason",
    "failure_reason",
    "cancellation_reason",
)


@dataclass(frozen=True)
class StripeRequest:
    kind: str
    reference: str  # the PaymentIntent
    amount: int
    currency: str
    key: str
    reason: str = ""  # our reason code (refunds)
    multicapture: bool = False
    customer: str = ""  # rebills and on-file authorizations: the saved card
    payment_method: str = ""
    capture: bool = False  # on-file: a sale (capture_method=automatic)


def capture_marker(key: str) -> str:
    """The PaymentIntent metadata key that records one capture (≤ 40 characters)."""
    return "bo_capture_" + hashlib.sha256(key.encode()).hexdigest()[:24]


def params_of(req: StripeRequest) -> dict[str, Any]:
    if req.kind == CAPTURE:
        params: dict[str, Any] = {
            "amount_to_capture": req.amount,
            "metadata": {capture_marker(req.key): str(req.amount)},
        }
        if req.multicapture:
            # Never the last one from here: a full capture closes it at Stripe, a void
            # releases what is left.
            params["final_capture"] = False
        return params
    if req.kind == REFUND:
        params = {
            "payment_intent": req.reference,
            "amount": req.amount,
            "metadata": {KEY_FIELD: req.key},
        }
        if req.reason in REFUND_REASONS:
            params["reason"] = REFUND_REASONS[req.reason]
        return params
    if req.kind == ON_FILE:
        return _on_file_params(req)
    if req.kind == REBILL:
        return _saved_card_params(req)
    return {}


def _saved_card_params(req: StripeRequest) -> dict[str, Any]:
    """An off-session PaymentIntent on the customer's saved card, confirmed at once."""
    return {
        "amount": req.amount,
        "currency": req.currency.lower(),
        "customer": req.customer,
        "payment_method": req.payment_method,
        "off_session": True,
        "confirm": True,
        "metadata": {KEY_FIELD: req.key},
    }


def _on_file_params(req: StripeRequest) -> dict[str, Any]:
    """The saved card's PaymentIntent in manual capture (multicapture requested when the
    account has it) unless it is a sale."""
    params = _saved_card_params(req)
    params["capture_method"] = "automatic" if req.capture else "manual"
    if req.multicapture and not req.capture:
        params["payment_method_options"] = {"card": {"request_multicapture": "if_available"}}
    return params


def send(client: stripe.StripeClient, req: StripeRequest) -> dict[str, Any]:
    return _sent(client, req).to_dict(for_json=True)


def _sent(client: stripe.StripeClient, req: StripeRequest) -> stripe.StripeObject:
    options: stripe.RequestOptions = {"idempotency_key": req.key}
    params = params_of(req)
    v1 = client.v1
    if req.kind == CAPTURE:
        return v1.payment_intents.capture(req.reference, params, options)  # type: ignore[arg-type]
    if req.kind == VOID:
        return v1.payment_intents.cancel(req.reference, None, options)
    if req.kind == REFUND:
        return v1.refunds.create(params, options)  # type: ignore[arg-type]
    return v1.payment_intents.create(params, options)  # type: ignore[arg-type]


def kept(obj: dict[str, Any]) -> dict[str, Any]:
    return {name: obj.get(name) for name in KEPT if obj.get(name) is not None}


def result_of(req: StripeRequest, obj: dict[str, Any]) -> GatewayResult:
    """Stripe's object after the request, as our answer."""
    status = str(obj.get("status") or "")
    raw = kept(obj)
    if req.kind == REFUND:
        return _refund_result(obj, status, raw)
    if req.kind in {REBILL, ON_FILE}:
        done = "requires_capture" if req.kind == ON_FILE and not req.capture else "succeeded"
        if status == done:
            return GatewayResult(GatewayStatus.SUCCESS, str(obj["id"]), "Approved.", raw)
        if status == "processing":
            return GatewayResult(GatewayStatus.PENDING, str(obj["id"]), "Processing.", raw)
        return GatewayResult(
            GatewayStatus.DECLINED, str(obj["id"]), f"Stripe left it {status}.", raw
        )
    reference = str(obj.get("latest_charge") or obj["id"])
    wanted = {"canceled"} if req.kind == VOID else {"succeeded", "requires_capture"}
    if status in wanted:
        return GatewayResult(GatewayStatus.SUCCESS, reference, "Approved.", raw)
    return GatewayResult(GatewayStatus.DECLINED, reference, f"Stripe left it {status}.", raw)


def _refund_result(obj: dict[str, Any], status: str, raw: dict[str, Any]) -> GatewayResult:
    if status == "succeeded":
        return GatewayResult(GatewayStatus.SUCCESS, str(obj["id"]), "Approved.", raw)
    if status in {"pending", "requires_action"}:
        return GatewayResult(GatewayStatus.PENDING, str(obj["id"]), "Refund pending.", raw)
    why = obj.get("failure_reason") or status
    return GatewayResult(
        GatewayStatus.DECLINED, str(obj["id"]), f"Stripe refused the refund: {why}.", raw
    )


def declined(message: str, raw: dict[str, Any] | None = None) -> GatewayResult:
    return GatewayResult(GatewayStatus.DECLINED, "", message, raw or {})


def answer(call: Callable[[], GatewayResult]) -> GatewayResult:
    """Run a call and map Stripe's errors: card errors and refusals → declined; lost answers,
    rate limits and 5xx → `GatewayError` (unknown: reconciled with the same key); idempotency
    errors → `IdempotencyConflict`; a missing or refused key → declined with a clear
    configuration message (logged), never a silent failure."""
    try:
        return call()
    except StripeNotConfigured as exc:
        logger.error("Stripe call refused: %s", exc)
        return declined(str(exc))
    except stripe.CardError as exc:
        error = exc.error
        code = (error.decline_code if error else None) or exc.code or "card_declined"
        return declined(
            f"{exc.user_message or 'The card was declined.'} (decline code: {code})",
            {"error": {"type": "card_error", "code": exc.code, "decline_code": code}},
        )
    except stripe.IdempotencyError as exc:
        raise IdempotencyConflict(f"Stripe: {exc.user_message}") from exc
    except (stripe.AuthenticationError, stripe.PermissionError) as exc:
        logger.error("Stripe refused the API key: %s", exc.user_message)
        return declined(
            "Stripe refused the API key of this store's account: check its secret key "
            f"in the environment (Stripe said: {exc.user_message})."
        )
    except stripe.InvalidRequestError as exc:
        return declined(
            f"Stripe refused it: {exc.user_message}",
            {"error": {"type": "invalid_request_error", "code": exc.code, "param": exc.param}},
        )
    except stripe.APIConnectionError as exc:
        raise GatewayTimeout(f"No answer from Stripe: {exc.user_message}") from exc
    except stripe.RateLimitError as exc:
        raise GatewayError(f"Stripe rate limit: {exc.user_message}") from exc
    except stripe.StripeError as exc:
        raise GatewayError(f"Stripe error (HTTP {exc.http_status}): {exc.user_message}") from exc
