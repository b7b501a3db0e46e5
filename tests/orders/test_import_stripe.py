"""Orders paid with a Stripe PaymentIntent, received through import_orders and the API: the
back office retrieves the PaymentIntent from (the local fake of) Stripe and refuses what can't
be recorded, with the reason on the payment's reference. Nothing of ours is mocked.
"""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from backoffice.models import Store
from orders.models import Order
from payments.enums import TransactionType
from payments.models import Payment
from tests.api.helpers import post_order, store_token
from tests.factories import StoreFactory
from tests.orders.import_helpers import CONTRACT_EXAMPLE, line, order_data
from tests.payments.stripe_helpers import serve_fake_stripe, stripe_account

pytestmark = pytest.mark.django_db
NUMBER = CONTRACT_EXAMPLE["number"]


@pytest.fixture
def fake_stripe(monkeypatch):
    yield from serve_fake_stripe(monkeypatch)


def stripe_payments(reference: str, action: str = "authorize", **extra) -> list[dict]:
    payment = {"gateway": "stripe", "action": action, "amount": "61.00", "reference": reference}
    return [{**payment, **extra}]


def run_import(text: str) -> tuple[str, str, int]:
    stdin, out, err = io.StringIO(text + "\n"), io.StringIO(), io.StringIO()
    try:
        call_command("import_orders", "-", stdin=stdin, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc.returncode
    return out.getvalue(), err.getvalue(), 0


def test_import_records_the_payment_intent_with_stripes_card_and_7_day_expiry(fake_stripe):
    stripe_account(StoreFactory(code="us", currency="USD"))
    intent = fake_stripe.checkout_intent(6100, "usd", brand="mastercard", last4="4444")
    sent = stripe_payments(intent["id"], card={"brand": "visa", "last4": "4242"})

    out, err, code = run_import(line(payments=sent))

    assert (code, err) == (0, ""), err
    assert "imported 1" in out
    payment = Payment.objects.get(order__number=NUMBER)
    assert (payment.gateway, payment.gateway_reference) == ("stripe", intent["id"])
    assert (payment.card_brand, payment.card_last4) == ("mastercard", "4444")
    authorized = payment.expires_at - timedelta(days=7)
    assert abs(authorized.timestamp() - intent["created"]) < 1
    assert payment.transactions.get().type == TransactionType.AUTHORIZATION


def test_import_refuses_a_canceled_payment_intent_with_stripes_reason(fake_stripe):
    stripe_account(StoreFactory(code="us", currency="USD"))
    intent = fake_stripe.checkout_intent(6100, "usd")
    intent.update(status="canceled", amount_capturable=0)

    out, err, code = run_import(line(payments=stripe_payments(intent["id"])))

    assert code == 1 and "failed 1" in out
    assert err.strip() == (
        f"line 1: payments[0].reference: PaymentIntent {intent['id']} is canceled at Stripe: "
        "only an authorized (requires_capture) or paid (succeeded) PaymentIntent can be recorded"
    )
    assert not Order.objects.exists()


def test_import_refuses_stripe_without_an_account_and_creates_none(fake_stripe):
    store = StoreFactory(code="us", currency="USD")
    intent = fake_stripe.checkout_intent(6100, "usd")

    _out, err, code = run_import(line(payments=stripe_payments(intent["id"])))

    assert code == 1
    assert "line 1: payments[0].gateway: store us has no Stripe account" in err
    assert not Order.objects.exists() and not store.gateway_accounts.exists()


def test_api_answers_400_with_the_reference_path_for_an_unknown_payment_intent(client, fake_stripe):
    token = store_token()
    stripe_account(Store.objects.get(code="us"))

    response = post_order(client, token, order_data(payments=stripe_payments("pi_missing")))

    assert response.status_code == 400, response.content
    [message] = response.json()["errors"]["payments[0].reference"]
    assert message.startswith("Stripe could not show PaymentIntent pi_missing:")
    assert "No such payment_intent" in message
    assert not Order.objects.exists()


def test_api_refuses_a_wrong_action_or_amount_and_accepts_a_sale_then_200_again(
    client, fake_stripe
):
    token = store_token()
    stripe_account(Store.objects.get(code="us"))
    sale = fake_stripe.checkout_intent(6100, "usd", brand="amex", last4="0005")
    sale.update(status="succeeded", amount_capturable=0, amount_received=6100)

    wrong_action = post_order(client, token, order_data(payments=stripe_payments(sale["id"])))
    too_much = post_order(
        client,
        token,
        order_data(payments=stripe_payments(sale["id"], "authorize_capture", amount="70.00")),
    )
    good = order_data(payments=stripe_payments(sale["id"], "authorize_capture"))
    created, again = post_order(client, token, good), post_order(client, token, good)

    assert wrong_action.json()["errors"]["payments[0].reference"] == [
        f"PaymentIntent {sale['id']} is paid (succeeded) at Stripe: send action authorize_capture"
    ]
    assert too_much.json()["errors"]["payments[0].reference"] == [
        f"PaymentIntent {sale['id']} is for $61.00, less than the $70.00 sent"
    ]
    assert (created.status_code, again.status_code) == (201, 200), again.content
    payment = Payment.objects.get(order__number=NUMBER)
    assert (payment.card_brand, payment.card_last4, payment.expires_at) == ("amex", "0005", None)
    assert payment.transactions.get().type == TransactionType.DEBIT
