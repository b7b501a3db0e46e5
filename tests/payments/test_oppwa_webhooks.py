"""OPPWA's encrypted notifications through the inbox, and OPPWA's records for
`reconcile_payments --against-gateway`.

Through the real stack: the fake OPPWA does something on its side (a refund or capture in the
Business Intelligence Platform, a chargeback from the acquirer), its AES-256-GCM encrypted
notification is POSTed to `/webhooks/oppwa/<store>/` by the test client, the inbox decrypts,
stores and applies it, and the back office's own money goes through httpx to the fake.
"""

import pytest

from backoffice.audit.models import AuditEvent
from orders.models import OrderComment
from payments.inbox_models import InboundEvent
from payments.models import Payment, Transaction
from payments.services import payment_capture
from tests.batch_helpers import run
from tests.oppwa_fake.notifications import encrypted, payment_notification, test_notification
from tests.payments.inbox_helpers import webhook_url
from tests.payments.money_helpers import refreshed
from tests.payments.oppwa_helpers import key, oppwa_payment, serve_fake_oppwa

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fake_oppwa(monkeypatch):
    yield from serve_fake_oppwa(monkeypatch)


def post(client, payment: Payment, fake, notification, *, secret=None, headers=None):
    sealed, body = encrypted(fake, notification, secret=secret)
    return client.post(
        webhook_url(payment.gateway_account),
        data=body,
        content_type="text/plain",
        headers=headers or sealed,
    )


def notify(client, payment: Payment, fake, txn) -> None:
    response = post(client, payment, fake, payment_notification(fake, txn))
    assert response.status_code == 200, response.content


def captured(fake, amount: int = 5000) -> tuple[Payment, Transaction]:
    payment = oppwa_payment(fake, amount)
    result = payment_capture(
        payment=payment,
        amount=amount,
        online=True,
        actor=None,
        idempotency_key=key(),
        source="batch",
    )
    assert result.ok, result.message
    return refreshed(payment), result.transaction


def webhook_rows(payment: Payment):
    return Transaction.objects.filter(payment=payment, source="webhook").order_by("pk")


def body_of(txn: Transaction) -> str:
    return OrderComment.objects.get(order=txn.order, transaction=txn).body


def against():
    return run("reconcile_payments", "--against-gateway")


def test_a_refund_made_in_the_bip_becomes_a_ledger_row_with_its_history(client, fake_oppwa):
    payment, cp = captured(fake_oppwa)
    refund = fake_oppwa.bip("RF", cp.gateway_reference, 2000)

    response = post(client, payment, fake_oppwa, payment_notification(fake_oppwa, refund))

    assert response.json() == {"received": [refund["id"]], "duplicates": 0}
    [txn] = webhook_rows(payment)
    assert (txn.type, txn.status, txn.amount, txn.is_online) == ("RF", "success", 2000, True)
    assert txn.gateway_reference == refund["id"]
    assert body_of(txn) == (
        f"Refunded €20.00 in OPPWA's Business Intelligence Platform, reference {refund['id']}."
    )
    assert refreshed(payment).refundable == 3000
    again = post(client, payment, fake_oppwa, payment_notification(fake_oppwa, refund))
    assert again.json() == {"received": [], "duplicates": 1}
    assert against().code == 0


def test_a_tampered_tag_or_another_key_answers_400_stores_nothing_and_is_audited(
    client, fake_oppwa
):
    payment, cp = captured(fake_oppwa)
    notification = payment_notification(fake_oppwa, fake_oppwa.bip("RF", cp.gateway_reference, 100))
    headers, _body = encrypted(fake_oppwa, notification)
    tag = headers["X-Authentication-Tag"]
    tampered = {**headers, "X-Authentication-Tag": ("0" if tag[0] != "0" else "1") + tag[1:]}

    bad_tag = post(client, payment, fake_oppwa, notification, headers=tampered)
    other_key = post(client, payment, fake_oppwa, notification, secret="b4" * 32)

    assert bad_tag.status_code == other_key.status_code == 400
    assert "authentication tag mismatch" in bad_tag.json()["error"]
    assert not InboundEvent.objects.exists() and not webhook_rows(payment).exists()
    audits = AuditEvent.objects.filter(type="webhook_rejected")
    assert audits.count() == 2 and {a.outcome for a in audits} == {"denied"}


def test_a_test_notification_is_acknowledged_and_ignored(client, fake_oppwa):
    payment, _cp = captured(fake_oppwa)
    response = post(client, payment, fake_oppwa, test_notification())
    assert response.status_code == 200
    assert response.json() == {"received": [], "duplicates": 0}
    assert not InboundEvent.objects.exists()


def test_a_chargeback_and_its_reversal_with_oppwas_reason(client, fake_oppwa):
    payment, cp = captured(fake_oppwa)
    chargeback = fake_oppwa.bip("CB", cp.gateway_reference, 5000)

    notify(client, payment, fake_oppwa, chargeback)

    [cb] = webhook_rows(payment)
    assert (cb.type, cb.amount, cb.gateway_reference) == ("CB", 5000, chargeback["id"])
    assert body_of(cb) == (
        f"Chargeback of €50.00 reported by OPPWA, reference {chargeback['id']}. "
        "OPPWA's reason: 000.100.206 Fraudulent transaction (chargeback)."
    )
    assert refreshed(payment).amount_charged_back == 5000
    assert against().code == 0

    reversal = fake_oppwa.bip("CR", chargeback["id"], 5000)
    notify(client, payment, fake_oppwa, reversal)

    assert [t.type for t in webhook_rows(payment)] == ["CB", "CR"]
    assert refreshed(payment).amount_charged_back == 0
    assert against().code == 0


def test_a_bip_capture_then_a_refund_of_it_and_our_own_echo_changes_nothing(client, fake_oppwa):
    payment = oppwa_payment(fake_oppwa, 8000)
    bip_capture = fake_oppwa.bip("CP", payment.gateway_reference, 3000)
    bip_refund = fake_oppwa.bip("RF", bip_capture["id"], 1000)

    notify(client, payment, fake_oppwa, bip_capture)
    notify(client, payment, fake_oppwa, bip_refund)

    assert [(t.type, t.amount) for t in webhook_rows(payment)] == [("CP", 3000), ("RF", 1000)]
    ours = payment_capture(
        payment=refreshed(payment),
        amount=2000,
        online=True,
        actor=None,
        idempotency_key=key(),
        source="batch",
    )
    assert ours.ok
    echo = fake_oppwa.transactions[ours.transaction.gateway_reference]
    response = post(client, payment, fake_oppwa, payment_notification(fake_oppwa, echo))
    assert response.json() == {"received": [], "duplicates": 0}
    payment = refreshed(payment)
    assert (payment.amount_captured, payment.amount_refunded) == (5000, 1000)
    assert webhook_rows(payment).count() == 2
    assert against().code == 0


def test_a_bip_refund_notified_before_its_capture_waits_then_applies(client, fake_oppwa):
    payment = oppwa_payment(fake_oppwa, 8000)
    bip_capture = fake_oppwa.bip("CP", payment.gateway_reference, 8000)
    bip_refund = fake_oppwa.bip("RF", bip_capture["id"], 2500)

    notify(client, payment, fake_oppwa, bip_refund)

    early = InboundEvent.objects.get()
    assert early.payment_reference == payment.gateway_reference  # asked of OPPWA
    assert early.status == "retry"

    notify(client, payment, fake_oppwa, bip_capture)

    assert set(InboundEvent.objects.values_list("status", flat=True)) == {"processed"}
    payment = refreshed(payment)
    assert (payment.amount_captured, payment.amount_refunded) == (8000, 2500)
    assert against().code == 0


def test_against_gateway_finds_the_bip_refund_whose_notification_never_came(client, fake_oppwa):
    payment, cp = captured(fake_oppwa)
    assert against().code == 0
    refund = fake_oppwa.bip("RF", cp.gateway_reference, 2000)

    missed = against()

    assert missed.code == 1, missed.text
    assert "refunded: ours €0.00, PSP €20.00" in missed.text
    linked = [r for r in fake_oppwa.requests if r[1] == f"/v1/query/{payment.gateway_reference}"]
    assert linked and linked[-1][2]["includeLinkedTransactions"] == "true"

    notify(client, payment, fake_oppwa, refund)
    assert against().code == 0
