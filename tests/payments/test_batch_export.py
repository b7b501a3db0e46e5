"""export_transactions: a date range per store time zone, CSV or JSON Lines, streamed."""

import csv
import json
from datetime import UTC, datetime

import pytest

from payments.models import Transaction
from tests.batch_helpers import order_with_authorization, run, snapshot
from tests.factories import StoreFactory
from tests.payments.money_helpers import backdate, key

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def authorization_at(moment: datetime, *, store_code: str, currency: str) -> Transaction:
    _order, payment = order_with_authorization(store_code=store_code, currency=currency)
    txn = Transaction.objects.get(payment=payment)
    backdate(Transaction.objects.filter(pk=txn.pk), moment)
    return txn


@pytest.fixture
def november():
    """New York and Tokyo stores, with rows either side of November's edges in local time."""
    StoreFactory(code="us", currency="USD", timezone="America/New_York")
    StoreFactory(code="jp", currency="JPY", timezone="Asia/Tokyo")
    return {
        # 31 Oct 23:00 in New York: October there.
        "us_october": authorization_at(at("2026-11-01T03:00"), store_code="us", currency="USD"),
        "us_november": authorization_at(at("2026-11-30T23:00"), store_code="us", currency="USD"),
        # 1 Nov 01:00 in Tokyo: November there.
        "jp_november": authorization_at(at("2026-10-31T16:00"), store_code="jp", currency="JPY"),
        "jp_december": authorization_at(at("2026-11-30T15:30"), store_code="jp", currency="JPY"),
    }


def test_csv_file_holds_each_stores_november_in_its_own_time_zone(november, tmp_path):
    path = tmp_path / "november.csv"

    result = run(
        "export_transactions", "--from", "2026-11-01", "--to", "2026-11-30", "-o", str(path)
    )

    assert result.code == 0
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert [r["UUID"] for r in rows] == [
        str(november["jp_november"].uuid),
        str(november["us_november"].uuid),
    ]  # oldest first
    assert rows[1]["Amount"] == "122.00" and rows[1]["Currency"] == "USD"
    assert rows[0]["Created at (UTC)"] == "2026-10-31T16:00:00+00:00"
    assert "Exported 2 transaction(s) created from 2026-11-01 to 2026-11-30 (csv)" in result.out
    assert "Pre-authorization" in result.out  # the summary table counts by type
    assert not (tmp_path / "november.csv.part").exists()


def test_jsonl_to_stdout_keeps_the_report_on_stderr(november):
    result = run(
        "export_transactions", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "jsonl"
    )

    records = [json.loads(line) for line in result.out.splitlines()]
    assert [r["uuid"] for r in records] == [
        str(november["jp_november"].uuid),
        str(november["us_november"].uuid),
    ]
    jp = records[0]
    assert (jp["store"], jp["type"], jp["amount"], jp["amount_minor"]) == (
        "jp",
        "PA",
        "12200",
        12200,
    )
    assert jp["created_at"] == "2026-10-31T16:00:00+00:00" and jp["online"] is True
    assert "Exported 2 transaction(s)" in result.err


def test_store_limit_and_dry_run(november, tmp_path):
    path = tmp_path / "out.jsonl"
    before = snapshot()

    dry = run(
        "export_transactions",
        "--from",
        "2026-11-01",
        "--to",
        "2026-12-31",
        "--dry-run",
        "-o",
        str(path),
    )

    assert "Dry run: would export 3 transaction(s)" in dry.out
    assert not path.exists() and snapshot() == before

    run(
        "export_transactions",
        "--from",
        "2026-11-01",
        "--to",
        "2026-12-31",
        "--store",
        "jp",
        "-o",
        str(path),
    )
    assert len(path.read_text().splitlines()) == 2  # jsonl from the extension
    run(
        "export_transactions",
        "--from",
        "2026-11-01",
        "--to",
        "2026-12-31",
        "--limit",
        "1",
        "-o",
        str(path),
    )
    assert json.loads(path.read_text())["uuid"] == str(november["jp_november"].uuid)


def test_bad_dates_are_usage_errors():
    assert run("export_transactions", "--from", "2026-11-31", "--to", "2026-12-01").code == 2
    backwards = run("export_transactions", "--from", "2026-12-01", "--to", "2026-11-01")
    assert backwards.code == 2 and "--to must be on or after --from" in backwards.err


def test_rows_are_streamed_in_chunks_not_queried_one_by_one(
    tmp_path, django_assert_max_num_queries
):
    store = StoreFactory(code="us", currency="USD", timezone="UTC")
    _order, payment = order_with_authorization()
    moment = at("2026-11-10T12:00")
    Transaction.objects.bulk_create(
        Transaction(
            payment=payment,
            order=payment.order,
            store=store,
            type="CP",
            status="success",
            amount=100,
            currency="USD",
            idempotency_key=key(),
        )
        for _ in range(2500)  # more than one chunk
    )
    backdate(Transaction.objects, moment)
    path = tmp_path / "all.csv"

    with django_assert_max_num_queries(6):
        result = run(
            "export_transactions", "--from", "2026-11-10", "--to", "2026-11-10", "-o", str(path)
        )

    assert result.code == 0
    assert len(path.read_text().splitlines()) == 2502  # header + 2501 rows


def test_the_summary_counts_each_transaction_by_its_final_status(tmp_path):
    StoreFactory(code="us", currency="USD", timezone="UTC")
    _order, payment = order_with_authorization()
    moment = at("2026-11-10T12:00")
    for status, amount in (("success", 5000), ("failed", 2500), ("unknown", 1000)):
        Transaction.objects.create(
            payment=payment,
            order=payment.order,
            store=payment.order.store,
            type="CP",
            status=status,
            amount=amount,
            currency="USD",
            idempotency_key=key(),
        )
    backdate(Transaction.objects, moment)
    path = tmp_path / "day.csv"

    result = run(
        "export_transactions", "--from", "2026-11-10", "--to", "2026-11-10", "-o", str(path)
    )

    assert result.code == 0  # exporting a failed capture is no failure of the export
    rows = {
        tuple(line.split()[:2]): line
        for line in result.out.splitlines()
        if line.strip().startswith(("Capture", "Pre-authorization"))
    }
    assert "$50.00" in rows[("Capture", "success")]
    assert "$25.00" in rows[("Capture", "failed")]  # not counted as done
    assert "$10.00" in rows[("Capture", "unknown")]
    assert "$122.00" in rows[("Pre-authorization", "success")]
    assert not any(words[1] == "done" for words in rows)
    assert "Exported 4 transaction(s) created from 2026-11-10 to 2026-11-10 (csv)" in result.out
    assert result.out.strip().endswith("Of these, 1 failed and 1 still open.")
    assert len(path.read_text().splitlines()) == 5  # every one exported

    day = ("--from", "2026-11-10", "--to", "2026-11-10")
    dry = run("export_transactions", *day, "--dry-run")  # the report on stderr
    assert "would fail" not in dry.err and "failed" in dry.err and dry.code == 0
    quiet = run("export_transactions", *day, "-o", str(path), "--verbosity", "0")
    assert (quiet.code, quiet.text) == (0, "")
