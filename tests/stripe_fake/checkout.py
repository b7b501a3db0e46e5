"""The fake's Checkout Sessions (`POST /v1/checkout/sessions`, `GET /v1/checkout/sessions/<id>`)
and the customer paying one on Stripe's hosted page (`complete_session`, a test's step)."""

from typing import Any

from tests.stripe_fake.state import FakeStripe, StripeFail, invalid


def create_session(fake: FakeStripe, params: dict[str, Any]) -> dict[str, Any]:
    """Stripe's checks for a one-off payment with a manual capture, as the adapter asks it."""
    if params.get("mode") != "payment":
        raise invalid("Invalid mode: must be payment here.", "parameter_invalid", "mode")
    for name in ("success_url", "cancel_url"):
        if not str(params.get(name, "")).startswith(("http://", "https://")):
            raise invalid(f"Not a valid URL: {name}", "url_invalid", name)
    [line] = params.get("line_items") or [None]
    if not line:
        raise invalid("Missing required param: line_items.", "parameter_missing", "line_items")
    price = line["price_data"]
    amount, currency = int(price["unit_amount"]), str(price["currency"])
    fake.check_amount(amount, currency, "line_items[0][price_data][unit_amount]")
    session_id = fake.new_id("cs_test")
    session = {
        "id": session_id,
        "object": "checkout.session",
        "mode": "payment",
        "status": "open",
        "payment_status": "unpaid",
        "amount_total": amount * int(line.get("quantity", 1)),
        "currency": currency,
        "payment_intent": None,
        "client_reference_id": params.get("client_reference_id"),
        "metadata": params.get("metadata") or {},
        "success_url": params["success_url"],
        "cancel_url": params["cancel_url"],
        "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        "_capture_method": (params.get("payment_intent_data") or {}).get("capture_method"),
        "_multicapture": (
            ((params.get("payment_method_options") or {}).get("card") or {}).get(
                "request_multicapture"
            )
            == "if_available"
        ),
    }
    fake.sessions[session_id] = session
    return session


def get_session(fake: FakeStripe, session_id: str) -> dict[str, Any]:
    session = fake.sessions.get(session_id)
    if session is None:
        raise StripeFail(
            404,
            "invalid_request_error",
            f"No such checkout.session: '{session_id}'",
            code="resource_missing",
        )
    return session


def complete_session(
    fake: FakeStripe, session_id: str, *, brand: str = "visa", last4: str = "4242"
) -> dict[str, Any]:
    """The customer pays on the hosted page: a PaymentIntent confirmed with the session's
    capture method (manual: requires_capture), the session complete."""
    with fake.lock:
        session = get_session(fake, session_id)
        intent = fake.checkout_intent(
            session["amount_total"],
            session["currency"],
            brand=brand,
            last4=last4,
            multicapture=session["_multicapture"],
        )
        if session["_capture_method"] != "manual":
            intent.update(status="succeeded", amount_capturable=0)
            intent.update(amount_received=intent["amount"], capture_method="automatic")
        session.update(status="complete", payment_intent=intent["id"])
        return session
