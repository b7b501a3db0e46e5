"""Payment links on Stripe: the customer authorizes on Stripe's hosted Checkout (manual
capture), through the local fake of Stripe's API and the real SDK; the back office records the
authorization when the customer is back, once."""

import pytest
from django.urls import reverse

from orders.models import OrderComment, PaymentLink
from orders.payment_link_tokens import link_path, link_token
from payments.enums import PaymentStatus, TransactionType
from payments.models import Payment, Transaction
from payments.services import payment_capture
from tests.orders.payment_link_helpers import finance_user, make_link
from tests.payments.stripe_helpers import key, serve_fake_stripe, stripe_payment
from tests.stripe_fake.checkout import complete_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_stripe(monkeypatch):
    yield from serve_fake_stripe(monkeypatch)


def owing_stripe_order(fake):
    """A $122.00 order with a $61.00 Stripe authorization made at checkout."""
    payment = stripe_payment(fake, 6100)
    order = payment.order
    order.subtotal = 12200
    order.grand_total = 12200
    order.save(update_fields=["subtotal", "grand_total"])
    return order


def test_the_customer_pays_on_stripe_checkout_and_the_authorization_is_recorded_once(
    client, fake_stripe
):
    order = owing_stripe_order(fake_stripe)
    link = make_link(order)
    token = link_token(link)

    page = client.get(link_path(link))
    assert "Pay $61.00 with Stripe" in page.content.decode()
    assert "https://checkout.stripe.com" in page["Content-Security-Policy"]

    response = client.post(reverse("pay:checkout", args=[token]))

    assert response.status_code == 303
    [session] = fake_stripe.sessions.values()
    assert response["Location"] == session["url"]
    assert session["_capture_method"] == "manual" and session["amount_total"] == 6100
    assert session["success_url"].endswith(
        f"/pay/{token}/return/?session_id={{CHECKOUT_SESSION_ID}}"
    )
    # A second click goes to the same open session.
    assert client.post(reverse("pay:checkout", args=[token]))["Location"] == session["url"]
    assert len(fake_stripe.sessions) == 1

    complete_session(fake_stripe, session["id"], brand="mastercard", last4="4444")
    back = client.get(reverse("pay:return", args=[token]))
    assert back.status_code == 200 and "data-autosubmit" in back.content.decode()
    done = client.post(reverse("pay:return", args=[token]))
    assert done.status_code == 302
    assert client.post(reverse("pay:return", args=[token])).status_code == 302  # again: once

    new = Payment.objects.get(order=order, gateway_reference=session["payment_intent"])
    assert (new.amount_authorized, new.card_brand, new.card_last4) == (6100, "Mastercard", "4444")
    link.refresh_from_db()
    assert link.paid_at is not None and link.payment == new
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.AUTHORIZED
    assert (
        OrderComment.objects.filter(
            order=order, body="Authorization of $61.00 through the payment link."
        ).count()
        == 1
    )
    assert "has been paid" in client.get(link_path(link)).content.decode()
    # Staff capture it later like any Stripe authorization.
    result = payment_capture(
        payment=new, amount=6100, online=True, actor=None, idempotency_key=key(), source="batch"
    )
    assert result.ok, result.message
    assert fake_stripe.intents[new.gateway_reference]["amount_received"] == 6100


def test_back_from_stripe_without_paying_records_nothing(client, fake_stripe):
    order = owing_stripe_order(fake_stripe)
    link = make_link(order)
    token = link_token(link)
    client.post(reverse("pay:checkout", args=[token]))
    response = client.post(reverse("pay:return", args=[token]))
    assert "The payment was not completed on the payment page" in response.content.decode()
    assert not Transaction.objects.filter(
        order=order, type=TransactionType.AUTHORIZATION, idempotency_key__startswith="payment-link"
    ).exists()
    assert PaymentLink.objects.get().paid_at is None


def test_stripe_unreachable_says_so_and_writes_nothing(client, fake_stripe):
    order = owing_stripe_order(fake_stripe)
    link = make_link(order)
    fake_stripe.faults.append(("/v1/checkout/sessions", "500"))
    response = client.post(reverse("pay:checkout", args=[link_token(link)]))
    assert response.status_code == 503
    assert "provider can&#x27;t be reached right now" in response.content.decode()
    assert PaymentLink.objects.get().checkout_session_id == ""


def test_staff_check_at_stripe_records_a_payment_whose_customer_never_came_back(
    client, fake_stripe
):
    order = owing_stripe_order(fake_stripe)
    link = make_link(order)
    client.post(reverse("pay:checkout", args=[link_token(link)]))
    [session] = fake_stripe.sessions.values()
    client.force_login(finance_user())
    check = reverse("orders:payment_link_check", args=[order.number, link.pk])
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Check payment at Stripe" in page

    assert "Not paid at Stripe yet." in client.post(check, follow=True).content.decode()
    complete_session(fake_stripe, session["id"])
    response = client.post(check, follow=True)

    assert "the authorization is recorded" in response.content.decode()
    link.refresh_from_db()
    assert link.paid_at is not None
    assert link.payment.gateway_reference == session["payment_intent"]
