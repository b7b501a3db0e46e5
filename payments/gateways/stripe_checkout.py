"""Stripe Checkout for payment links: a hosted page where the customer authorizes an amount
(a Checkout Session in payment mode, its PaymentIntent with `capture_method=manual`), and what
became of it. The back office records the authorization once the session is complete and its
PaymentIntent waits for capture (`orders/services/payment_link_checkout.py`); captures, voids
and refunds then go through the usual adapter (`stripe_gateway.py`)."""

from dataclasses import dataclass
from typing import Any

import stripe
from django.conf import settings

from payments.gateways.base import GatewayError
from payments.gateways.stripe_config import StripeNotConfigured, client_for
from payments.models import GatewayAccount

# The PaymentIntent states of a completed session whose money is authorized (or captured).
AUTHORIZED = {"requires_capture", "succeeded"}


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str
    status: str  # open, complete, expired
    payment_intent: str
    intent_status: str = ""
    card_brand: str = ""
    card_last4: str = ""

    @property
    def authorized(self) -> bool:
        return self.status == "complete" and self.intent_status in AUTHORIZED


def _client(account: GatewayAccount) -> stripe.StripeClient:
    try:
        return client_for(account, timeout=settings.PAYMENT_GATEWAY_TIMEOUT_SECONDS)
    except StripeNotConfigured as exc:
        raise GatewayError(str(exc)) from exc


def checkout_session_create(
    account: GatewayAccount,
    *,
    amount: int,
    currency: str,
    idempotency_key: str,
    product: str,
    success_url: str,
    cancel_url: str,
    metadata: dict[str, str],
) -> CheckoutSession:
    """A hosted page for one payment of `amount`, authorized only (captured later by staff)."""
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": currency.lower(),
                    "unit_amount": amount,
                    "product_data": {"name": product},
                },
            }
        ],
        "payment_intent_data": {"capture_method": "manual", "metadata": metadata},
        "success_url": success_url,
        "cancel_url": cancel_url,
        "metadata": metadata,
    }
    if account.supports_multicapture:
        # As our captures expect: several partial captures on one authorization.
        params["payment_method_options"] = {"card": {"request_multicapture": "if_available"}}
    try:
        session = _client(account).v1.checkout.sessions.create(
            params,  # type: ignore[arg-type]
            {"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as exc:
        raise GatewayError(f"Stripe: {exc.user_message or exc}") from exc
    return CheckoutSession(str(session.id), str(session.url or ""), str(session.status), "")


def checkout_session_get(account: GatewayAccount, session_id: str) -> CheckoutSession:
    """The session as Stripe has it now, with its PaymentIntent's state and card."""
    client = _client(account)
    try:
        session = client.v1.checkout.sessions.retrieve(session_id).to_dict(for_json=True)
        intent_id = str(session.get("payment_intent") or "")
        intent = (
            client.v1.payment_intents.retrieve(
                intent_id,
                {"expand": ["payment_method"]},
            ).to_dict(for_json=True)
            if intent_id
            else {}
        )
    except stripe.StripeError as exc:
        raise GatewayError(f"Stripe: {exc.user_message or exc}") from exc
    method = intent.get("payment_method")
    card = (method.get("card") if isinstance(method, dict) else None) or {}
    return CheckoutSession(
        id=str(session["id"]),
        url=str(session.get("url") or ""),
        status=str(session.get("status") or ""),
        payment_intent=intent_id,
        intent_status=str(intent.get("status") or ""),
        card_brand=str(card.get("brand") or "").title(),
        card_last4=str(card.get("last4") or ""),
    )
