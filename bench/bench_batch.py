"""Wall time and peak memory of expire_authorizations and capture_authorized at scale.

Usage (PostgreSQL, the sandbox gateway):

    DATABASE_URL=postgres://backoffice:backoffice@127.0.0.1:5432/backoffice_batch \
        .venv/bin/python bench/bench_batch.py --orders 100000 --workers 2

Each scenario works in a store of its own (`bench-expire`, `bench-capture`), so the bench never
touches other data: it deletes and re-creates that store's orders, creates them in bulk (order,
item, payment, its successful pre-authorization and the sandbox's own charge: what a checkout
import leaves), then runs the real command in `--workers` processes at once, as an operator
would on several machines, and measures:

- wall time from the first worker's start to the last one's end;
- peak RSS of each worker process (`os.wait4`'s `ru_maxrss`), the largest reported;
- afterwards, that every order was processed exactly once (one reversal per authorization, or
  one invoice and one gateway capture per order).

`--only expire|capture` runs one scenario; `--keep` leaves the data in place afterwards.
"""

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
os.environ.setdefault("DJANGO_DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from backoffice.models import Store  # noqa: E402
from orders.enums import OrderState  # noqa: E402
from orders.models import Invoice, Order, OrderItem  # noqa: E402
from payments.enums import (  # noqa: E402
    PaymentAction,
    PaymentStatus,
    TransactionSource,
    TransactionStatus,
    TransactionType,
)
from payments.models import (  # noqa: E402
    GatewayAccount,
    Payment,
    SandboxCharge,
    SandboxOperation,
    Transaction,
)

BATCH = 2000
TARGET_SECONDS = 180
TARGET_MB = 300
# Totals clear of the sandbox's fault-injecting endings (51–56): every capture succeeds.
PRICES = (4200, 5600, 7900, 12000, 2500)
ANALYZED = (
    "orders_order",
    "orders_orderitem",
    "orders_invoice",
    "payments_payment",
    "payments_transaction",
    "payments_sandboxcharge",
)


@dataclass
class Measured:
    scenario: str
    orders: int
    workers: int
    seconds: float
    peak_mb: float
    outputs: list[str]
    codes: list[int]
    check: str  # what the exactly-once check found
    exactly_once: bool


def store_for(code: str) -> tuple[Store, GatewayAccount]:
    store, _ = Store.objects.get_or_create(
        code=code, defaults={"name": f"Bench {code}", "currency": "USD", "timezone": "UTC"}
    )
    account, _ = GatewayAccount.objects.get_or_create(
        store=store, gateway="sandbox", defaults={"name": "Sandbox"}
    )
    return store, account


def wipe(store: Store) -> None:
    """Delete the store's orders and everything hanging off them (protected links first)."""
    tables = [
        ("orders_ordercomment", "order_id IN (SELECT id FROM orders_order WHERE store_id = %s)"),
        ("payments_transaction", "store_id = %s"),
        ("orders_invoiceitem", "invoice_id IN (SELECT i.id FROM orders_invoice i "
         "JOIN orders_order o ON o.id = i.order_id WHERE o.store_id = %s)"),
        ("orders_invoice", "order_id IN (SELECT id FROM orders_order WHERE store_id = %s)"),
        ("payments_sandboxoperation", "charge_id IN (SELECT c.id FROM payments_sandboxcharge c "
         "JOIN payments_payment p ON p.gateway_reference = c.reference JOIN orders_order o "
         "ON o.id = p.order_id WHERE o.store_id = %s)"),
        ("payments_sandboxcharge", "reference IN (SELECT p.gateway_reference FROM "
         "payments_payment p JOIN orders_order o ON o.id = p.order_id WHERE o.store_id = %s)"),
        ("payments_payment", "order_id IN (SELECT id FROM orders_order WHERE store_id = %s)"),
        ("orders_orderitem", "order_id IN (SELECT id FROM orders_order WHERE store_id = %s)"),
        ("orders_orderaddress", "order_id IN (SELECT id FROM orders_order WHERE store_id = %s)"),
        ("orders_order", "store_id = %s"),
    ]  # fmt: skip
    # The ledger and the order history refuse deletes (payments.0008, orders.0013): the bench's
    # own stores are wiped with those triggers off for this transaction only (ALTER TABLE is
    # transactional; the bench's role owns its database's tables, the app's role would not).
    append_only = [
        ("orders_ordercomment", "orders_ordercomment_append_only"),
        ("payments_transaction", "payments_transaction_append_only"),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for table, trigger in append_only:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        for table, where in tables:
            cursor.execute(f"DELETE FROM {table} WHERE {where}", [store.pk])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks when re-enabling
        for table, trigger in append_only:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")


def seed(store: Store, account: GatewayAccount, *, count: int, expired: bool) -> None:
    """`count` authorized orders in bulk: expired a day ago (and at the PSP), or valid 7 days."""
    now = timezone.now()
    authorized_at = now - timedelta(days=8 if expired else 1)
    expires_at = authorized_at + timedelta(days=7)
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        with transaction.atomic():
            orders = Order.objects.bulk_create(
                Order(
                    number=f"{store.code}-{start + i:07d}",
                    store=store,
                    state=OrderState.PROCESSING,
                    payment_status=PaymentStatus.AUTHORIZED,
                    currency="USD",
                    customer_email=f"bench{start + i}@example.com",
                    customer_name="Bench Customer",
                    subtotal=PRICES[(start + i) % len(PRICES)],
                    shipping_amount=1000,
                    grand_total=PRICES[(start + i) % len(PRICES)] + 1000,
                    placed_at=authorized_at,
                )
                for i in range(size)
            )
            OrderItem.objects.bulk_create(
                OrderItem(
                    order=order,
                    sku="BENCH-1",
                    name="Bench product",
                    qty_ordered=1,
                    unit_price=order.subtotal,
                    row_total=order.subtotal,
                )
                for order in orders
            )
            payments = Payment.objects.bulk_create(
                Payment(
                    order=order,
                    gateway="sandbox",
                    gateway_account=account,
                    payment_action=PaymentAction.AUTHORIZE,
                    currency="USD",
                    gateway_reference=f"sbx_ch_{order.number}",
                    amount_requested=order.grand_total,
                    amount_authorized=order.grand_total,
                    authorized_at=authorized_at,
                    expires_at=expires_at,
                    status=PaymentStatus.EXPIRED if expired else PaymentStatus.AUTHORIZED,
                )
                for order in orders
            )
            Transaction.objects.bulk_create(
                Transaction(
                    payment=payment,
                    order=payment.order,
                    store=store,
                    type=TransactionType.AUTHORIZATION,
                    status=TransactionStatus.SUCCESS,
                    amount=payment.amount_authorized,
                    currency="USD",
                    gateway_reference=payment.gateway_reference,
                    idempotency_key=f"bench:{payment.gateway_reference}:PA",
                    source=TransactionSource.IMPORT,
                )
                for payment in payments
            )
            SandboxCharge.objects.bulk_create(
                SandboxCharge(
                    reference=payment.gateway_reference,
                    currency="USD",
                    amount_authorized=payment.amount_authorized,
                    expires_at=expires_at,
                )
                for payment in payments
            )
        print(f"  seeded {start + size:,} / {count:,}", end="\r", flush=True)
    print()
    # Fresh statistics, as autovacuum keeps them on a live database: planned on a bulk load's
    # stale ones, the claim's re-check would probe payments by a bitmap AND for every order.
    with connection.cursor() as cursor:
        for table in ANALYZED:
            cursor.execute(f"ANALYZE {table}")


def run_workers(command: list[str], *, workers: int) -> tuple[float, float, list[str], list[int]]:
    """Start `workers` processes of the command together; wall time, peak RSS (MB), outputs."""
    env = {**os.environ, "DJANGO_DEBUG": "false"}
    argv = [sys.executable, str(ROOT / "manage.py"), *command]
    started = time.monotonic()
    procs = [
        subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(workers)
    ]
    outputs, codes, peak_kb = [], [], 0
    for proc in procs:
        output = proc.stdout.read() if proc.stdout else ""
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        outputs.append(output)
        codes.append(proc.returncode)
        peak_kb = max(peak_kb, usage.ru_maxrss)  # kilobytes on Linux
        print(f"    worker CPU: {usage.ru_utime + usage.ru_stime:.1f}s", flush=True)
    return time.monotonic() - started, peak_kb / 1024, outputs, codes


def chunk_option(chunk: int | None) -> list[str]:
    return ["--chunk-size", str(chunk)] if chunk else []


def bench_expire(count: int, workers: int, chunk: int | None) -> Measured:
    store, account = store_for("bench-expire")
    wipe(store)
    print(f"expire_authorizations: seeding {count:,} expired authorizations…")
    seed(store, account, count=count, expired=True)
    command = ["expire_authorizations", "--store", store.code, *chunk_option(chunk)]
    seconds, peak, outputs, codes = run_workers([*command, "--verbosity", "0"], workers=workers)
    reversals = Transaction.objects.filter(store=store, type=TransactionType.REVERSAL)
    canceled = Order.objects.filter(store=store, state=OrderState.CANCELED).count()
    twice = reversals.values("payment").order_by().annotate(n=Count("pk")).filter(n__gt=1)
    ok = canceled == count and reversals.count() == count and not twice.exists()
    check = f"canceled orders {canceled:,}, reversals {reversals.count():,}"
    return Measured(
        "expire_authorizations", count, workers, seconds, peak, outputs, codes, check, ok
    )


def bench_capture(count: int, workers: int, chunk: int | None) -> Measured:
    store, account = store_for("bench-capture")
    wipe(store)
    print(f"capture_authorized: seeding {count:,} authorized orders…")
    seed(store, account, count=count, expired=False)
    command = ["capture_authorized", "--store", store.code, *chunk_option(chunk)]
    seconds, peak, outputs, codes = run_workers([*command, "--verbosity", "0"], workers=workers)
    invoices = Invoice.objects.filter(order__store=store).count()
    captured = SandboxOperation.objects.filter(
        kind="capture", status="success", charge__reference__startswith="sbx_ch_bench-capture-"
    ).count()
    ok = invoices == captured == count
    check = f"invoices {invoices:,}, gateway captures {captured:,}"
    return Measured("capture_authorized", count, workers, seconds, peak, outputs, codes, check, ok)


def data_size() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        return cursor.fetchone()[0]


def report(results: list[Measured]) -> None:
    print()
    print(f"database: {connection.settings_dict['NAME']} ({data_size()}), cores: {os.cpu_count()}")
    head = f"{'scenario':24} {'orders':>8} {'workers':>7} {'time':>9} {'per order':>10}"
    print(f"{head} {'peak RSS':>9}  target")
    for r in results:
        ok = r.seconds <= TARGET_SECONDS and r.peak_mb <= TARGET_MB
        print(
            f"{r.scenario:24} {r.orders:>8,} {r.workers:>7} {r.seconds:>8.1f}s "
            f"{r.seconds / r.orders * 1000:>8.2f}ms {r.peak_mb:>7.0f}MB  "
            f"{'met' if ok else 'missed'} (< {TARGET_SECONDS} s, < {TARGET_MB} MB)"
        )
        verdict = "each order exactly once" if r.exactly_once else "NOT every order exactly once"
        print(f"    check: {r.check}: {verdict}")
        for index, (code, output) in enumerate(zip(r.codes, r.outputs, strict=True)):
            lines = output.strip().splitlines() or ["(silent: all went well)"]
            print(f"    worker {index + 1}: exit {code}: " + "\n      ".join(lines[-12:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--chunk-size", type=int, help="Passed to the commands (default: theirs, 500)."
    )
    parser.add_argument("--only", choices=["expire", "capture"])
    parser.add_argument("--keep", action="store_true", help="Leave the bench data in place.")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("The batch bench runs on PostgreSQL: set DATABASE_URL.")
    results = []
    if args.only in (None, "expire"):
        results.append(bench_expire(args.orders, args.workers, args.chunk_size))
    if args.only in (None, "capture"):
        results.append(bench_capture(args.orders, args.workers, args.chunk_size))
    report(results)
    if not all(r.exactly_once for r in results):
        sys.exit("Some orders were not processed exactly once: the data is kept for a look.")
    if not args.keep:
        for code in ("bench-expire", "bench-capture"):
            store = Store.objects.filter(code=code).first()
            if store is not None:
                wipe(store)


if __name__ == "__main__":
    main()
