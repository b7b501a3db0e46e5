"""The OPPWA adapter through its real httpx client, against a local fake of OPPWA's REST API.

Nothing of ours is mocked: services → money flow → adapter → httpx → HTTP → the fake.
"""

from datetime import timedelta

import pytest

from backoffice.availability import OperationUnavailable
from orders.models import OrderComment
from payments.enums import TransactionStatus, TransactionType
from payments.gateways import GatewayStatus, get_gateway
from payments.models import Payment, ReasonCode, Transaction
from payments.services import payment_capture, payment_rebill, payment_refund, payment_void
from payments.services.reconcile import transaction_reconcile
from tests.payments.oppwa_helpers import key, oppwa_payment, serve_fake_oppwa

pytestmark = pytest.mark.django_db(transaction=True)
S = TransactionStatus


@pytest.fixture
def fake_oppwa(monkeypatch):
    yield from serve_fake_oppwa(monkeypatch)


def capture(payment: Payment, amount: int, **fields):
    return payment_capture(
        payment=payment,
        amount=amount,
        online=True,
        actor=None,
        idempotency_key=key(),
        source="batch",
        **fields,
    )


def refund(payment: Payment, amount: int, **fields):
    code = ReasonCode.objects.get(store=payment.order.store, code="returned")
    return payment_refund(
        payment=payment,
        amount=amount,
        online=True,
        actor=None,
        idempotency_key=key(),
        reason=code,
        source="batch",
        **fields,
    )


def posts(fake, payment_type: str):
    return [r for r in fake.requests if r[0] == "POST" and r[2].get("paymentType") == payment_type]


def at_oppwa(fake, payment_type: str):
    return [t for t in fake.transactions.values() if t["paymentType"] == payment_type]


def comments(payment: Payment) -> list[str]:
    return list(
        OrderComment.objects.filter(order=payment.order)
        .order_by("pk")
        .values_list("body", flat=True)
    )


def test_partial_captures_then_reversal_of_the_rest(fake_oppwa):
    payment = oppwa_payment(fake_oppwa, 10000)
    first = capture(payment, 3000, merchant_reference="INV-2026-0001", usage="Order 1 part 1")
    second = capture(payment, 2500)
    assert first.ok and second.ok, (first.message, second.message)
    sent = posts(fake_oppwa, "CP")
    assert sent[0][1] == f"/v1/payments/{payment.gateway_reference}"
    assert {
        k: sent[0][2][k] for k in ("amount", "currency", "merchantTransactionId", "descriptor")
    } == {
        "amount": "30.00",
        "currency": "EUR",
        "merchantTransactionId": "INV-2026-0001",
        "descriptor": "Order 1 part 1",
    }
    # No Transaction ID from staff: our idempotency key, so the request can be found again.
    assert sent[1][2]["merchantTransactionId"] == second.transaction.idempotency_key
    assert sent[0][2]["entityId"] == fake_oppwa.entity_id
    assert first.transaction.gateway_reference == at_oppwa(fake_oppwa, "CP")[0]["id"]
    void = payment_void(payment=payment, actor=None, idempotency_key=key(), source="batch")
    assert void.ok, void.message
    assert posts(fake_oppwa, "RV")[0][2]["amount"] == "45.00"
    payment.refresh_from_db()
    assert (payment.amount_captured, payment.amount_voided) == (5500, 4500)
    history = comments(payment)
    assert any(
        "Captured amount of €30.00 online." in c
        and 'Transaction ID: "INV-2026-0001"' in c
        and "Gateway result: 000.100.110 Request successfully processed" in c
        for c in history
    ), history


def test_refund_goes_against_the_capture_and_a_sale_is_rebilled_and_refunded(fake_oppwa):
    payment = oppwa_payment(fake_oppwa, 10000)
    captured = capture(payment, 6000)
    assert captured.ok
    assert refund(payment, 2000, parent=captured.transaction).ok
    assert posts(fake_oppwa, "RF")[0][1] == f"/v1/payments/{captured.transaction.gateway_reference}"

    sale = oppwa_payment(fake_oppwa, 5000, currency="USD", sale=True)
    debit = sale.transactions.get(type=TransactionType.DEBIT)
    rebilled = payment_rebill(
        parent=debit, amount=1500, actor=None, idempotency_key=key(), source="batch"
    )
    assert rebilled.ok, rebilled.message
    assert posts(fake_oppwa, "RB")[0][1] == f"/v1/payments/{sale.gateway_reference}"
    assert refund(sale, 5000).ok  # a sale is refunded up to its amount
    assert posts(fake_oppwa, "RF")[-1][1] == f"/v1/payments/{sale.gateway_reference}"
    sale.refresh_from_db()
    assert (sale.amount_captured, sale.amount_refunded) == (6500, 5000)


def test_a_rejected_refund_keeps_oppwas_code_in_the_history(fake_oppwa):
    payment = oppwa_payment(fake_oppwa, 10000)
    assert capture(payment, 10000).ok
    fake_oppwa.faults.append(("RF", "bank_decline"))
    rejected = refund(payment, 4000)
    txn = rejected.transaction
    assert txn.status == S.FAILED
    assert txn.error == (
        "OPPWA rejected by the bank: 800.100.151 transaction declined (invalid card)."
    )
    assert txn.gateway_response["raw"]["result"]["code"] == "800.100.151"
    assert any("800.100.151 transaction declined" in c for c in comments(payment))
    payment.refresh_from_db()
    assert (payment.amount_refunded, payment.pending_refund) == (0, 0)  # released


def test_the_fake_refuses_over_capture_and_a_second_reversal_with_its_codes(fake_oppwa):
    payment = oppwa_payment(fake_oppwa, 10000)
    adapter = get_gateway(payment.gateway_account)
    args = {"reference": payment.gateway_reference, "currency": "EUR"}
    assert (
        adapter.capture(amount=6000, idempotency_key=key(), **args).status == GatewayStatus.SUCCESS
    )
    over = adapter.capture(amount=5000, idempotency_key=key(), **args)
    assert over.status == GatewayStatus.DECLINED and "700.400.100" in over.message
    assert adapter.void(amount=4000, idempotency_key=key(), **args).status == GatewayStatus.SUCCESS
    again = adapter.void(amount=4000, idempotency_key=key(), **args)
    assert again.status == GatewayStatus.DECLINED and "700.400.300 cannot reverse" in again.message
    # Authorizations are the storefront's (at checkout): never sent from here.
    sent = len(fake_oppwa.requests)
    new = adapter.authorize(amount=1000, currency="EUR", idempotency_key=key())
    assert new.status == GatewayStatus.DECLINED and "authorized at checkout" in new.message
    assert len(fake_oppwa.requests) == sent


def test_lost_answer_is_unknown_then_lookup_settles_it_with_exactly_one_capture(fake_oppwa):
    payment = oppwa_payment(fake_oppwa, 10000)
    fake_oppwa.faults.append(("CP", "drop_after"))
    lost = capture(payment, 3000)
    assert lost.transaction.status == S.UNKNOWN
    payment.refresh_from_db()
    assert payment.pending_capture == 3000  # reserved until OPPWA tells

    change = transaction_reconcile(transaction=lost.transaction, grace=timedelta(0))

    assert change is not None and change.after == S.SUCCESS
    assert len(at_oppwa(fake_oppwa, "CP")) == 1 and len(posts(fake_oppwa, "CP")) == 1
    query = [r for r in fake_oppwa.requests if r[0] == "GET"][-1]
    assert query[1] == "/v1/query"
    assert query[2]["merchantTransactionId"] == lost.transaction.idempotency_key
    payment.refresh_from_db()
    assert (payment.amount_captured, payment.pending_capture) == (3000, 0)
    txn = Transaction.objects.get(pk=lost.transaction.pk)
    assert txn.gateway_reference == at_oppwa(fake_oppwa, "CP")[0]["id"]


def test_a_request_that_never_arrived_is_proven_absent_and_released(fake_oppwa):
    payment = oppwa_payment(fake_oppwa, 10000)
    fake_oppwa.faults.append(("CP", "drop_before"))
    lost = capture(payment, 3000)
    assert lost.transaction.status == S.UNKNOWN
    adapter = get_gateway(payment.gateway_account)
    assert adapter.lookup(idempotency_key=lost.transaction.idempotency_key) is None

    change = transaction_reconcile(transaction=lost.transaction, grace=timedelta(0))

    assert change is not None and change.after == S.FAILED
    assert not at_oppwa(fake_oppwa, "CP")
    assert len(posts(fake_oppwa, "CP")) == 1  # sent once, never again
    payment.refresh_from_db()
    assert (payment.amount_captured, payment.pending_capture) == (0, 0)


def test_communication_error_codes_and_server_errors_are_unknown(fake_oppwa):
    fake_oppwa.faults += [("CP", "comm_error"), ("CP", "500")]
    applied = oppwa_payment(fake_oppwa, 10000)
    uncertain = capture(applied, 1000)
    assert uncertain.transaction.status == S.UNKNOWN
    assert "900.100.300" in uncertain.transaction.error
    other = oppwa_payment(fake_oppwa, 10000, currency="USD")
    assert capture(other, 1000).transaction.status == S.UNKNOWN
    change = transaction_reconcile(transaction=uncertain.transaction, grace=timedelta(0))
    assert change is not None and change.after == S.SUCCESS  # OPPWA had applied it


def test_amounts_per_currency_exponent(fake_oppwa):
    yen = oppwa_payment(fake_oppwa, 500, currency="JPY")
    assert capture(yen, 500).ok
    assert posts(fake_oppwa, "CP")[-1][2]["amount"] == "500"
    dinar = oppwa_payment(fake_oppwa, 10000, currency="KWD")
    sent = len(fake_oppwa.requests)
    odd = capture(dinar, 1005)
    assert odd.transaction.status == S.FAILED and "only with two decimals" in odd.transaction.error
    assert len(fake_oppwa.requests) == sent  # refused before calling OPPWA
    assert capture(dinar, 1230).ok
    assert posts(fake_oppwa, "CP")[-1][2]["amount"] == "1.23"


def test_a_short_transaction_id_is_refused_before_calling(fake_oppwa):
    payment = oppwa_payment(fake_oppwa, 10000)
    short = capture(payment, 1000, merchant_reference="A-1")
    assert short.transaction.status == S.FAILED
    assert "8 to 255 characters" in short.transaction.error
    assert not posts(fake_oppwa, "CP")


def test_a_missing_or_refused_token_is_a_clear_configuration_error(fake_oppwa, monkeypatch):
    payment = oppwa_payment(fake_oppwa, 10000)
    monkeypatch.setenv("OPPWA_ACCESS_TOKEN", "wrong")
    refused = capture(payment, 1000)
    assert refused.transaction.status == S.FAILED
    assert "refused the access token" in refused.transaction.error
    assert "800.900.300" in refused.transaction.error
    monkeypatch.delenv("OPPWA_ACCESS_TOKEN")
    missing = capture(payment, 1000)
    assert "set OPPWA_ACCESS_TOKEN_OEUR" in missing.transaction.error
    monkeypatch.setenv("OPPWA_ACCESS_TOKEN_OEUR", fake_oppwa.access_token)
    assert capture(payment, 1000).ok


def test_pending_answers_are_settled_by_lookup_and_review_codes_succeed(fake_oppwa):
    payment = oppwa_payment(fake_oppwa, 10000)
    fake_oppwa.faults += [("CP", "pending"), ("CP", "review")]
    waiting = capture(payment, 3000)
    assert waiting.transaction.status == S.PENDING
    assert "000.200.000" in waiting.transaction.error
    assert transaction_reconcile(transaction=waiting.transaction, grace=timedelta(0)) is None
    fake_oppwa.settle(waiting.transaction.gateway_reference)
    change = transaction_reconcile(transaction=waiting.transaction, grace=timedelta(0))
    assert change is not None and change.after == S.SUCCESS
    reviewed = capture(payment, 2000)
    assert reviewed.ok
    answer = reviewed.transaction.gateway_response
    assert answer["message"].endswith(
        "000.400.010 Transaction succeeded (please review manually "
        "due to AVS return code) (review manually)."
    )
    payment.refresh_from_db()
    assert (payment.amount_captured, payment.pending_capture) == (5000, 0)


def test_an_account_without_multicapture_allows_one_capture(fake_oppwa):
    payment = oppwa_payment(fake_oppwa, 10000, multicapture=False)
    assert capture(payment, 4000).ok
    with pytest.raises(OperationUnavailable, match="does not support multiple captures"):
        capture(payment, 1000)
    assert len(posts(fake_oppwa, "CP")) == 1
