"""reconcile_payments on the shared runner: dry run, summary table, plain progress lines."""

import pytest

from payments.enums import TransactionStatus
from payments.models import Transaction
from payments.services import payment_capture
from tests.batch_helpers import order_with_authorization, run, snapshot
from tests.payments.money_helpers import key

pytestmark = pytest.mark.django_db


def unknown_capture(settings, amount: int = 5000) -> Transaction:
    _order, payment = order_with_authorization()
    settings.SANDBOX_FORCED_FAULT = "capture:timeout_after"
    result = payment_capture(
        payment=payment,
        amount=amount,
        online=True,
        actor=None,
        idempotency_key=key(),
        source="batch",
    )
    settings.SANDBOX_FORCED_FAULT = None
    assert result.transaction.status == TransactionStatus.UNKNOWN
    return result.transaction


def test_dry_run_asks_the_gateway_and_writes_nothing(settings):
    txn = unknown_capture(settings)
    before = snapshot()

    result = run("reconcile_payments", "--dry-run")

    assert f"{txn.uuid} $50.00: unknown → success. Would mark it success" in result.out
    assert "would resolve as success" in result.out and "to do" in result.out  # the table
    assert snapshot() == before


def test_the_summary_counts_what_was_resolved_with_its_amount(settings):
    unknown_capture(settings, 5000)
    unknown_capture(settings, 2500)

    result = run("reconcile_payments")

    assert result.code == 0
    table = result.out[result.out.index("Reconcile payments") :]
    assert "resolved as success" in table and "$75.00" in table
    assert result.out.strip().endswith(
        "checked 2 open transaction(s), resolved 2 (2 as success), 0 lookup error(s)."
    )


def test_without_a_terminal_long_runs_print_plain_progress_lines(settings, monkeypatch):
    unknown_capture(settings)
    monkeypatch.setattr("backoffice.batch.console.PLAIN_PROGRESS_EVERY", 0)

    result = run("reconcile_payments")

    assert "Reconcile payments: 1 of 1 (100%)" in result.err
    assert "\x1b[" not in result.text


def summary_row(out: str, outcome: str) -> str:
    table = out[out.index("Reconcile payments") :]
    return next(line for line in table.splitlines() if line.strip().startswith(outcome))


def test_a_capture_learned_to_have_failed_has_its_own_row_and_the_run_still_succeeds(settings):
    unknown_capture(settings, 5000)  # applied by the gateway: resolves as success
    _order, payment = order_with_authorization()
    settings.SANDBOX_FORCED_FAULT = "capture:timeout_before"  # never applied: no record
    lost = payment_capture(
        payment=payment,
        amount=2500,
        online=True,
        actor=None,
        idempotency_key=key(),
        source="batch",
    ).transaction
    settings.SANDBOX_FORCED_FAULT = None
    assert lost.status == TransactionStatus.UNKNOWN

    # After the in-flight grace: the lost capture can no longer land.
    dry = run("reconcile_payments", "--dry-run", "--grace-seconds", "0")
    assert "would resolve as success" in dry.out and "would resolve as failed" in dry.out
    result = run("reconcile_payments", "--grace-seconds", "0")

    assert result.code == 0  # learning that a capture failed is the job done
    success = summary_row(result.out, "resolved as success")
    failed = summary_row(result.out, "resolved as failed")
    assert "done" in success and "$50.00" in success and "$25.00" not in success
    assert "done" in failed and "$25.00" in failed
    assert result.out.strip().endswith(
        "checked 2 open transaction(s), resolved 2 (1 as success, 1 as failed), 0 lookup error(s)."
    )
    lost.refresh_from_db()
    assert lost.status == TransactionStatus.FAILED
