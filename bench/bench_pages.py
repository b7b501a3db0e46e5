"""Server time and query count of the order list and order page at scale.

Usage (PostgreSQL; seeds what is missing, then measures):

    DATABASE_URL=postgres://backoffice:backoffice@127.0.0.1:5432/backoffice_bench \
        .venv/bin/python bench/bench_pages.py --orders 1000000 --runs 30

Server time is measured around Django's full request handling (middleware, view, template)
through the test client, so network and browser time are excluded. Prints the data size and,
per scenario, the median and p95 in milliseconds and the number of SQL queries.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
os.environ.setdefault("DJANGO_DEBUG", "false")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from backoffice.models import Store  # noqa: E402
from orders import history  # noqa: E402
from orders.models import Order, OrderAddress, OrderItem  # noqa: E402
from payments.enums import (  # noqa: E402
    PaymentAction,
    TransactionSource,
    TransactionStatus,
    TransactionType,
)
from payments.models import Payment, Transaction  # noqa: E402
from payments.recompute import order_payments_recompute  # noqa: E402

HEAVY_NUMBER = "HEAVY-0001"


def ensure_orders(target: int, *, realistic: int) -> None:
    """Seed `realistic` orders through seed_demo, then copy them in SQL up to `target`.

    seed_demo's bulk path writes ~1,000 complete orders per second here, so a million would
    take a quarter of an hour; the list pages only read the orders table, so the rest are
    copies of the seeded orders with their own numbers, emails and dates (PostgreSQL only).
    """
    have = Order.objects.count()
    if have < min(target, realistic):
        print(f"seeding {min(target, realistic):,} orders through seed_demo …")
        started = time.perf_counter()
        call_command("seed_demo", orders=min(target, realistic), verbosity=0)
        print(f"seeded in {time.perf_counter() - started:.0f} s")
    copy = 0
    while (have := Order.objects.count()) < target:
        copy += 1
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(COPY_ORDERS_SQL, [f"C{copy:02}-", f"c{copy}.", copy, target - have])
        print(
            f"copied {Order.objects.count() - have:,} orders in "
            f"{time.perf_counter() - started:.0f} s"
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


COPY_ORDERS_SQL = """
INSERT INTO orders_order (
    number, store_id, state, state_before_hold, state_before_review, payment_status,
    currency, customer_email, customer_name, shipping_method, payment_method_title,
    subtotal, shipping_amount, tax_amount, discount_amount, grand_total, placed_at,
    created_at, updated_at, version)
SELECT %s || number, store_id, state, state_before_hold, state_before_review, payment_status,
    currency, %s || customer_email, customer_name, shipping_method, payment_method_title,
    subtotal, shipping_amount, tax_amount, discount_amount, grand_total,
    placed_at - make_interval(days => 30 * %s), created_at, updated_at, version
FROM orders_order WHERE number NOT LIKE 'C%%' AND number <> 'HEAVY-0001'
ORDER BY id LIMIT %s
"""


@transaction.atomic
def ensure_heavy_order() -> Order:
    """An order with 50 items, 200 comments and 100 transactions."""
    existing = Order.objects.filter(number=HEAVY_NUMBER).first()
    if existing:
        return existing
    store = Store.objects.get(code="us")
    items = [(f"HV{i:03}", 1000 + i) for i in range(50)]
    subtotal = sum(price for _, price in items)
    order = Order.objects.create(
        number=HEAVY_NUMBER,
        store=store,
        state="processing",
        currency="USD",
        customer_email="heavy@example.com",
        customer_name="Heavy Buyer",
        subtotal=subtotal,
        grand_total=subtotal,
        placed_at=timezone.now(),
    )
    for kind in ("billing", "shipping"):
        OrderAddress.objects.create(
            order=order, kind=kind, name="Heavy Buyer", street="1 Main St", city="X", country="US"
        )
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            sku=sku,
            name=f"Item {sku}",
            qty_ordered=1,
            unit_price=price,
            row_total=price,
        )
        for sku, price in items
    )
    payment = Payment.objects.create(
        order=order,
        payment_action=PaymentAction.AUTHORIZE,
        currency="USD",
        amount_requested=subtotal,
        gateway_reference="heavy-auth",
    )
    common = {
        "payment": payment,
        "order": order,
        "store": store,
        "currency": "USD",
        "status": TransactionStatus.SUCCESS,
        "source": TransactionSource.IMPORT,
    }
    auth = Transaction.objects.create(
        type=TransactionType.AUTHORIZATION, amount=subtotal, idempotency_key="heavy:PA", **common
    )
    Transaction.objects.bulk_create(
        Transaction(
            type=TransactionType.CAPTURE,
            amount=100,
            parent=auth,
            idempotency_key=f"heavy:CP:{i}",
            **common,
        )
        for i in range(99)
    )
    order_payments_recompute(order=order)
    for i in range(200):
        history.comment_note(order=order, author=None, body=f"Benchmark comment {i}")
    return order


def measure(client: Client, url: str, runs: int) -> tuple[float, float, int]:
    for _ in range(3):
        assert client.get(url).status_code == 200, url
    timings = []
    queries = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
        queries = len(ctx.captured_queries)
    p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) >= 2 else timings[0]
    return statistics.median(timings), p95, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument(
        "--realistic", type=int, default=100_000, help="orders seeded through seed_demo"
    )
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if not Store.objects.exists():
        call_command("seed_demo", verbosity=0)
    ensure_orders(args.orders, realistic=args.realistic)
    heavy = ensure_heavy_order()
    typical = (
        Order.objects.exclude(number=HEAVY_NUMBER)
        .exclude(number__startswith="C")
        .filter(items__isnull=False)
        .order_by("-id")
        .first()
    )
    reference = typical.payments.values_list("gateway_reference", flat=True).first() or "none"
    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    scenarios = [
        ("order list, first page", "/orders/"),
        ("order list, search by email", f"/orders/?q={typical.customer_email}"),
        ("order list, search by name", f"/orders/?q={typical.customer_name.split()[-1]}"),
        ("order list, search by gateway reference", f"/orders/?q={reference}"),
        ("order list, filter store+state", "/orders/?store=eu&state=processing"),
        ("order list, page 20 sorted by total", "/orders/?sort=-grand_total&page=20"),
        ("order page, typical", f"/orders/{typical.number}/"),
        ("order page, heavy (50 items, 200 comments, 100 txns)", f"/orders/{heavy.number}/"),
    ]
    db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(
        f"database: {db}; orders: {Order.objects.count():,}; "
        f"transactions: {Transaction.objects.count():,}; runs per scenario: {args.runs}"
    )
    print(f"{'scenario':<55} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for label, url in scenarios:
        median, p95, queries = measure(client, url, args.runs)
        print(f"{label:<55} {median:>10.1f} {p95:>8.1f} {queries:>8}")


if __name__ == "__main__":
    main()
