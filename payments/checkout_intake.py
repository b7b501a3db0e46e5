"""A checkout payment received through the import or the API, checked with its gateway before
anything is written.

Most gateways need nothing: the storefront's word is recorded. A Stripe payment is a
PaymentIntent the storefront created with `capture_method=manual`: the store must have a Stripe
account, and the PaymentIntent is retrieved and refused with the adapter's reason
(`StripeGateway.checkout_refusal`) unless it is authorized or paid, in the order's currency,
for at least the amount sent, and captured exactly when the action says so. What the back
office records then comes from Stripe: the card's brand and last 4 (its payment method) and the
expiry, 7 days after the authorization.
"""

from dataclasses import dataclass
from datetime import datetime

import stripe

from backoffice.models import Store
from backoffice.money import format_money
from payments.gateways import get_gateway
from payments.gateways.stripe_config import StripeNotConfigured
from payments.gateways.stripe_gateway import StripeGateway, status_refusal
from payments.models import GatewayAccount

CHECKED_GATEWAYS = frozenset({"stripe"})


@dataclass(frozen=True)
class CheckoutFacts:
    """What the gateway says about a checkout payment (recorded instead of what was sent)."""

    card_brand: str
    card_last4: str
    expires_at: datetime | None
    # Kept as the checkout row's `gateway_response` (what rebill availability reads).
    gateway_response: dict[str, str]


@dataclass(frozen=True)
class CheckoutRefusal:
    """Why the payment can't be recorded; `field` is the payment field it concerns."""

    field: str  # "gateway" or "reference"
    message: str


def checkout_payment_check(
    *, store: Store, gateway: str, reference: str, amount: int, captured: bool
) -> CheckoutFacts | CheckoutRefusal | None:
    """Check one checkout payment with its gateway (None: nothing to check for this gateway).

    Calls the gateway (no transaction should be open); reads, never writes."""
    if gateway not in CHECKED_GATEWAYS:
        return None
    account = GatewayAccount.objects.filter(store=store, gateway=gateway).first()
    if account is None:
        return CheckoutRefusal(
            "gateway",
            f"store {store.code} has no Stripe account: add one first "
            f"(manage.py gateway_account --store {store.code} --gateway stripe)",
        )
    adapter = get_gateway(account)
    assert isinstance(adapter, StripeGateway)
    try:
        return _stripe_check(adapter, store, reference, amount, captured)
    except StripeNotConfigured as exc:
        return CheckoutRefusal("reference", str(exc).rstrip("."))


def _stripe_check(
    adapter: StripeGateway, store: Store, reference: str, amount: int, captured: bool
) -> CheckoutFacts | CheckoutRefusal:
    if not reference.startswith("pi_"):
        return CheckoutRefusal(
            "reference", f"{reference!r} is not a Stripe PaymentIntent id (pi_…)"
        )
    try:
        info = adapter.intent_info(reference)  # one retrieval answers every check below
    except stripe.StripeError as exc:
        return CheckoutRefusal(
            "reference", f"Stripe could not show PaymentIntent {reference}: {exc.user_message}"
        )
    refusal = status_refusal(info)
    if refusal is not None:
        return CheckoutRefusal("reference", refusal.rstrip("."))
    if info.currency != store.currency:
        return CheckoutRefusal(
            "reference",
            f"PaymentIntent {reference} is in {info.currency}, the order in {store.currency}",
        )
    if amount > info.amount:
        return CheckoutRefusal(
            "reference",
            f"PaymentIntent {reference} is for {format_money(info.amount, info.currency)}, "
            f"less than the {format_money(amount, info.currency)} sent",
        )
    if info.captured != captured:
        action = "authorize_capture" if info.captured else "authorize"
        state = "paid (succeeded)" if info.captured else "authorized, not captured"
        return CheckoutRefusal(
            "reference", f"PaymentIntent {reference} is {state} at Stripe: send action {action}"
        )
    return CheckoutFacts(
        card_brand=info.card_brand.lower(),
        card_last4=info.card_last4,
        expires_at=info.expires_at,
        gateway_response={
            "id": info.reference,
            "object": "payment_intent",
            "status": info.status,
            "customer": info.customer,
            "payment_method": info.payment_method,
        },
    )
