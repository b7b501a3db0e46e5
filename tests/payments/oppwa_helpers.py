"""Set-up for the OPPWA adapter's tests: the fake OPPWA server and orders paid through OPPWA."""

import uuid
from collections.abc import Iterator

import pytest

from payments.enums import PaymentAction
from payments.models import GatewayAccount, Payment
from payments.services import payment_record_checkout
from tests.factories import GatewayAccountFactory, OrderFactory, StoreFactory
from tests.oppwa_fake.server import running
from tests.oppwa_fake.state import FakeOppwa


def key() -> str:
    return str(uuid.uuid4())


def serve_fake_oppwa(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOppwa]:
    """The body of a `fake_oppwa` fixture: the fake running, the adapter pointed at it."""
    fake = FakeOppwa()
    with running(fake) as base:
        monkeypatch.setenv("OPPWA_API_BASE", base)
        monkeypatch.setenv("OPPWA_ACCESS_TOKEN", fake.access_token)
        monkeypatch.setenv("OPPWA_ENTITY_ID", fake.entity_id)
        monkeypatch.setenv("OPPWA_WEBHOOK_SECRET", fake.webhook_secret)
        yield fake


def oppwa_account(store=None, **fields) -> GatewayAccount:
    store = store or StoreFactory()
    account = GatewayAccountFactory(store=store, gateway="oppwa", name="ACI")
    for name, value in fields.items():
        setattr(account, name, value)
    account.save()
    return account


def oppwa_payment(
    fake: FakeOppwa,
    amount: int = 10000,
    *,
    currency: str = "EUR",
    sale: bool = False,
    multicapture: bool = True,
) -> Payment:
    """An order paid at checkout with an OPPWA PA (or a DB when `sale`)."""
    store = StoreFactory(code=f"o{currency.lower()}", currency=currency)
    oppwa_account(store, supports_multicapture=multicapture)
    order = OrderFactory(store=store, subtotal=amount, shipping_amount=0)
    made = fake.checkout(amount, currency, sale=sale)
    result = payment_record_checkout(
        order=order,
        amount=amount,
        reference=made["id"],
        idempotency_key=key(),
        gateway="oppwa",
        payment_action=PaymentAction.AUTHORIZE_CAPTURE if sale else PaymentAction.AUTHORIZE,
    )
    assert result.ok, result.message
    return Payment.objects.select_related("gateway_account__store").get(
        pk=result.transaction.payment_id
    )
