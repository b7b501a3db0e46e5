"""Authorize the difference on Stripe: an off-session PaymentIntent (capture_method=manual) on
the saved card of the checkout's PaymentIntent, through the real `stripe` SDK against the
local fake of Stripe's API (nothing of ours mocked), then Capture Online across both intents.
"""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from orders.enums import CaptureMode
from orders.models import Order, OrderComment, OrderItem
from orders.operations import OrderOperation, order_operation_availability
from orders.services.invoicing import invoice_create
from orders.services.order_edit import order_authorize_difference
from payments.enums import PaymentStatus, TransactionStatus, TransactionType
from payments.figures import figures_of
from payments.gateways import GatewayStatus, get_gateway
from payments.models import Payment, Transaction
from payments.services import payment_record_checkout
from payments.services.reconcile import transaction_reconcile
from tests.orders.edit_helpers import edit, editor
from tests.orders.invoice_helpers import fresh, key, order_with_items
from tests.payments.stripe_helpers import serve_fake_stripe, stripe_account

pytestmark = pytest.mark.django_db
S = TransactionStatus
NOT_SAVED = "the card was not saved at Stripe for later payments"


@pytest.fixture
def fake_stripe(monkeypatch):
    yield from serve_fake_stripe(monkeypatch)


def stripe_order(fake, *, customer: str | None = "cus_1") -> tuple[Order, OrderItem, Payment]:
    """1 × Simple product 1 at $56.00 + $5.00 shipping, $61.00 authorized at checkout with a
    PaymentIntent (its card saved on `customer` unless None), multicapture account."""
    order, item = order_with_items(qty=1, shipping=500)
    OrderItem.objects.filter(pk=item.pk).update(name="Simple product 1")
    stripe_account(order.store, supports_multicapture=True)
    intent = fake.checkout_intent(
        6100, "usd", customer=customer, multicapture=True, brand="mastercard", last4="4444"
    )
    result = payment_record_checkout(
        order=order,
        amount=6100,
        reference=intent["id"],
        idempotency_key=key(),
        gateway="stripe",
        card_brand="mastercard",
        card_last4="4444",
    )
    assert result.ok, result.message
    return fresh(order), OrderItem.objects.get(pk=item.pk), Payment.objects.get(order=order)


def authorize_difference(order: Order, user, once: str | None = None):
    return order_authorize_difference(
        order=fresh(order),
        user=user,
        expected_version=fresh(order).version,
        idempotency_key=once or key(),
    )


def intent_posts(fake) -> list[dict]:
    return [r[2] for r in fake.requests if r[0] == "POST" and r[1] == "/v1/payment_intents"]


def history(order: Order) -> str:
    return "\n".join(OrderComment.objects.filter(order=order).values_list("body", flat=True))


def invoice(order: Order, user, item: OrderItem, qty: int):
    return invoice_create(
        order=fresh(order),
        user=user,
        quantities={item.pk: qty},
        capture_mode=CaptureMode.ONLINE,
        expected_version=fresh(order).version,
        idempotency_key=key(),
    )


def test_authorize_the_difference_then_capture_online_across_both_intents(fake_stripe):
    order, item, first = stripe_order(fake_stripe)
    user = editor()
    edit(order, user, quantities={item.pk: 2}, shipping=1000)
    assert fresh(order).payment_status == PaymentStatus.PARTIALLY_AUTHORIZED

    result = authorize_difference(order, user)

    assert result.ok, result.message
    (sent,) = intent_posts(fake_stripe)
    assert sent["capture_method"] == "manual"
    assert (sent["off_session"], sent["confirm"], sent["customer"]) == ("true", "true", "cus_1")
    assert sent["payment_method"] == fake_stripe.intents[first.gateway_reference]["payment_method"]
    assert sent["payment_method_options"] == {"card": {"request_multicapture": "if_available"}}
    second = Payment.objects.exclude(pk=first.pk).get(order=order)
    intent = fake_stripe.intents[second.gateway_reference]
    assert (intent["status"], intent["amount_capturable"]) == ("requires_capture", 6100)
    assert intent["metadata"] == {"backoffice_key": result.transaction.idempotency_key}
    assert (second.gateway, second.amount_authorized) == ("stripe", 6100)
    assert (second.card_brand, second.card_last4) == ("mastercard", "4444")
    assert second.expires_at is not None and second.expires_at > first.expires_at
    assert fresh(order).payment_status == PaymentStatus.AUTHORIZED
    assert figures_of(fresh(order)).outstanding == 0

    # The X-Payments story: $66.00 (1 unit + shipping) then $56.00, soonest-expiring first.
    spread = invoice(order, user, item, 1)
    assert (spread.failure, spread.captured) == (None, 6600)
    assert [(step.payment, step.amount) for step in spread.steps] == [(first, 6100), (second, 500)]
    last = invoice(order, user, item, 1)
    assert (last.failure, last.captured) == (None, 5600)

    first_intent = fake_stripe.intents[first.gateway_reference]
    assert (first_intent["amount_received"], intent["amount_received"]) == (6100, 6100)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.amount_captured, second.amount_captured) == (6100, 6100)
    assert figures_of(fresh(order)).total_paid == 12200


def test_the_order_page_offers_it_and_posts_it(client, fake_stripe):
    order, item, _first = stripe_order(fake_stripe)
    user = editor()
    edit(order, user, quantities={item.pk: 2}, shipping=1000)
    client.force_login(user)
    url = reverse("orders:authorize_difference", kwargs={"number": order.number})
    data = {"version": fresh(order).version, "idempotency_key": key()}

    page = client.get(reverse("orders:detail", kwargs={"number": order.number}))
    done = client.post(url, data, headers={"HX-Request": "true"})

    assert "Authorize the difference" in page.text
    assert "can't charge the customer's saved payment method" not in page.text
    assert done.status_code == 200
    assert Payment.objects.filter(order=order).count() == 2
    assert len(intent_posts(fake_stripe)) == 1


def test_double_submit_sends_one_intent(fake_stripe):
    order, item, _first = stripe_order(fake_stripe)
    user = editor()
    edit(order, user, quantities={item.pk: 2})
    once = key()

    results = [authorize_difference(order, user, once) for _ in range(2)]

    assert all(r.ok for r in results)
    assert len(intent_posts(fake_stripe)) == 1
    assert Payment.objects.filter(order=order).count() == 2
    assert len(fake_stripe.intents) == 2  # the checkout's and the difference's


def test_without_a_saved_card_the_decline_is_in_history_and_nothing_is_authorized(fake_stripe):
    order, item, _first = stripe_order(fake_stripe, customer=None)
    user = editor()
    edit(order, user, quantities={item.pk: 2})

    result = authorize_difference(order, user)

    assert not result.ok
    assert result.transaction.status == S.FAILED
    assert NOT_SAVED in result.transaction.error
    assert NOT_SAVED in history(order)
    assert intent_posts(fake_stripe) == []  # refused before asking Stripe for anything
    assert figures_of(fresh(order)).outstanding == 5600
    assert fresh(order).payment_status == PaymentStatus.PARTIALLY_AUTHORIZED


def test_a_card_that_needs_the_customer_is_declined_with_stripes_reason(fake_stripe):
    order, item, first = stripe_order(fake_stripe)
    fake_stripe.intents[first.gateway_reference]["payment_method"] = (
        "pm_card_authenticationRequired"
    )
    user = editor()
    edit(order, user, quantities={item.pk: 2})

    result = authorize_difference(order, user)

    assert result.transaction.status == S.FAILED
    assert "requires authentication" in result.transaction.error
    assert "authentication_required" in history(order)
    assert len(fake_stripe.intents) == 1
    assert figures_of(fresh(order)).outstanding == 5600


def test_unavailable_with_the_reason_when_checkout_saved_no_card(fake_stripe):
    order, item, first = stripe_order(fake_stripe)
    Transaction.objects.filter(payment=first).update(
        gateway_response={"object": "payment_intent", "customer": "", "payment_method": ""}
    )
    user = editor()
    edit(order, user, quantities={item.pk: 2})

    answer = order_operation_availability(
        user=user, order=fresh(order), operation=OrderOperation.AUTHORIZE_DIFFERENCE
    )

    assert not answer
    assert NOT_SAVED in answer.reason and "Use Mark as paid or a payment link." in answer.reason


def test_a_lost_answer_is_found_again_by_our_key(fake_stripe):
    order, item, first = stripe_order(fake_stripe)
    user = editor()
    edit(order, user, quantities={item.pk: 2})
    fake_stripe.faults.append(("/v1/payment_intents$", "drop_after"))

    lost = authorize_difference(order, user)

    assert lost.transaction.status == S.UNKNOWN
    adapter = get_gateway(first.gateway_account)
    with time_machine.travel(timezone.now() + timedelta(days=2)):  # past Stripe's 24 h
        found = adapter.lookup(idempotency_key=lost.transaction.idempotency_key)
    assert found is not None and found.status == GatewayStatus.SUCCESS
    change = transaction_reconcile(transaction=lost.transaction, grace=timedelta(0))
    assert change is not None and change.after == S.SUCCESS
    second = Payment.objects.exclude(pk=first.pk).get(order=order)
    assert second.gateway_reference == found.reference
    assert fake_stripe.intents[second.gateway_reference]["status"] == "requires_capture"
    assert len(intent_posts(fake_stripe)) == 2  # the lost one, then its replay: one intent
    assert len(fake_stripe.intents) == 2
    assert Transaction.objects.filter(payment=second, type=TransactionType.AUTHORIZATION).get()
