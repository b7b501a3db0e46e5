"""The Stripe adapter through the real `stripe` SDK, against a local fake of Stripe's API.

Nothing of ours is mocked: services → money flow → adapter → SDK → HTTP → the fake.
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from backoffice.availability import OperationUnavailable
from payments.enums import TransactionStatus, TransactionType
from payments.gateways import GatewayStatus, IdempotencyConflict, get_gateway
from payments.models import Payment, ReasonCode
from payments.services import payment_capture, payment_rebill, payment_refund, payment_void
from payments.services.reconcile import transaction_reconcile
from tests.payments.stripe_helpers import key, serve_fake_stripe, stripe_payment

pytestmark = pytest.mark.django_db(transaction=True)
S = TransactionStatus


@pytest.fixture
def fake_stripe(monkeypatch):
    yield from serve_fake_stripe(monkeypatch)


def capture(payment: Payment, amount: int, k: str | None = None):
    return payment_capture(
        payment=payment,
        amount=amount,
        online=True,
        actor=None,
        idempotency_key=k or key(),
        source="batch",
    )


def refund(payment: Payment, amount: int, reason: str = "returned"):
    code = ReasonCode.objects.get(store=payment.order.store, code=reason)
    return payment_refund(
        payment=payment,
        amount=amount,
        online=True,
        actor=None,
        idempotency_key=key(),
        reason=code,
        source="batch",
    )


def debit_of(payment: Payment):
    return payment.transactions.get(type=TransactionType.DEBIT)


def posts(fake, fragment: str):
    return [r for r in fake.requests if r[0] == "POST" and fragment in r[1]]


def test_partial_and_multiple_captures_then_void_releases_the_rest(fake_stripe):
    payment = stripe_payment(fake_stripe, 10000, multicapture=True)
    first, second = capture(payment, 3000), capture(payment, 2500)
    assert first.ok and second.ok, (first.message, second.message)
    intent = fake_stripe.intents[payment.gateway_reference]
    assert intent["amount_received"] == 5500 and intent["amount_capturable"] == 4500
    sent = posts(fake_stripe, "/capture")
    assert [r[2]["final_capture"] for r in sent] == ["false", "false"]
    assert [r[3] for r in sent] == [
        first.transaction.idempotency_key,
        second.transaction.idempotency_key,
    ]
    void = payment_void(payment=payment, actor=None, idempotency_key=key(), source="batch")
    assert void.ok, void.message
    assert intent["status"] == "canceled" and intent["amount_capturable"] == 0
    payment.refresh_from_db()
    assert (payment.amount_captured, payment.amount_voided) == (5500, 4500)


def test_one_capture_accounts_release_the_rest_and_say_so(fake_stripe):
    payment = stripe_payment(fake_stripe, 10000, multicapture=False)
    assert capture(payment, 4000).ok
    intent = fake_stripe.intents[payment.gateway_reference]
    assert (intent["status"], intent["amount_capturable"]) == ("succeeded", 0)
    assert "final_capture" not in posts(fake_stripe, "/capture")[0][2]
    with pytest.raises(OperationUnavailable, match="does not support multiple captures"):
        capture(payment, 1000)


def test_partial_refunds_up_to_the_limit_then_stripe_refuses_more(fake_stripe):
    payment = stripe_payment(fake_stripe, 10000)
    assert capture(payment, 10000).ok
    first = refund(payment, 4000, reason="fraud")
    second = refund(payment, 6000, reason="goodwill")
    assert first.ok and second.ok
    bodies = [r[2] for r in posts(fake_stripe, "/v1/refunds")]
    assert bodies[0]["reason"] == "fraudulent" and "reason" not in bodies[1]
    assert bodies[0]["metadata"]["backoffice_key"] == first.transaction.idempotency_key
    # Our ledger refuses a third one first; Stripe refuses it on its own side too.
    adapter = get_gateway(payment.gateway_account)
    over = adapter.refund(
        reference=payment.gateway_reference, amount=100, currency="USD", idempotency_key=key()
    )
    assert over.status == GatewayStatus.DECLINED
    assert "greater than unrefunded amount" in over.message


def test_decline_keeps_stripes_decline_code(fake_stripe):
    payment = stripe_payment(fake_stripe, 10000, customer="cus_1", sale=True)
    fake_stripe.intents[payment.gateway_reference]["payment_method"] = (
        "pm_card_chargeDeclinedInsufficientFunds"
    )
    result = payment_rebill(
        parent=debit_of(payment), amount=2000, actor=None, idempotency_key=key(), source="batch"
    )
    assert result.transaction.status == S.FAILED
    assert "insufficient_funds" in result.transaction.error


def test_rebill_on_the_saved_card_and_refused_without_one(fake_stripe):
    saved = stripe_payment(fake_stripe, 10000, customer="cus_1", sale=True)
    result = payment_rebill(
        parent=debit_of(saved), amount=2000, actor=None, idempotency_key=key(), source="batch"
    )
    assert result.ok, result.message
    body = posts(fake_stripe, "/v1/payment_intents")[-1][2]
    assert (body["off_session"], body["confirm"], body["customer"]) == ("true", "true", "cus_1")
    unsaved = stripe_payment(fake_stripe, 10000, sale=True)
    refused = payment_rebill(
        parent=debit_of(unsaved), amount=2000, actor=None, idempotency_key=key(), source="batch"
    )
    assert refused.transaction.status == S.FAILED
    assert "not saved at Stripe" in refused.transaction.error


def test_timeout_after_stripe_applied_a_capture_reconciles_to_exactly_one(fake_stripe):
    payment = stripe_payment(fake_stripe, 10000)
    fake_stripe.faults.append(("/capture", "drop_after"))
    lost = capture(payment, 3000)
    assert lost.transaction.status == S.UNKNOWN
    change = transaction_reconcile(transaction=lost.transaction, grace=timedelta(0))
    assert change is not None and change.after == S.SUCCESS
    intent = fake_stripe.intents[payment.gateway_reference]
    assert intent["amount_received"] == 3000  # the replay did not capture twice
    payment.refresh_from_db()
    assert payment.amount_captured == 3000 and payment.pending_capture == 0


def test_lookup_after_24_hours_searches_by_our_key(fake_stripe):
    payment = stripe_payment(fake_stripe, 10000)
    assert capture(payment, 10000).ok
    fake_stripe.faults.append(("/v1/refunds", "drop_after"))
    lost = refund(payment, 2500)
    assert lost.transaction.status == S.UNKNOWN
    other = stripe_payment(fake_stripe, 5000, currency="EUR")
    assert capture(other, 5000).ok
    fake_stripe.faults.append(("/v1/refunds", "drop_before"))
    unsent = refund(other, 1000)
    assert unsent.transaction.status == S.UNKNOWN
    adapter = get_gateway(payment.gateway_account)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        found = adapter.lookup(idempotency_key=lost.transaction.idempotency_key)
        never = adapter.lookup(idempotency_key=unsent.transaction.idempotency_key)
    assert found is not None and found.status == GatewayStatus.SUCCESS
    assert found.reference.startswith("re_")
    assert never is None  # Stripe's refunds of that PaymentIntent prove it never happened
    assert len(posts(fake_stripe, "/v1/refunds")) == 2  # searched, never sent again


def test_same_key_other_body_is_a_conflict(fake_stripe):
    payment = stripe_payment(fake_stripe, 10000)
    adapter = get_gateway(payment.gateway_account)
    k = key()
    args = {"reference": payment.gateway_reference, "currency": "USD", "idempotency_key": k}
    assert adapter.capture(amount=1000, **args).status == GatewayStatus.SUCCESS
    assert adapter.capture(amount=1000, **args).status == GatewayStatus.SUCCESS  # replayed
    assert fake_stripe.intents[payment.gateway_reference]["amount_received"] == 1000
    with pytest.raises(IdempotencyConflict):
        adapter.capture(amount=2000, **args)


def test_capture_after_expiry_is_refused_by_stripe(fake_stripe):
    payment = stripe_payment(fake_stripe, 10000)
    fake_stripe.intents[payment.gateway_reference]["created"] -= 8 * 24 * 3600
    adapter = get_gateway(payment.gateway_account)
    answer = adapter.capture(
        reference=payment.gateway_reference, amount=1000, currency="USD", idempotency_key=key()
    )
    assert answer.status == GatewayStatus.DECLINED and "status of canceled" in answer.message


def test_zero_and_three_decimal_currencies(fake_stripe):
    yen = stripe_payment(fake_stripe, 1050, currency="JPY")
    assert capture(yen, 1050).ok
    assert posts(fake_stripe, "/capture")[-1][2]["amount_to_capture"] == "1050"
    dinar = stripe_payment(fake_stripe, 10000, currency="KWD")
    sent_before = len(fake_stripe.requests)
    odd = capture(dinar, 1005)
    assert odd.transaction.status == S.FAILED
    assert "last digit must be 0" in odd.transaction.error
    assert len(fake_stripe.requests) == sent_before  # refused before calling Stripe
    assert capture(dinar, 1010).ok


def test_a_refused_or_missing_key_is_a_clear_configuration_error(fake_stripe, monkeypatch):
    payment = stripe_payment(fake_stripe, 10000)
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_wrong")
    refused = capture(payment, 1000)
    assert refused.transaction.status == S.FAILED
    assert "refused the API key" in refused.transaction.error
    monkeypatch.delenv("STRIPE_SECRET_KEY")
    missing = capture(payment, 1000)
    assert "set STRIPE_SECRET_KEY_SUSD in the environment" in missing.transaction.error
    monkeypatch.setenv("STRIPE_SECRET_KEY_SUSD", fake_stripe.secret_key)
    assert capture(payment, 1000).ok


def test_rate_limits_and_server_errors_leave_the_outcome_unknown(fake_stripe):
    fake_stripe.faults += [("/capture", "429"), ("/capture", "500")]
    for _ in range(2):
        payment = stripe_payment(fake_stripe, 10000)
        assert capture(payment, 1000).transaction.status == S.UNKNOWN
    assert all(pi["amount_received"] == 0 for pi in fake_stripe.intents.values())


def test_checkout_intent_is_checked_and_gives_the_card(fake_stripe):
    payment = stripe_payment(fake_stripe, 10000)
    adapter = get_gateway(payment.gateway_account)
    info = adapter.intent_info(payment.gateway_reference)
    assert (info.card_brand, info.card_last4, info.status) == ("visa", "4242", "requires_capture")
    assert adapter.checkout_refusal(payment.gateway_reference) is None
    fake_stripe.intents[payment.gateway_reference]["status"] = "requires_payment_method"
    assert "only an authorized" in adapter.checkout_refusal(payment.gateway_reference)
