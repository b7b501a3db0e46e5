"""The webhook inbox: verify, store before answering, process idempotently and in any order."""

import pytest
from django.core.management import call_command

from backoffice.audit.models import AuditEvent
from backoffice.errors import DomainError
from orders.models import OrderComment
from payments.gateways.sandbox_webhooks import SIGNATURE_HEADER, event_of, webhook_request
from payments.inbox.process import inbox_event_process
from payments.inbox_models import InboundEvent
from payments.models import SandboxCharge, Transaction
from payments.services import payment_refund
from tests.payments.inbox_helpers import Kind, at_sandbox, post_events, webhook_url
from tests.payments.money_helpers import authorized_payment, captured_payment, key, refreshed

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Commit callbacks run (the immediate backend's tasks enqueued on commit)."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def test_a_bad_signature_answers_400_stores_nothing_and_is_audited(client, run_tasks):
    payment = captured_payment(5000)
    account = payment.gateway_account
    op = at_sandbox(payment, Kind.REFUND, 2000)
    _headers, body = webhook_request(account, [event_of(op)])
    forged = {SIGNATURE_HEADER: "t=1,v1=" + "0" * 64}

    with run_tasks():
        response = client.post(
            webhook_url(account), data=body, content_type="application/json", headers=forged
        )

    assert response.status_code == 400
    assert not InboundEvent.objects.exists()
    assert not Transaction.objects.filter(source="webhook").exists()
    audit = AuditEvent.objects.get(type="webhook_rejected")
    assert audit.outcome == "denied" and audit.store_code == account.store.code
    assert "signature" in audit.message


def test_another_stores_secret_does_not_verify(client, settings):
    payment = captured_payment(5000)
    op = at_sandbox(payment, Kind.REFUND, 1000)
    headers, body = webhook_request(payment.gateway_account, [event_of(op)])
    settings.SANDBOX_WEBHOOK_SECRET = "rotated"

    response = client.post(
        webhook_url(payment.gateway_account),
        data=body,
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == 400
    assert not InboundEvent.objects.exists()


def test_a_duplicate_event_answers_200_and_does_nothing(client, run_tasks):
    payment = captured_payment(5000)
    op = at_sandbox(payment, Kind.REFUND, 2000)

    with run_tasks():
        first = post_events(client, payment.gateway_account, op)
    with run_tasks():
        again = post_events(client, payment.gateway_account, op)

    assert first.status_code == again.status_code == 200
    assert again.json() == {"received": [], "duplicates": 1}
    assert InboundEvent.objects.get().status == "processed"
    assert Transaction.objects.filter(source="webhook").count() == 1
    assert refreshed(payment).amount_refunded == 2000


def test_a_psp_side_refund_reaches_the_ledger_and_the_same_money_cant_be_refunded_again(
    run_tasks,
):
    payment = captured_payment(5000)
    order = payment.order

    with run_tasks():
        call_command(
            "sandbox_event", order.number, "refund", "20.00", "--wait", "0", stdout=open_null()
        )

    txn = Transaction.objects.get(source="webhook")
    assert (txn.type, txn.status, txn.amount, txn.is_online) == ("RF", "success", 2000, True)
    payment = refreshed(payment)
    assert payment.refundable == 3000
    comment = OrderComment.objects.filter(order=order, transaction=txn).get()
    assert (
        comment.body
        == f"Refunded $20.00 in the PSP's dashboard, reference {txn.gateway_reference}."
    )
    assert txn.gateway_reference.startswith("sbx_op_")
    # The back office can't refund those $20.00 a second time.
    with pytest.raises(DomainError, match=r"can't be more than \$30.00"):
        payment_refund(
            payment=payment,
            amount=5000,
            online=True,
            actor=None,
            idempotency_key=key(),
            source="batch",
        )
    assert payment_refund(
        payment=payment, amount=3000, online=True, actor=None, idempotency_key=key(), source="batch"
    ).ok
    assert SandboxCharge.objects.get(reference=payment.gateway_reference).amount_refunded == 5000


def test_a_refund_event_before_its_capture_waits_then_applies(client, run_tasks):
    payment = authorized_payment(5000)
    capture = at_sandbox(payment, Kind.CAPTURE, 5000)
    refund = at_sandbox(payment, Kind.REFUND, 1500)

    with run_tasks():
        post_events(client, payment.gateway_account, refund)
    early = InboundEvent.objects.get(reference=refund.reference)
    assert early.status == "retry" and early.attempts == 1
    assert "doesn't fit the ledger yet" in early.last_error
    assert refreshed(payment).amount_refunded == 0

    with run_tasks():
        post_events(client, payment.gateway_account, capture)

    assert set(InboundEvent.objects.values_list("status", flat=True)) == {"processed"}
    payment = refreshed(payment)
    assert (payment.amount_captured, payment.amount_refunded) == (5000, 1500)
    # Applying them again changes nothing: each is in the ledger once.
    for event in InboundEvent.objects.all():
        assert inbox_event_process(event_pk=event.pk) == "processed"
    assert Transaction.objects.filter(source="webhook").count() == 2


def test_a_chargeback_reversal_before_its_chargeback_waits_then_applies(client, run_tasks):
    payment = captured_payment(5000)
    chargeback = at_sandbox(payment, Kind.CHARGEBACK, 5000)
    reversal = at_sandbox(payment, Kind.CHARGEBACK_REVERSAL, 2000)

    with run_tasks():
        post_events(client, payment.gateway_account, reversal, chargeback)

    assert set(InboundEvent.objects.values_list("status", flat=True)) == {"processed"}
    assert refreshed(payment).amount_charged_back == 3000


def test_an_event_about_a_payment_not_known_yet_is_retried_by_a_manager(client, run_tasks):
    from payments.gateways import get_gateway
    from payments.services import payment_record_checkout
    from tests.factories import OrderFactory
    from tests.payments.money_helpers import sandbox_account, staff

    order = OrderFactory(subtotal=4000, shipping_amount=0)
    account = sandbox_account(order.store)
    get_gateway(account).register_checkout_payment(
        reference="psp-checkout-1", amount=4000, currency="USD", captured=False, expires_at=None
    )
    charge = SandboxCharge.objects.get(reference="psp-checkout-1")
    op = get_gateway(account).apply_on_own_side(
        kind=Kind.CAPTURE, reference=charge.reference, amount=4000, currency="USD"
    )
    with run_tasks():
        post_events(client, account, op)
    event = InboundEvent.objects.get()
    assert event.status == "retry"
    assert "No payment with the PSP reference psp-checkout-1 yet" in event.last_error

    payment_record_checkout(
        order=order, amount=4000, reference="psp-checkout-1", idempotency_key=key()
    )
    client.force_login(staff("manager"))
    with run_tasks():
        response = client.post(f"/transactions/inbox/{event.pk}/retry/")

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.status == "processed" and event.transaction.type == "CP"
    assert "Captured $40.00 in the PSP's dashboard" in event.outcome


def test_failures_retry_with_backoff_then_end_as_failed(client, run_tasks, settings):
    settings.INBOX_MAX_ATTEMPTS = 3
    payment = authorized_payment(5000)
    refund = at_sandbox(payment, Kind.CAPTURE, 5000)
    refund = at_sandbox(payment, Kind.REFUND, 1000)  # its capture never arrives
    with run_tasks():
        post_events(client, payment.gateway_account, refund)
    event = InboundEvent.objects.get()
    first_wait = event.next_attempt_at - event.received_at

    assert inbox_event_process(event_pk=event.pk) == "retry"
    event.refresh_from_db()
    assert event.next_attempt_at - event.received_at > first_wait  # 1 min, then 2
    assert inbox_event_process(event_pk=event.pk) == "failed"
    event.refresh_from_db()
    assert event.attempts == 3 and "gave up after 3 attempts" in event.last_error
    assert inbox_event_process(event_pk=event.pk) == "failed"  # left for a person


def test_authorization_expired_at_the_psp_releases_the_rest(run_tasks):
    payment = authorized_payment(5000)
    at_sandbox(payment, Kind.CAPTURE, 2000)

    with run_tasks():
        call_command(
            "sandbox_event",
            payment.order.number,
            "capture",
            "10.00",
            "--wait",
            "0",
            stdout=open_null(),
        )
        call_command(
            "sandbox_event",
            payment.order.number,
            "authorization_expired",
            "--wait",
            "0",
            stdout=open_null(),
        )

    payment = refreshed(payment)
    # The $20.00 captured at the PSP never reached us (no webhook): the expiry released what
    # the PSP says it released, the $20.00 stays unaccounted for reconciliation to find.
    assert (payment.amount_captured, payment.amount_voided, payment.is_expired) == (
        1000,
        2000,
        True,
    )
    expiry = Transaction.objects.get(source="webhook", type="RV")
    assert OrderComment.objects.get(transaction=expiry).body.startswith(
        "Authorization expired at the PSP: $20.00 released, reference sbx_op_"
    )


def test_managers_see_the_inbox_with_filters_payload_and_outcome(client, run_tasks):
    from tests.backoffice.roles_helpers import role_user

    payment = captured_payment(5000)
    op = at_sandbox(payment, Kind.REFUND, 2000)
    with run_tasks():
        post_events(client, payment.gateway_account, op)
    event = InboundEvent.objects.get()
    client.force_login(role_user("manager"))

    listing = client.get("/transactions/inbox/", {"status": "processed", "type": "refund"})
    detail = client.get(f"/transactions/inbox/{event.pk}/")
    none = client.get("/transactions/inbox/", {"status": "failed"})

    assert listing.status_code == 200 and event.event_id in listing.content.decode()
    assert event.event_id not in none.content.decode()
    page = detail.content.decode()
    assert "Refunded $20.00 in the PSP&#x27;s dashboard" in page
    assert f"&quot;operation&quot;: &quot;{event.reference}&quot;" in page  # the payload
    client.force_login(role_user("viewer", username="viewer"))
    assert client.get("/transactions/inbox/").status_code == 403


def open_null():
    import io

    return io.StringIO()


def test_a_page_of_fifty_events_costs_the_queries_of_a_page_of_three(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from payments.inbox_models import InboundEvent
    from tests.backoffice.roles_helpers import role_user
    from tests.factories import GatewayAccountFactory

    account = GatewayAccountFactory()

    def received(n: int) -> None:
        start = InboundEvent.objects.count()
        for i in range(start, start + n):
            InboundEvent.objects.create(
                gateway="sandbox", account=account, event_id=f"evt_{i}", type="refund", payload={}
            )

    client.force_login(role_user("manager"))
    received(3)
    client.get("/transactions/inbox/")
    with CaptureQueriesContext(connection) as three:
        client.get("/transactions/inbox/")
    received(60)

    with CaptureQueriesContext(connection) as fifty:
        page = client.get("/transactions/inbox/")

    assert page.content.decode().count('<td class="mono"><a href="/transactions/inbox/') == 50
    assert len(fifty.captured_queries) == len(three.captured_queries) <= 6
