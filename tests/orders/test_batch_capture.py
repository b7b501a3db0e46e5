"""capture_authorized: one invoice per order, captured online; declines reported, batch goes on."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from orders.batch.capture import CaptureAuthorized
from orders.enums import CommentSource, InvoiceState, OrderState
from orders.models import Invoice, OrderComment
from payments.enums import TransactionStatus, TransactionType
from payments.models import SandboxCharge, SandboxOperation, Transaction
from payments.services import order_mark_as_paid, payment_capture
from tests.batch_helpers import order_with_authorization, run, snapshot
from tests.factories import OrderFactory, OrderItemFactory, StoreFactory
from tests.payments.money_helpers import (
    authorized_payment,
    key,
    refreshed,
    sandbox_account,
    staff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_by_one(monkeypatch):
    """Every order through `CaptureAuthorized.process`, as for the orders the chunk path
    leaves out (an invoice already there, captured money, a spread, an answer awaited)."""
    monkeypatch.setattr(CaptureAuthorized, "process_chunk", lambda self, items: {})


def crash(*args, **kwargs):
    raise KeyboardInterrupt  # the worker dies here


def captures(order) -> list[Transaction]:
    return list(
        Transaction.objects.filter(order=order, type=TransactionType.CAPTURE).order_by("pk")
    )


def gateway_captures(payment) -> int:
    return SandboxOperation.objects.filter(
        charge__reference=payment.gateway_reference, kind="capture", status="success"
    ).count()


def declining_order():
    """Authorized for 111.00, but its total of 110.51 is a sandbox magic amount: declined."""
    store = StoreFactory(code="us", currency="USD")
    order = OrderFactory(store=store, subtotal=10051, shipping_amount=1000)
    OrderItemFactory(order=order, qty_ordered=1, unit_price=10051)
    payment = authorized_payment(11100, order=order, account=sandbox_account(store))
    return order, payment


def test_an_authorized_order_gets_one_invoice_captured_online():
    order, payment = order_with_authorization()

    result = run("capture_authorized")

    assert result.code == 0
    assert f"#{order.number}: Invoice #{order.number}-1: captured $122.00 online." in result.out
    assert result.out.strip().endswith("1 order(s): 1 done, 0 skipped, 0 failed.")
    [invoice] = Invoice.objects.filter(order=order)
    assert (invoice.grand_total, invoice.amount_paid) == (12200, 12200)
    assert invoice.state == InvoiceState.PAID
    assert invoice.idempotency_key == f"capture_authorized:{order.pk}:1"
    [capture] = captures(order)
    assert (capture.status, capture.source, capture.is_online) == ("success", "batch", True)
    assert capture.idempotency_key == f"capture_authorized:{order.pk}:1:{payment.pk}"
    assert SandboxCharge.objects.get(reference=payment.gateway_reference).amount_captured == 12200
    order.refresh_from_db()
    assert order.state == OrderState.COMPLETE
    invoice_comments = OrderComment.objects.filter(order=order, invoice=invoice)
    assert invoice_comments.filter(source=CommentSource.BATCH).exists()


def test_the_x_payments_case_captures_over_both_authorizations():
    # An edited order: 2 × 56.00 + 10.00 shipping, authorizations of 61.00 and 61.00.
    store = StoreFactory(code="us", currency="USD")
    order = OrderFactory(store=store, subtotal=11200, shipping_amount=1000)
    OrderItemFactory(order=order, qty_ordered=2, unit_price=5600)
    account = sandbox_account(store)
    first = authorized_payment(6100, order=order, account=account)
    second = authorized_payment(6100, order=order, account=account)

    assert run("capture_authorized").code == 0

    assert [c.amount for c in captures(order)] == [6100, 6100]
    assert gateway_captures(first) == gateway_captures(second) == 1
    assert Invoice.objects.get(order=order).state == InvoiceState.PAID


def test_a_declined_order_is_reported_and_the_batch_goes_on():
    declined, _ = declining_order()
    _good, good_payment = order_with_authorization()

    result = run("capture_authorized")

    assert result.code == 1
    assert f"#{declined.number}: Invoice #{declined.number}-1: captured $0.00 of $110.51" in (
        result.err
    )
    assert "the gateway declined it" in result.err
    assert "1 order(s) failed" in result.err
    assert "declined" in result.out  # its row in the summary table
    assert result.out.strip().endswith("2 order(s): 1 done, 0 skipped, 1 failed.")
    assert Invoice.objects.get(order=declined).state == InvoiceState.OPEN
    assert [c.status for c in captures(declined)] == [TransactionStatus.FAILED]
    assert gateway_captures(good_payment) == 1
    # Run again: the declined order has its invoice; only Capture on the invoice retries it.
    again = run("capture_authorized")
    assert again.code == 0 and "0 order(s)" in again.out
    assert len(captures(declined)) == 1


def test_older_than_max_amount_store_and_limit_choose_the_orders():
    recent, _ = order_with_authorization()
    old, _ = order_with_authorization(placed_at=timezone.now() - timedelta(hours=30))
    big, _ = order_with_authorization(
        unit_price=50000, placed_at=timezone.now() - timedelta(hours=30)
    )
    euro, _ = order_with_authorization(store_code="eu", currency="EUR")

    assert (
        run("capture_authorized", "--store", "eu")
        .out.strip()
        .endswith("1 order(s): 1 done, 0 skipped, 0 failed.")
    )
    assert Invoice.objects.filter(order=euro).count() == 1

    result = run("capture_authorized", "--older-than", "24", "--max-amount", "500")
    assert f"#{old.number}: Invoice" in result.out
    assert f"#{big.number}" not in result.out and f"#{recent.number}" not in result.out

    assert "1 order(s): 1 done" in run("capture_authorized", "--limit", "1").out
    assert Invoice.objects.filter(order__in=[recent, big]).count() == 1


def test_dry_run_says_what_it_would_do_and_writes_nothing():
    order, _ = order_with_authorization()
    _declining, _ = declining_order()
    before = snapshot()

    result = run("capture_authorized", "--dry-run")

    assert f"#{order.number}: would invoice 2 units for $122.00 and capture it online" in (
        result.out
    )
    assert result.out.strip().endswith("Dry run: 2 order(s): 2 to do, 0 skipped, 0 would fail.")
    assert result.code == 0
    assert snapshot() == before


def test_bad_options_are_usage_errors():
    StoreFactory(code="us", currency="USD")
    assert run("capture_authorized", "--max-amount", "10.505").code == 2
    assert (
        "USD allows at most 2 decimal places"
        in run("capture_authorized", "--max-amount", "1.234").err
    )


def test_a_crash_after_the_invoice_is_finished_by_the_next_run(monkeypatch, one_by_one):
    order, payment = order_with_authorization()

    # The worker dies between the invoice and its capture.
    monkeypatch.setattr("orders.services.invoicing.invoice_capture_and_settle", crash)
    with pytest.raises(KeyboardInterrupt):
        run("capture_authorized")
    monkeypatch.undo()
    assert Invoice.objects.get(order=order).state == InvoiceState.OPEN and not captures(order)

    result = run("capture_authorized")

    assert result.code == 0 and "captured $122.00 online" in result.out
    assert Invoice.objects.filter(order=order).count() == 1
    assert gateway_captures(payment) == 1
    assert (
        run("capture_authorized").out.strip().endswith("0 order(s): 0 done, 0 skipped, 0 failed.")
    )


def test_a_chunk_crashed_before_its_commit_wrote_nothing_and_runs_again_once(monkeypatch):
    order, payment = order_with_authorization()
    before = snapshot()

    monkeypatch.setattr("orders.batch.capture_chunk.open_many", crash)
    with pytest.raises(KeyboardInterrupt):
        run("capture_authorized")
    monkeypatch.undo()
    assert snapshot() == before

    assert "captured $122.00 online" in run("capture_authorized").out
    assert Invoice.objects.filter(order=order).count() == 1 and gateway_captures(payment) == 1


@pytest.mark.parametrize(
    ("where", "captured", "chunked"),
    [
        # Chunk path: invoices and pending captures committed, the gateway not asked yet.
        ("orders.batch.capture_chunk.call_many", False, True),
        # Chunk path: the gateway captured; its answers were never recorded.
        ("orders.batch.capture_chunk.record_many", True, True),
        # One by one: the gateway captured; its answer was never recorded.
        ("payments.services._flow.record_outcome", True, False),
    ],
)
def test_a_run_crashed_after_step_one_never_captures_twice(monkeypatch, where, captured, chunked):
    order, payment = order_with_authorization()

    with monkeypatch.context() as patch:
        if not chunked:
            patch.setattr(CaptureAuthorized, "process_chunk", lambda self, items: {})
        patch.setattr(where, crash)
        with pytest.raises(KeyboardInterrupt):
            run("capture_authorized")
    [pending] = captures(order)
    assert pending.status == TransactionStatus.PENDING

    assert "0 order(s)" in run("capture_authorized").out  # its capture is under way
    assert "resolved 1" in run("reconcile_payments", "--grace-seconds", "0").out

    assert gateway_captures(payment) == int(captured)
    [settled] = captures(order)
    assert settled.status == (TransactionStatus.SUCCESS if captured else TransactionStatus.FAILED)
    [invoice] = Invoice.objects.filter(order=order)
    assert invoice.amount_paid == (12200 if captured else 0)
    assert refreshed(payment).amount_captured == invoice.amount_paid


def test_answers_that_cannot_be_recorded_fail_the_orders_for_reconciliation(monkeypatch):
    order, payment = order_with_authorization()

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("orders.batch.capture_chunk.record_many", broken)
    result = run("capture_authorized")

    assert result.code == 1
    assert "the gateway's answer could not be recorded; reconcile_payments will" in result.err
    assert gateway_captures(payment) == 1
    assert [c.status for c in captures(order)] == [TransactionStatus.PENDING]


def test_no_answer_fails_the_order_but_a_pending_answer_only_waits(settings):
    unanswered, _ = order_with_authorization()
    settings.SANDBOX_FORCED_FAULT = "capture:timeout_after"
    result = run("capture_authorized")
    assert result.code == 1 and "no answer from the gateway" in result.out
    assert f"#{unanswered.number}: Invoice" in result.err
    unanswered.refresh_from_db()
    assert unanswered.state == OrderState.PAYMENT_REVIEW  # reconcile_payments takes it from here

    pending, _ = order_with_authorization()
    settings.SANDBOX_FORCED_FAULT = "capture:pending"
    result = run("capture_authorized")
    assert result.code == 0 and "pending at the gateway" in result.out
    assert result.out.strip().endswith("1 order(s): 0 done, 1 skipped, 0 failed.")
    assert Invoice.objects.get(order=pending).state == InvoiceState.OPEN


def capture_on_details(payment, amount: int) -> Transaction:
    """A capture on Transaction Details: against the pre-authorization, no invoice."""
    result = payment_capture(
        payment=refreshed(payment),
        amount=amount,
        online=True,
        actor=staff(),
        idempotency_key=key(),
        parent=payment.transactions.get(type=TransactionType.AUTHORIZATION),
    )
    assert result.ok, result.message
    return result.transaction


def marked_as_paid_order():
    """122.00 ordered, 22.00 authorized, the other 100.00 paid outside (Mark as paid)."""
    store = StoreFactory(code="us", currency="USD")
    order = OrderFactory(store=store, subtotal=11200, shipping_amount=1000)
    OrderItemFactory(order=order, qty_ordered=2, unit_price=5600)
    payment = authorized_payment(2200, order=order, account=sandbox_account(store))
    order_mark_as_paid(
        order=order,
        amount=10000,
        merchant_reference="wire-1",
        memo="",
        actor=staff(),
        idempotency_key=key(),
    )
    return order, payment


@pytest.mark.parametrize("paid_before", ["transaction_details", "mark_as_paid"])
def test_money_captured_without_an_invoice_pays_it_first_in_the_dry_run_and_the_run(paid_before):
    if paid_before == "transaction_details":
        order, payment = order_with_authorization()
        capture_on_details(payment, 10000)
    else:
        order, payment = marked_as_paid_order()

    dry = run("capture_authorized", "--dry-run")

    assert dry.code == 0, dry.text  # was: "short by $100.00", every run
    assert (
        f"#{order.number}: would invoice 2 units for $122.00, paid first by $100.00 already "
        "captured on the order, and capture the remaining $22.00 online"
    ) in dry.out
    assert "$22.00" in dry.out[dry.out.index("would capture") :]

    result = run("capture_authorized")

    assert result.code == 0, result.text
    assert (
        f"#{order.number}: $100.00 already captured on the order pays invoice "
        f"#{order.number}-1; captured the remaining $22.00 online."
    ) in result.out
    [invoice] = Invoice.objects.filter(order=order)
    assert (invoice.grand_total, invoice.amount_paid, invoice.state) == (
        12200,
        12200,
        InvoiceState.PAID,
    )
    [own] = Transaction.objects.filter(invoice=invoice, type=TransactionType.CAPTURE)
    assert own.amount == 2200
    assert SandboxCharge.objects.get(reference=payment.gateway_reference).amount_captured == (
        12200 if paid_before == "transaction_details" else 2200
    )
    assert "0 order(s)" in run("capture_authorized", "--dry-run").out


def test_an_invoice_paid_in_full_by_earlier_money_captures_nothing():
    # 2 × 40.00 + 10.00 shipping, over-authorized at 122.00; 90.00 captured on Transaction
    # Details: the invoice is paid by it, and the 32.00 still authorized is not touched.
    store = StoreFactory(code="us", currency="USD")
    order = OrderFactory(store=store, subtotal=8000, shipping_amount=1000)
    OrderItemFactory(order=order, qty_ordered=2, unit_price=4000)
    payment = authorized_payment(12200, order=order, account=sandbox_account(store))
    capture_on_details(payment, 9000)

    dry = run("capture_authorized", "--dry-run")
    assert dry.code == 0, dry.text
    assert (
        "would invoice 2 units for $90.00, paid in full by $90.00 already captured on the "
        "order: nothing to capture"
    ) in dry.out
    assert "would be paid by money captured before" in dry.out

    result = run("capture_authorized")

    assert result.code == 0, result.text
    assert f"pays invoice #{order.number}-1; the invoice is paid." in result.out
    assert "paid by money captured before" in result.out
    assert Invoice.objects.get(order=order).state == InvoiceState.PAID
    assert len(captures(order)) == 1  # only the one from Transaction Details
    assert refreshed(payment).amount_captured == 9000


@pytest.mark.parametrize("path", ["chunk", "one by one"])
def test_an_authorization_past_its_expiry_is_skipped_saying_why_even_before_it_is_marked(
    request, path
):
    from tests.batch_helpers import age_authorization

    if path == "one by one":
        request.getfixturevalue("one_by_one")
    lapsed, payment = order_with_authorization()
    age_authorization(payment, authorized_days_ago=8, expires_in_days=-1)
    payment.refresh_from_db()
    assert not payment.is_expired  # expire_authorizations has not run
    fine, _ = order_with_authorization()
    expiry = payment.expires_at.astimezone(ZoneInfo(lapsed.store.timezone or "UTC"))
    why = (
        f"#{lapsed.number}: the authorization expired on {expiry.day} {expiry:%b %Y}: "
        "nothing is open to capture (expire_authorizations releases it)"
    )
    before = snapshot()

    dry = run("capture_authorized", "--dry-run")

    assert why in dry.out
    assert f"#{fine.number}: would invoice" in dry.out
    assert dry.out.strip().endswith("Dry run: 2 order(s): 1 to do, 1 skipped, 0 would fail.")
    assert snapshot() == before

    result = run("capture_authorized")

    assert result.code == 0, result.text
    assert why in result.out
    assert result.out.strip().endswith("2 order(s): 1 done, 1 skipped, 0 failed.")
    assert not Invoice.objects.filter(order=lapsed).exists()
    assert not captures(lapsed)
    assert gateway_captures(payment) == 0
