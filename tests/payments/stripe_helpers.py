"""Set-up for the Stripe adapter's tests: the fake Stripe server and orders paid with Stripe."""

import uuid
from collections.abc import Iterator

import pytest

from payments.enums import PaymentAction
from payments.models import GatewayAccount, Payment
from payments.services import payment_record_checkout
from tests.factories import GatewayAccountFactory, OrderFactory, StoreFactory
from tests.stripe_fake.server import running
from tests.stripe_fake.state import FakeStripe


def key() -> str:
    return str(uuid.uuid4())


def serve_fake_stripe(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStripe]:
    """The body of a `fake_stripe` fixture: the fake running, the SDK pointed at it."""
    fake = FakeStripe()
    with running(fake) as base:
        monkeypatch.setenv("STRIPE_API_BASE", base)
        monkeypatch.setenv("STRIPE_SECRET_KEY", fake.secret_key)
        yield fake


def stripe_account(store=None, **fields) -> GatewayAccount:
    store = store or StoreFactory()
    account = GatewayAccountFactory(store=store, gateway="stripe", name="Stripe")
    for name, value in fields.items():
        setattr(account, name, value)
    account.save()
    return account


def stripe_payment(
    fake: FakeStripe,
    amount: int = 10000,
    *,
    currency: str = "USD",
    multicapture: bool = True,
    customer: str | None = None,
    sale: bool = False,
) -> Payment:
    """An order paid at checkout with a Stripe PaymentIntent (capture_method=manual)."""
    store = StoreFactory(code=f"s{currency.lower()}", currency=currency)
    stripe_account(store, supports_multicapture=multicapture)
    order = OrderFactory(store=store, subtotal=amount, shipping_amount=0)
    intent = fake.checkout_intent(amount, currency, multicapture=multicapture, customer=customer)
    if sale:
        intent.update(status="succeeded", amount_capturable=0, amount_received=amount)
    result = payment_record_checkout(
        order=order,
        amount=amount,
        reference=intent["id"],
        idempotency_key=key(),
        gateway="stripe",
        payment_action=PaymentAction.AUTHORIZE_CAPTURE if sale else PaymentAction.AUTHORIZE,
    )
    assert result.ok, result.message
    return Payment.objects.select_related("gateway_account__store").get(
        pk=result.transaction.payment_id
    )
