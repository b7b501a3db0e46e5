"""expire_authorizations: expired authorizations released, orders with nothing captured canceled."""

from io import StringIO

import pytest
from django.core.management import call_command
from guardian.shortcuts import assign_perm

from backoffice.models import Store
from orders.batch.expiry import ExpireAuthorizations
from orders.enums import CommentSource, OrderState
from orders.models import OrderComment
from orders.services.state import order_hold
from payments.enums import PaymentStatus, TransactionStatus, TransactionType
from payments.models import SandboxCharge, SandboxOperation, Transaction
from payments.services import payment_capture, payment_void
from tests.batch_helpers import (
    age_authorization,
    items,
    order_with_authorization,
    run,
    snapshot,
)
from tests.payments.money_helpers import key, refreshed, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_by_one(monkeypatch):
    """Every order through `ExpireAuthorizations.process`, as for the orders the chunk path
    leaves out (online voids, open invoices, answers awaited)."""
    monkeypatch.setattr(ExpireAuthorizations, "process_chunk", lambda self, items: {})


def dropped_by_gateway(payment) -> None:
    """Authorized 8 days ago: past our expiry and past the account's 7-day validity."""
    age_authorization(payment, authorized_days_ago=8, expires_in_days=-1)


def reversals(payment) -> list[Transaction]:
    return list(Transaction.objects.filter(payment=payment, type=TransactionType.REVERSAL))


def history(order) -> list[str]:
    comments = OrderComment.objects.filter(order=order).order_by("pk")
    return list(comments.values_list("body", flat=True))


def test_an_expired_authorization_is_recorded_and_the_empty_order_canceled():
    order, payment = order_with_authorization()
    dropped_by_gateway(payment)

    result = run("expire_authorizations")

    assert result.code == 0
    assert f"#{order.number}: authorization {payment.gateway_reference}" in result.out
    assert "$122.00 recorded as expired; order canceled (2 item units not invoiced)" in result.out
    assert "recorded as expired, order canceled" in result.out  # the summary table's row
    assert result.out.strip().endswith("1 order(s): 1 done, 0 skipped, 0 failed.")
    payment = refreshed(payment)
    assert payment.is_expired
    assert (payment.amount_voided, payment.status) == (12200, PaymentStatus.EXPIRED)
    assert payment.capturable == 0
    order.refresh_from_db()
    assert order.state == OrderState.CANCELED
    assert items(order)[0].qty_canceled == 2
    [reversal] = reversals(payment)
    assert (reversal.is_online, reversal.status, reversal.source) == (False, "success", "batch")
    assert reversal.idempotency_key == f"expire_authorizations:{order.pk}:{payment.pk}:expired"
    # The gateway had dropped it: nothing was asked of it.
    assert not SandboxOperation.objects.filter(kind="void").exists()
    bodies = history(order)
    assert any("expired on" in b and "recorded as expired" in b for b in bodies)
    assert any(b.startswith("Voided amount of $122.00 offline.") for b in bodies)
    assert any("from Processing to Canceled" in b for b in bodies)
    batch = OrderComment.objects.filter(order=order, source=CommentSource.BATCH)
    assert batch.filter(body__contains="expired on").exists()


def test_the_gateway_still_holding_it_releases_the_hold_online():
    order, payment = order_with_authorization()
    # Our expiry date passed an hour ago, but the account's 7 days have not: the PSP holds it.
    age_authorization(
        payment, authorized_days_ago=2, expires_in_days=-1 / 24, gateway_expires_in_days=5
    )

    result = run("expire_authorizations")

    assert result.code == 0
    assert "voided online, order canceled" in result.out
    charge = SandboxCharge.objects.get(reference=payment.gateway_reference)
    assert charge.amount_voided == 12200
    payment = refreshed(payment)
    assert not payment.is_expired
    assert (payment.amount_voided, payment.status) == (12200, PaymentStatus.CANCELED)
    [reversal] = reversals(payment)
    assert (reversal.is_online, reversal.status) == (True, TransactionStatus.SUCCESS)
    order.refresh_from_db()
    assert order.state == OrderState.CANCELED


def test_a_gateway_that_refuses_the_void_gets_it_recorded_as_expired():
    order, payment = order_with_authorization()
    age_authorization(
        payment, authorized_days_ago=2, expires_in_days=-1 / 24, gateway_expires_in_days=-1 / 24
    )

    result = run("expire_authorizations")

    assert result.code == 0
    assert "recorded as expired, order canceled" in result.out
    declined, recorded = sorted(reversals(payment), key=lambda t: t.pk)
    assert (declined.is_online, declined.status) == (True, TransactionStatus.FAILED)
    assert "expired" in declined.error
    assert (recorded.is_online, recorded.status) == (False, TransactionStatus.SUCCESS)
    payment = refreshed(payment)
    assert payment.is_expired and payment.status == PaymentStatus.EXPIRED
    assert any("declined by the gateway" in body for body in history(order))
    order.refresh_from_db()
    assert order.state == OrderState.CANCELED


def test_a_partly_captured_order_keeps_going_with_its_remainder_expired():
    order, payment = order_with_authorization()
    captured = payment_capture(
        payment=payment, amount=5000, online=True, actor=None, idempotency_key=key(), source="batch"
    )
    assert captured.ok
    dropped_by_gateway(payment)

    result = run("expire_authorizations")

    assert result.code == 0
    assert "$72.00 recorded as expired" in result.out
    payment = refreshed(payment)
    assert (payment.amount_captured, payment.amount_voided) == (5000, 7200)
    assert payment.status == PaymentStatus.CAPTURED
    order.refresh_from_db()
    assert order.state == OrderState.PROCESSING
    assert items(order)[0].qty_canceled == 0


def test_held_orders_are_left_alone_and_reported():
    order, payment = order_with_authorization()
    dropped_by_gateway(payment)
    order_hold(order=order, actor=None)

    result = run("expire_authorizations")

    assert result.code == 0
    assert "on hold: Unhold it to let the job release the $122.00 that expired" in result.out
    assert reversals(payment) == []
    assert refreshed(payment).amount_voided == 0


def test_authorizations_still_valid_are_not_touched():
    _order, payment = order_with_authorization()
    age_authorization(payment, authorized_days_ago=6, expires_in_days=1)

    result = run("expire_authorizations")

    assert result.out.strip().endswith("0 order(s): 0 done, 0 skipped, 0 failed.")
    assert reversals(payment) == []


def test_dry_run_says_what_it_would_do_and_writes_nothing():
    _order, payment = order_with_authorization()
    dropped_by_gateway(payment)
    before = snapshot()

    result = run("expire_authorizations", "--dry-run")

    assert result.code == 0
    assert "would record as expired, cancel the order" in result.out
    assert "the order would be canceled (nothing was captured)" in result.out
    assert result.out.strip().endswith("Dry run: 1 order(s): 1 to do, 0 skipped, 0 would fail.")
    assert snapshot() == before


def test_store_and_limit_choose_what_is_expired():
    _us_order, us_payment = order_with_authorization()
    _eu_order, eu_payment = order_with_authorization(store_code="eu", currency="EUR")
    _other_us, other_payment = order_with_authorization()
    for payment in (us_payment, eu_payment, other_payment):
        dropped_by_gateway(payment)

    assert "1 order(s): 1 done" in run("expire_authorizations", "--store", "eu").out
    assert refreshed(eu_payment).is_expired and not refreshed(us_payment).is_expired

    assert "1 order(s): 1 done" in run("expire_authorizations", "--limit", "1").out
    assert refreshed(us_payment).is_expired  # lowest pk first
    assert not refreshed(other_payment).is_expired

    assert "nothing to do" in run("expire_authorizations", "--store", "xx").err


def test_no_answer_from_the_gateway_fails_the_order_and_the_exit_status(settings):
    order, payment = order_with_authorization()
    age_authorization(
        payment, authorized_days_ago=2, expires_in_days=-1 / 24, gateway_expires_in_days=5
    )
    settings.SANDBOX_FORCED_FAULT = "void:timeout_after"

    result = run("expire_authorizations")

    assert result.code == 1
    assert "no answer from the gateway" in result.err
    assert "1 order(s) failed" in result.err
    order.refresh_from_db()
    assert order.state == OrderState.PAYMENT_REVIEW  # reconcile_payments takes it from here


def crash(*args, **kwargs):
    raise KeyboardInterrupt  # the process dies here


def test_a_run_crashed_mid_chunk_wrote_nothing_and_run_again_releases_once(monkeypatch):
    order, payment = order_with_authorization()
    dropped_by_gateway(payment)
    before = snapshot()

    monkeypatch.setattr("orders.batch.expiry_chunk.open_many", crash)
    with pytest.raises(KeyboardInterrupt):
        run("expire_authorizations")
    monkeypatch.undo()
    assert snapshot() == before  # the chunk's one transaction rolled back

    assert run("expire_authorizations").code == 0
    assert (
        run("expire_authorizations")
        .out.strip()
        .endswith("0 order(s): 0 done, 0 skipped, 0 failed.")
    )
    [reversal] = reversals(payment)
    assert reversal.status == TransactionStatus.SUCCESS
    assert sum("is recorded as expired" in body for body in history(order)) == 1
    order.refresh_from_db()
    assert order.state == OrderState.CANCELED


def test_a_crashed_run_run_again_releases_each_authorization_once(monkeypatch, one_by_one):
    order, payment = order_with_authorization()
    dropped_by_gateway(payment)

    monkeypatch.setattr("orders.batch.expiry.payment_void", crash)  # after step 1 committed
    with pytest.raises(KeyboardInterrupt):
        run("expire_authorizations")
    monkeypatch.setattr("orders.batch.expiry.payment_void", payment_void)
    assert refreshed(payment).is_expired and refreshed(payment).amount_voided == 0

    assert run("expire_authorizations").code == 0
    again = run("expire_authorizations")
    assert again.out.strip().endswith("0 order(s): 0 done, 0 skipped, 0 failed.")

    [reversal] = reversals(payment)
    assert reversal.status == TransactionStatus.SUCCESS
    assert sum("is recorded as expired" in body for body in history(order)) == 1
    order.refresh_from_db()
    assert order.state == OrderState.CANCELED
    assert items(order)[0].qty_canceled == 2


def test_warn_hours_lists_what_expires_soon_and_changes_nothing():
    soon_order, soon = order_with_authorization()
    later_order, later = order_with_authorization()
    age_authorization(soon, authorized_days_ago=6.6, expires_in_days=10 / 24)
    age_authorization(later, authorized_days_ago=5, expires_in_days=2)
    before = snapshot()

    result = run("expire_authorizations", "--warn-hours", "24")

    assert result.code == 0
    assert f"#{soon_order.number} (us) authorization {soon.gateway_reference}" in result.out
    assert "$122.00 uncaptured, expires" in result.out and "(in 10 h)" in result.out
    assert f"#{later_order.number}" not in result.out
    assert result.out.strip().endswith(
        "1 open authorization(s) expire within 24 hour(s): $122.00 not captured yet."
    )
    assert snapshot() == before


def test_the_dashboard_lists_the_same_authorizations_as_warn_hours(client):
    soon_order, soon = order_with_authorization()
    later_order, later = order_with_authorization()
    eu_order, eu = order_with_authorization(store_code="eu", currency="EUR")
    age_authorization(soon, authorized_days_ago=6.6, expires_in_days=10 / 24)
    age_authorization(later, authorized_days_ago=5, expires_in_days=2)
    age_authorization(eu, authorized_days_ago=6.6, expires_in_days=5 / 24)
    us_viewer = staff("us_viewer", codenames=[])
    assign_perm("backoffice.view_orders", us_viewer, Store.objects.get(code="us"))
    client.force_login(us_viewer)

    page = client.get("/").content.decode()

    card = page[page.index('data-testid="dashboard-expiring"') :]
    card = card[: card.index("</section>")]
    assert f"#{soon_order.number}" in card and "$122.00" in card
    assert "1 expires within 24 hours" in card
    assert f"#{later_order.number}" not in card  # two days away
    assert f"#{eu_order.number}" not in card  # a store this user can't view


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_progress_bar_and_a_pipe_gets_plain_lines():
    order, payment = order_with_authorization()
    dropped_by_gateway(payment)
    out, err = Terminal(), Terminal()

    call_command("expire_authorizations", "--dry-run", stdout=out, stderr=err)

    # The bar and, printed above it, the item lines on the terminal; the summary on stdout.
    assert "Expire authorizations" in err.getvalue() and "\x1b[" in err.getvalue()
    assert f"#{order.number}: " in err.getvalue()
    assert out.getvalue().strip().endswith("Dry run: 1 order(s): 1 to do, 0 skipped, 0 would fail.")
    piped = run("expire_authorizations", "--dry-run")
    assert "\x1b[" not in piped.text and piped.out.startswith(f"#{order.number}: ")
