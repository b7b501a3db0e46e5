"""The fake's Stripe: PaymentIntents, Refunds and idempotency, strict where Stripe is.

Errors are shaped as Stripe documents them: `{"error": {"type", "code", "message", "param",
"decline_code"}}` with 400 (invalid_request_error, idempotency_error), 402 (card_error),
401 (bad key). A request whose parameters fail validation saves no idempotent result, as at
Stripe; any other answer (card errors included) is replayed for the same key and body.
"""

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

VALIDITY = 7 * 24 * 3600
THREE_DECIMALS = {"kwd", "bhd", "jod", "omr", "tnd"}
DECLINING_METHODS = {
    "pm_card_chargeDeclined": "generic_decline",
    "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
    # Off-session: the bank wants the customer there (3-D Secure).
    "pm_card_authenticationRequired": "authentication_required",
}


class StripeFail(Exception):
    def __init__(self, status: int, type_: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type_, "message": message, **extra}}
        self.saved = status != 400 or type_ != "invalid_request_error"


def invalid(message: str, code: str = "", param: str = "") -> StripeFail:
    return StripeFail(400, "invalid_request_error", message, code=code, param=param)


@dataclass
class FakeStripe:
    secret_key: str = "sk_test_fake"
    now_offset: float = 0.0
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    disputes: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)  # checkout.py
    webhook_secret: str = "whsec_fake"
    idempotency: dict[str, tuple[str, int, dict[str, Any]]] = field(default_factory=dict)
    # Faults of the next matching requests: (path fragment, fault), see server.py.
    faults: list[tuple[str, str]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, Any], str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: "itertools.count[int]" = field(default_factory=lambda: itertools.count(1))

    def now(self) -> int:
        return int(time.time() + self.now_offset)

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self.ids):06d}"

    # -- the storefront's side (checkout) ------------------------------------------------

    def checkout_intent(
        self,
        amount: int,
        currency: str = "usd",
        *,
        customer: str | None = None,
        multicapture: bool = False,
        created_ago: int = 0,
        brand: str = "visa",
        last4: str = "4242",
    ) -> dict[str, Any]:
        """A PaymentIntent confirmed with capture_method=manual, as a storefront leaves it."""
        pi_id = self.new_id("pi")
        intent = {
            "id": pi_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": amount,
            "amount_received": 0,
            "capture_method": "manual",
            "currency": currency.lower(),
            "customer": customer,
            "payment_method": self.new_id("pm"),
            "status": "requires_capture",
            "created": self.now() - created_ago,
            "latest_charge": self.new_id("ch"),
            "metadata": {},
            "cancellation_reason": None,
            "client_secret": f"{pi_id}_secret_x",
            "_card": {"brand": brand, "last4": last4},
            "_multicapture": multicapture,
            "_refunded": 0,
        }
        self.intents[pi_id] = intent
        return intent

    def dashboard_refund(
        self, pi_id: str, amount: int, reason: str | None = "requested_by_customer"
    ) -> dict[str, Any]:
        with self.lock:
            return self._refund(self.intent(pi_id), amount, {}, reason)

    # -- the card network's side (disputes; events: tests/stripe_fake/events.py) ----------

    def open_dispute(
        self, pi_id: str, reason: str = "fraudulent", amount: int | None = None
    ) -> dict[str, Any]:
        """The cardholder disputes the charge: Stripe withdraws the funds at once."""
        with self.lock:
            intent = self.intent(pi_id)
            dispute = {
                "id": self.new_id("dp"),
                "object": "dispute",
                "amount": intent["amount_received"] if amount is None else amount,
                "currency": intent["currency"],
                "charge": intent["latest_charge"],
                "payment_intent": pi_id,
                "reason": reason,
                "status": "needs_response",
                "created": self.now(),
                "metadata": {},
            }
            self.disputes[dispute["id"]] = dispute
            return dispute

    def close_dispute(self, dp_id: str, *, won: bool) -> dict[str, Any]:
        """The issuer decides: won reinstates the funds, lost keeps them withdrawn."""
        with self.lock:
            dispute = self.disputes[dp_id]
            dispute["status"] = "won" if won else "lost"
            return dispute

    # -- objects ---------------------------------------------------------------------------

    def intent(self, pi_id: str) -> dict[str, Any]:
        intent = self.intents.get(pi_id)
        if intent is None:
            raise StripeFail(
                404,
                "invalid_request_error",
                f"No such payment_intent: '{pi_id}'",
                code="resource_missing",
                param="intent",
            )
        if intent["status"] == "requires_capture" and self.now() >= intent["created"] + VALIDITY:
            intent.update(status="canceled", amount_capturable=0, cancellation_reason="automatic")
        return intent

    @staticmethod
    def public(obj: dict[str, Any], expand: bool = False) -> dict[str, Any]:
        shown = {k: v for k, v in obj.items() if not k.startswith("_")}
        if expand and obj.get("object") == "payment_intent":
            shown["payment_method"] = {
                "id": obj["payment_method"],
                "object": "payment_method",
                "card": obj["_card"],
            }
        return shown

    def check_amount(self, amount: int, currency: str, param: str) -> None:
        if amount < 1:
            raise invalid(
                "This value must be greater than or equal to 1.", "parameter_invalid_integer", param
            )
        if currency in THREE_DECIMALS and amount % 10:
            raise invalid(
                f"Invalid {currency} amount: the last digit must be 0.", "invalid_amount", param
            )

    # -- operations ------------------------------------------------------------------------

    def capture(self, pi_id: str, params: dict[str, Any]) -> dict[str, Any]:
        intent = self.intent(pi_id)
        if intent["status"] != "requires_capture":
            raise invalid(
                f"This PaymentIntent could not be captured because it has a status of "
                f"{intent['status']}. Only a PaymentIntent with one of the following statuses "
                "may be acted upon: requires_capture.",
                "payment_intent_unexpected_state",
            )
        amount = int(params.get("amount_to_capture", intent["amount_capturable"]))
        self.check_amount(amount, intent["currency"], "amount_to_capture")
        if amount > intent["amount_capturable"]:
            raise invalid(
                "The amount to capture must be less than or equal to the amount capturable "
                f"({intent['amount_capturable']}).",
                "amount_too_large",
                "amount_to_capture",
            )
        final = str(params.get("final_capture", "true")) != "false"
        if not final and not intent["_multicapture"]:
            raise invalid(
                "final_capture=false requires multicapture on this PaymentIntent.",
                "parameter_invalid",
                "final_capture",
            )
        intent["amount_received"] += amount
        intent["amount_capturable"] = 0 if final else intent["amount_capturable"] - amount
        intent["status"] = "requires_capture" if intent["amount_capturable"] else "succeeded"
        intent["metadata"].update(params.get("metadata") or {})
        return intent

    def cancel(self, pi_id: str) -> dict[str, Any]:
        intent = self.intent(pi_id)
        if intent["status"] not in {"requires_capture", "requires_payment_method"}:
            raise invalid(
                "You cannot cancel this PaymentIntent because it has a status of "
                f"{intent['status']}. Only a PaymentIntent with one of the following statuses "
                "may be canceled: requires_payment_method, requires_capture, "
                "requires_confirmation, requires_action, processing.",
                "payment_intent_unexpected_state",
            )
        intent.update(
            status="canceled", amount_capturable=0, cancellation_reason="requested_by_customer"
        )
        return intent

    def refund(self, params: dict[str, Any]) -> dict[str, Any]:
        intent = self.intent(str(params.get("payment_intent", "")))
        amount = int(params.get("amount", intent["amount_received"] - intent["_refunded"]))
        self.check_amount(amount, intent["currency"], "amount")
        reason = params.get("reason")
        if reason not in {None, "duplicate", "fraudulent", "requested_by_customer"}:
            raise invalid(f"Invalid reason: {reason}", "parameter_invalid", "reason")
        return self._refund(intent, amount, params.get("metadata") or {}, reason)

    def _refund(
        self, intent: dict[str, Any], amount: int, metadata: dict[str, Any], reason: Any
    ) -> dict[str, Any]:
        left = intent["amount_received"] - intent["_refunded"]
        if amount > left:
            raise invalid(
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
                "amount_too_large",
                "amount",
            )
        intent["_refunded"] += amount
        refund = {
            "id": self.new_id("re"),
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "charge": intent["latest_charge"],
            "status": "succeeded",
            "reason": reason,
            "metadata": metadata,
            "created": self.now(),
        }
        self.refunds[refund["id"]] = refund
        return refund

    def off_session(self, params: dict[str, Any]) -> dict[str, Any]:
        method = str(params.get("payment_method", ""))
        amount, currency = int(params.get("amount", 0)), str(params.get("currency", ""))
        self.check_amount(amount, currency, "amount")
        if not params.get("customer"):
            raise invalid(
                "The provided PaymentMethod was previously used without being attached to a "
                "Customer; it may not be used again.",
                "payment_method_unexpected_state",
                "payment_method",
            )
        if method in DECLINING_METHODS:
            raise self._card_declined(DECLINING_METHODS[method])
        intent = self.checkout_intent(amount, currency, customer=str(params.get("customer")))
        intent.update(payment_method=method, metadata=params.get("metadata") or {})
        if params.get("capture_method") == "manual":  # an authorization: captured later
            options = (params.get("payment_method_options") or {}).get("card") or {}
            intent["_multicapture"] = options.get("request_multicapture") == "if_available"
            return intent
        intent.update(
            status="succeeded",
            amount_capturable=0,
            amount_received=amount,
            capture_method="automatic",
        )
        return intent

    @staticmethod
    def _card_declined(code: str) -> StripeFail:
        if code == "authentication_required":
            message = "Your card was declined. This transaction requires authentication."
            return StripeFail(402, "card_error", message, code=code, decline_code=code)
        return StripeFail(
            402, "card_error", "Your card was declined.", code="card_declined", decline_code=code
        )
