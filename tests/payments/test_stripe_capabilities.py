"""What a Stripe account can't do, said before staff submit: one capture on an account without
multicapture (Transaction Details' Capture dialog, New Invoice's plan), and Rebill without a
saved card (disabled with the reason, refused on POST, nothing sent to Stripe).

Orders arrive through the import, which retrieves each PaymentIntent from the local fake.
"""

import re

import pytest
from django.urls import reverse

from orders.models import Order
from orders.services.importing import orders_import_lines
from payments.enums import TransactionType
from payments.models import Payment
from tests.factories import StoreFactory
from tests.orders.import_helpers import line
from tests.orders.invoice_helpers import fresh, key
from tests.payments.money_helpers import staff
from tests.payments.stripe_helpers import serve_fake_stripe, stripe_account

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
ONE_CAPTURE = "one capture; the rest is released"
NO_SAVED_CARD = (
    "Rebill is not available: the card was not saved at Stripe for later payments "
    "(the PaymentIntent has no customer and payment method)."
)


@pytest.fixture
def fake_stripe(monkeypatch):
    yield from serve_fake_stripe(monkeypatch)


@pytest.fixture
def user(client):
    user = staff("finance")
    client.force_login(user)
    return user


def stripe_order(fake, *, multicapture: bool, sale: bool = False, customer=None) -> Payment:
    """Order 100000110 (2 × $56.00 + $10.00 shipping), its $122.00 paid with a PaymentIntent."""
    stripe_account(StoreFactory(code="us", currency="USD"), supports_multicapture=multicapture)
    intent = fake.checkout_intent(12200, "usd", multicapture=multicapture, customer=customer)
    if sale:
        intent.update(status="succeeded", amount_capturable=0, amount_received=12200)
    action = "authorize_capture" if sale else "authorize"
    payment = {"gateway": "stripe", "action": action, "amount": "122.00", "reference": intent["id"]}
    report = orders_import_lines(lines=[line(payments=[payment])], source_name="t.jsonl")
    assert report.ok, report.failed
    return Payment.objects.get(order__number="100000110")


def test_capture_dialog_says_one_capture_before_submitting(client, user, fake_stripe):
    single = stripe_order(fake_stripe, multicapture=False)
    pa = single.transactions.get(type=TransactionType.AUTHORIZATION)
    url = reverse("payments:transaction_capture", args=[pa.uuid])

    html = client.get(url, headers=HX).content.decode()

    assert "One capture; the rest is released." in html


def test_no_note_when_the_account_has_multicapture(client, user, fake_stripe):
    multi = stripe_order(fake_stripe, multicapture=True)
    pa = multi.transactions.get(type=TransactionType.AUTHORIZATION)
    url = reverse("payments:transaction_capture", args=[pa.uuid])

    assert ONE_CAPTURE not in client.get(url, headers=HX).content.decode().lower()


def test_new_invoice_plan_says_the_rest_is_released_then_a_second_capture_is_refused(
    client, user, fake_stripe
):
    payment = stripe_order(fake_stripe, multicapture=False)
    order = Order.objects.get(pk=payment.order_id)
    item = order.items.get()
    url = reverse("orders:invoice_totals", kwargs={"number": order.number})
    data = {"version": fresh(order).version, "idempotency_key": key(), f"qty_{item.pk}": 1}

    one = client.post(url, {**data, "capture_mode": "online"}, headers=HX).content.decode()
    both = client.post(url, {**data, f"qty_{item.pk}": 2, "capture_mode": "online"}, headers=HX)

    assert f"$66.00 from authorization {payment.gateway_reference}" in one
    assert f"; {ONE_CAPTURE})" in one
    assert ONE_CAPTURE not in both.content.decode()  # the whole authorization: nothing left
    new = reverse("orders:invoice_new", kwargs={"number": order.number})
    response = client.post(new, {**data, "capture_mode": "online"})
    assert response.status_code == 302, response.content
    assert fake_stripe.intents[payment.gateway_reference]["status"] == "succeeded"
    pa = payment.transactions.get(type=TransactionType.AUTHORIZATION)
    dialog = client.get(reverse("payments:transaction_capture", args=[pa.uuid]), headers=HX)
    assert f"does not support multiple captures ({ONE_CAPTURE})" in dialog.content.decode()


def test_rebill_without_a_saved_card_is_disabled_and_refused_before_calling_stripe(
    client, user, fake_stripe
):
    payment = stripe_order(fake_stripe, multicapture=True, sale=True)
    debit = payment.transactions.get(type=TransactionType.DEBIT)

    page = client.get(reverse("payments:transaction_detail", args=[debit.uuid]))
    rebill = {b.label: b for b in page.context["operations"]}["Rebill"]
    dialog = client.get(reverse("payments:transaction_rebill", args=[debit.uuid]), headers=HX)
    sent_before = len(fake_stripe.requests)
    posted = client.post(
        reverse("payments:transaction_rebill", args=[debit.uuid]),
        {"amount": "10.00", "idempotency_key": key(), "usage": "", "memo": ""},
        headers=HX,
    )

    assert not rebill.allowed and rebill.reason == NO_SAVED_CARD
    assert NO_SAVED_CARD in page.content.decode()
    assert NO_SAVED_CARD in dialog.content.decode()
    assert posted.status_code in (409, 422) and NO_SAVED_CARD in posted.content.decode()
    assert len(fake_stripe.requests) == sent_before
    assert not payment.transactions.filter(type=TransactionType.REBILL).exists()


def test_rebill_on_a_saved_card_stays_available(client, user, fake_stripe):
    payment = stripe_order(fake_stripe, multicapture=True, sale=True, customer="cus_1")
    debit = payment.transactions.get(type=TransactionType.DEBIT)
    page = client.get(reverse("payments:transaction_detail", args=[debit.uuid]))
    rebill = {b.label: b for b in page.context["operations"]}["Rebill"]
    assert rebill.allowed
    assert re.search(r"cus_1", str(debit.gateway_response))
