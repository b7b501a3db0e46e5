"""Stripe's webhooks through the inbox, and Stripe's records for `--against-gateway`.

Through the real stack: the fake Stripe (tests/stripe_fake) does something on its side (a
Dashboard refund, a dispute), its signed events are POSTed to `/webhooks/stripe/<store>/`
by the test client, the inbox verifies, stores and applies them (the immediate task backend),
and the back office's own money goes through the real SDK to the fake.
"""

import pytest

from backoffice.audit.models import AuditEvent
from backoffice.errors import DomainError
from orders.models import OrderComment
from payments.inbox_models import InboundEvent
from payments.models import Payment, Transaction
from payments.services import payment_capture, payment_refund
from tests.batch_helpers import run
from tests.payments.inbox_helpers import webhook_url
from tests.payments.money_helpers import refreshed
from tests.payments.stripe_helpers import key, serve_fake_stripe, stripe_payment
from tests.stripe_fake.events import dashboard_refund_events, event, signed

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fake_stripe(monkeypatch):
    for fake in serve_fake_stripe(monkeypatch):
        monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", fake.webhook_secret)
        yield fake


def post(client, payment: Payment, fake, evt, **signing):
    headers, body = signed(fake, evt, **signing)
    return client.post(
        webhook_url(payment.gateway_account),
        data=body,
        content_type="application/json",
        headers=headers,
    )


def post_all(client, payment: Payment, fake, *events):
    for evt in events:
        response = post(client, payment, fake, evt)
        assert response.status_code == 200, response.content


def captured(fake, amount: int = 5000) -> Payment:
    payment = stripe_payment(fake, amount)
    result = payment_capture(
        payment=payment,
        amount=amount,
        online=True,
        actor=None,
        idempotency_key=key(),
        source="batch",
    )
    assert result.ok, result.message
    return refreshed(payment)


def back_office_refund(payment: Payment, amount: int):
    return payment_refund(
        payment=payment,
        amount=amount,
        online=True,
        actor=None,
        idempotency_key=key(),
        source="batch",
    )


def webhook_rows(payment: Payment):
    return Transaction.objects.filter(payment=payment, source="webhook").order_by("pk")


def against():
    return run("reconcile_payments", "--against-gateway")


def test_a_bad_signature_answers_400_stores_nothing_and_is_audited(client, fake_stripe):
    payment = captured(fake_stripe)
    [_charge, created] = dashboard_refund_events(fake_stripe, payment.gateway_reference, 2000)

    response = post(client, payment, fake_stripe, created, secret="whsec_someone_else")

    assert response.status_code == 400
    assert not InboundEvent.objects.exists()
    assert not webhook_rows(payment).exists()
    audit = AuditEvent.objects.get(type="webhook_rejected")
    assert audit.outcome == "denied" and audit.store_code == payment.order.store.code
    assert "signature" in audit.message


def test_a_stale_timestamp_is_refused(client, fake_stripe):
    payment = captured(fake_stripe)
    [_charge, created] = dashboard_refund_events(fake_stripe, payment.gateway_reference, 2000)

    stale = post(client, payment, fake_stripe, created, at=fake_stripe.now() - 301)
    future = post(client, payment, fake_stripe, created, at=fake_stripe.now() + 301)

    assert stale.status_code == future.status_code == 400
    assert "tolerance" in stale.json()["error"]
    assert not InboundEvent.objects.exists()
    assert (
        post(client, payment, fake_stripe, created, at=fake_stripe.now() - 240).status_code == 200
    )


def test_a_duplicate_event_answers_200_and_does_nothing(client, fake_stripe):
    payment = captured(fake_stripe)
    [_charge, created] = dashboard_refund_events(fake_stripe, payment.gateway_reference, 2000)

    first = post(client, payment, fake_stripe, created)
    again = post(client, payment, fake_stripe, created)

    assert first.json() == {"received": [created["id"]], "duplicates": 0}
    assert again.json() == {"received": [], "duplicates": 1}
    assert webhook_rows(payment).count() == 1
    assert refreshed(payment).amount_refunded == 2000


def test_a_dashboard_refund_shows_on_the_order_and_cant_be_refunded_again(client, fake_stripe):
    payment = captured(fake_stripe)
    events = dashboard_refund_events(fake_stripe, payment.gateway_reference, 2000)

    post_all(client, payment, fake_stripe, *events)

    [txn] = webhook_rows(payment)
    assert (txn.type, txn.status, txn.amount, txn.is_online) == ("RF", "success", 2000, True)
    assert txn.gateway_reference.startswith("re_")
    comment = OrderComment.objects.get(order=payment.order, transaction=txn)
    assert comment.body == (
        f"Refunded $20.00 in the Stripe Dashboard, reference {txn.gateway_reference}. "
        "Stripe's reason: requested_by_customer."
    )
    payment = refreshed(payment)
    assert payment.refundable == 3000
    with pytest.raises(DomainError, match=r"can't be more than \$30.00"):
        back_office_refund(payment, 5000)
    assert back_office_refund(payment, 3000).ok
    assert fake_stripe.intents[payment.gateway_reference]["_refunded"] == 5000


def test_a_refund_listed_by_charge_refunded_and_refund_created_is_recorded_once(
    client, fake_stripe
):
    """Older API versions list the refunds in `charge.refunded`: the same refund twice."""
    payment = captured(fake_stripe)
    charge, created = dashboard_refund_events(fake_stripe, payment.gateway_reference, 1500)
    charge["data"]["object"]["refunds"] = {"object": "list", "data": [created["data"]["object"]]}

    post_all(client, payment, fake_stripe, charge, created)

    assert InboundEvent.objects.count() == 2
    assert webhook_rows(payment).count() == 1
    assert refreshed(payment).amount_refunded == 1500


def test_our_own_refund_and_capture_echoed_back_change_nothing(client, fake_stripe):
    payment = captured(fake_stripe)
    assert back_office_refund(payment, 2000).ok
    [ours] = fake_stripe.refunds.values()
    intent = fake_stripe.intents[payment.gateway_reference]

    for type_, obj in [
        ("payment_intent.succeeded", intent),
        ("charge.captured", {"id": intent["latest_charge"], "object": "charge"}),
        ("refund.created", ours),
        ("refund.updated", ours),
    ]:
        response = post(client, payment, fake_stripe, event(fake_stripe, type_, obj))
        assert response.json() == {"received": [], "duplicates": 0}

    payment = refreshed(payment)
    assert not webhook_rows(payment).exists()
    assert (payment.amount_captured, payment.amount_refunded) == (5000, 2000)


def test_a_lost_dispute_is_a_chargeback_with_stripes_reason(client, fake_stripe):
    payment = captured(fake_stripe)
    dispute = fake_stripe.open_dispute(payment.gateway_reference, reason="fraudulent")
    opened = [
        event(fake_stripe, "charge.dispute.created", dispute),
        event(fake_stripe, "charge.dispute.funds_withdrawn", dispute),
    ]
    closed = event(
        fake_stripe, "charge.dispute.closed", fake_stripe.close_dispute(dispute["id"], won=False)
    )

    post_all(client, payment, fake_stripe, *opened, closed)

    [txn] = webhook_rows(payment)
    assert (txn.type, txn.amount, txn.gateway_reference) == ("CB", 5000, dispute["id"])
    comment = OrderComment.objects.get(order=payment.order, transaction=txn)
    assert comment.body == (
        f"Chargeback of $50.00 reported by Stripe, reference {dispute['id']}. "
        "Stripe's reason: fraudulent."
    )
    assert refreshed(payment).amount_charged_back == 5000
    assert against().code == 0


def test_a_won_dispute_is_a_chargeback_and_its_reversal(client, fake_stripe):
    payment = captured(fake_stripe)
    dispute = fake_stripe.open_dispute(payment.gateway_reference, reason="product_not_received")
    created = event(fake_stripe, "charge.dispute.created", dispute)
    fake_stripe.close_dispute(dispute["id"], won=True)
    reinstated = event(fake_stripe, "charge.dispute.funds_reinstated", dispute)
    closed = event(fake_stripe, "charge.dispute.closed", dispute)

    # Stripe doesn't promise the order: the outcome first, the opening last.
    post_all(client, payment, fake_stripe, closed, reinstated, created)

    rows = list(webhook_rows(payment).values_list("type", "amount"))
    assert sorted(rows) == [("CB", 5000), ("CR", 5000)]
    assert set(InboundEvent.objects.values_list("status", flat=True)) == {"processed"}
    assert refreshed(payment).amount_charged_back == 0
    assert against().code == 0


def test_a_refund_before_its_capture_waits_then_applies(client, fake_stripe):
    payment = stripe_payment(fake_stripe, 5000)
    pi = payment.gateway_reference
    before = event(fake_stripe, "payment_intent.amount_capturable_updated", fake_stripe.intents[pi])
    fake_stripe.capture(pi, {})  # captured in the Stripe Dashboard
    capture = event(fake_stripe, "payment_intent.succeeded", fake_stripe.intents[pi])
    [_charge, refund] = dashboard_refund_events(fake_stripe, pi, 1500)

    post_all(client, payment, fake_stripe, refund)
    early = InboundEvent.objects.get()
    assert early.status == "retry" and "doesn't fit the ledger yet" in early.last_error

    post_all(client, payment, fake_stripe, capture, before)  # then an older event, late

    assert set(InboundEvent.objects.values_list("status", flat=True)) == {"processed"}
    payment = refreshed(payment)
    assert (payment.amount_captured, payment.amount_refunded) == (5000, 1500)
    assert [t.type for t in webhook_rows(payment)] == ["CP", "RF"]
    comment = OrderComment.objects.get(order=payment.order, transaction__type="CP")
    assert comment.body.startswith("Captured $50.00 in the Stripe Dashboard, reference ch_")


def test_a_dashboard_cancel_releases_the_authorization(client, fake_stripe):
    payment = stripe_payment(fake_stripe, 5000)
    canceled = fake_stripe.cancel(payment.gateway_reference)

    post_all(client, payment, fake_stripe, event(fake_stripe, "payment_intent.canceled", canceled))

    payment = refreshed(payment)
    assert payment.amount_voided == 5000
    assert [t.type for t in webhook_rows(payment)] == ["RV"]


def test_against_gateway_finds_the_dashboard_refund_whose_webhook_never_came(client, fake_stripe):
    payment = captured(fake_stripe)
    assert back_office_refund(payment, 1000).ok
    assert against().code == 0
    events = dashboard_refund_events(fake_stripe, payment.gateway_reference, 2000)

    missed = against()

    assert missed.code == 1, missed.text
    assert "refunded: ours $10.00, PSP $30.00" in missed.text

    post_all(client, payment, fake_stripe, *events)
    delivered = against()
    assert delivered.code == 0, delivered.text
