"""reconcile_payments / verify_ledger --against-gateway: our ledger against the PSP's records."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.enums import OrderState
from payments.enums import TransactionStatus
from payments.inbox_models import InboundEvent
from payments.models import Payment, SandboxCharge
from payments.services import order_mark_as_paid, payment_capture, payment_refund
from tests.batch_helpers import run, snapshot
from tests.factories import OrderFactory
from tests.payments.inbox_helpers import Kind, at_sandbox, post_events
from tests.payments.money_helpers import authorized_payment, backdate, captured_payment, key

pytestmark = pytest.mark.django_db

CLEAN = "0 with differences, 0 in flight, 0 not compared, 0 lookup error(s)."


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def against(*args: str):
    return run("reconcile_payments", "--against-gateway", *args)


def label(payment: Payment) -> str:
    return f"#{payment.order.number} payment {payment.pk} ({payment.gateway_reference})"


def refund(payment: Payment, amount: int, *, online: bool = True) -> None:
    result = payment_refund(
        payment=payment,
        amount=amount,
        online=online,
        actor=None,
        idempotency_key=key(),
        source="batch",
    )
    assert result.ok, result.message


def test_a_clean_order_agrees_with_the_psp():
    payment = captured_payment(10000)
    refund(payment, 2500)

    result = against("--verbosity", "2")

    assert result.code == 0, result.text
    assert f"{label(payment)}: the PSP reports the same amounts" in result.out
    assert "Ledger against the gateway" in result.out  # the summary table
    assert result.out.strip().endswith(
        f"Compared 1 payment(s) with the gateway: {CLEAN} Nothing was written."
    )
    # Quiet by default: an agreeing payment needs no line.
    assert label(payment) not in against().out


def test_a_psp_side_refund_that_never_reached_us_is_one_difference_until_delivered(
    client, run_tasks
):
    payment = captured_payment(5000)
    out = run("sandbox_event", payment.order.number, "refund", "20.00", "--no-deliver").out
    assert "Webhook not sent (--no-deliver)." in out
    assert not InboundEvent.objects.exists()
    before = snapshot()

    result = against()

    assert result.code == 1
    assert f"{label(payment)}: refunded: ours $0.00, PSP $20.00" in result.err
    assert "1 payment(s) differ from the gateway's records" in result.err
    assert "Compared 1 payment(s) with the gateway: 1 with differences, 0 in flight" in result.out
    assert snapshot() == before  # read only

    # The sandbox now sends the webhook; once processed, ledger and PSP agree.
    op = SandboxCharge.objects.get(reference=payment.gateway_reference).operations.get(
        kind=Kind.REFUND
    )
    with run_tasks():
        assert post_events(client, payment.gateway_account, op).status_code == 200
    assert Payment.objects.get(pk=payment.pk).amount_refunded == 2000

    result = against()
    assert result.code == 0, result.text
    assert f"Compared 1 payment(s) with the gateway: {CLEAN}" in result.out


def test_every_field_that_differs_is_listed():
    payment = authorized_payment(10000)
    at_sandbox(payment, Kind.CAPTURE, 6000)
    at_sandbox(payment, Kind.CHARGEBACK, 1500)

    result = against()

    assert result.code == 1
    assert (
        f"{label(payment)}: captured: ours $0.00, PSP $60.00; charged back: ours $0.00, PSP $15.00"
    ) in result.err


def test_a_pending_capture_is_in_flight_not_a_difference():
    payment = authorized_payment(10000)
    pending = payment_capture(  # the sandbox's magic ending 55: accepted, answer later
        payment=payment,
        amount=5055,
        online=True,
        actor=None,
        idempotency_key=key(),
        source="batch",
    )
    assert pending.transaction.status == TransactionStatus.PENDING

    result = against()

    assert result.code == 0, result.text
    assert (
        f"{label(payment)}: in flight, not a difference: captured: $50.55 awaiting an answer "
        "here, $50.55 pending at the PSP"
    ) in result.out
    assert "0 with differences, 1 in flight" in result.out


def test_a_capture_whose_answer_was_lost_is_in_flight(settings):
    payment = authorized_payment(10000)
    settings.SANDBOX_FORCED_FAULT = "capture:timeout_after"  # applied at the PSP, no answer
    lost = payment_capture(
        payment=payment,
        amount=5000,
        online=True,
        actor=None,
        idempotency_key=key(),
        source="batch",
    )
    settings.SANDBOX_FORCED_FAULT = None
    assert lost.transaction.status == TransactionStatus.UNKNOWN

    result = against()

    assert result.code == 0, result.text
    assert "in flight, not a difference: captured: $50.00 awaiting an answer here" in result.out


def test_manual_payments_and_offline_refunds_have_nothing_to_compare():
    order = OrderFactory(state=OrderState.NEW, subtotal=5000, shipping_amount=0)
    assert order_mark_as_paid(
        order=order,
        amount=5000,
        merchant_reference="",
        memo="",
        actor=None,
        idempotency_key=key(),
        source="batch",
    ).ok
    card = captured_payment(8000)
    refund(card, 3000, online=False)  # Refund Offline: money given back outside the PSP

    result = against("--verbosity", "2")

    assert result.code == 0, result.text
    manual = Payment.objects.get(order=order)
    assert (
        f"#{order.number} payment {manual.pk}: nothing to compare: a manual payment: "
        "no gateway holds it"
    ) in result.out
    assert f"{label(card)}: the PSP reports the same amounts" in result.out
    assert "0 with differences, 0 in flight, 1 not compared" in result.out


def test_a_payment_the_psp_does_not_know_is_a_difference():
    payment = captured_payment(5000)
    Payment.objects.filter(pk=payment.pk).update(gateway_reference="sbx_ch_nowhere")

    result = against()

    assert result.code == 1
    assert "payment" in result.err and "record: the PSP has no record of it" in result.err


def test_since_store_and_limit_narrow_the_comparison():
    old = captured_payment(5000)
    at_sandbox(old, Kind.REFUND, 1000)
    long_ago = timezone.now() - timedelta(days=45)
    Payment.objects.filter(pk=old.pk).update(created_at=long_ago)
    backdate(old.transactions.all(), long_ago)
    captured_payment(5000, order=OrderFactory(store=old.order.store, subtotal=5000))

    assert "Compared 1 payment(s)" in against().out  # the last 30 days
    assert against("--since", "60").code == 1
    assert "Compared 0 payment(s)" in against("--since", "60", "--store", "nowhere").text
    assert "Compared 1 payment(s)" in against("--since", "60", "--limit", "1").out
    assert "--since: must be at least 1" in against("--since", "0").text


def test_verify_ledger_against_the_gateway_reports_the_same():
    payment = captured_payment(5000)
    at_sandbox(payment, Kind.REFUND, 2000)

    result = run("verify_ledger", "--against-gateway")

    assert result.code == 1
    assert f"#{payment.order.number} payment {payment.pk}: refunded: ours $0.00, PSP $20.00" in (
        result.err
    )
    assert "Checked 1 payment(s): 0 with drift." in result.out
    assert "Compared 1 payment(s) with the gateway: 1 with differences" in result.out
    assert "1 payment(s) differ from the gateway's records." in result.err
    # Without the option it only checks the ledger against itself.
    assert run("verify_ledger").code == 0


def queries_for(command: tuple[str, ...]) -> int:
    with CaptureQueriesContext(connection) as queries:
        call_command(*command, stdout=open_null(), stderr=open_null())
    return len(queries)


def open_null():
    import io

    return io.StringIO()


def test_queries_do_not_grow_with_the_number_of_payments():
    for _ in range(2):
        payment = captured_payment(5000)
        refund(payment, 1000)
    few = queries_for(("reconcile_payments", "--against-gateway"))
    few_verify = queries_for(("verify_ledger", "--against-gateway"))
    for _ in range(4):
        payment = captured_payment(5000)
        refund(payment, 1000)
    assert queries_for(("reconcile_payments", "--against-gateway")) == few
    assert queries_for(("verify_ledger", "--against-gateway")) == few_verify


def test_a_gateway_that_cannot_report_its_records_is_not_compared(monkeypatch):
    from payments.gateways import GATEWAYS
    from payments.gateways.base import Gateway
    from payments.gateways.sandbox import SandboxGateway

    class BlindGateway(SandboxGateway):  # a PSP without a way to read its records back
        code = "blind"
        snapshot = Gateway.snapshot
        snapshot_many = Gateway.snapshot_many

    monkeypatch.setitem(GATEWAYS, "blind", BlindGateway)
    payment = captured_payment(5000)
    at_sandbox(payment, Kind.REFUND, 2000)
    Payment.objects.filter(pk=payment.pk).update(gateway="blind")

    result = against()

    assert result.code == 0, result.text  # "cannot compare" is never a difference
    assert "cannot compare: The blind gateway can't report its own records." in result.out
    assert "0 with differences, 0 in flight, 1 not compared" in result.out
