"""Server time and query count of the order list, the order page and the other list pages at
scale, the same way as django-oscar's anchor harness (`../shared/anchors/oscar/bench.py`).

Usage (PostgreSQL; seeds what is missing, then measures):

    DATABASE_URL=postgres://backoffice:backoffice@127.0.0.1:5432/backoffice_bench \
        .venv/bin/python bench/bench_pages.py --orders 1000000 -n 25 --json /tmp/ours-1.json

Server time is Django's full request handling (middleware, view, template) through the test
client in-process, DEBUG off: `--warmup` untimed rounds, then `-n` timed rounds, scenarios
interleaved round by round so machine noise hits them alike; a separate pass counts the
queries. The JSON has the harness's shape and scenario keys (`list`, `search_number_prefix`,
`search_number_exact`, `search_name`, `filter_status`, `detail_typical`, `detail_heavy`,
`post_note`, `post_status`) plus ours (`search_email`, `search_reference`, `filter_capture`,
`transactions`, `audit`, `inbox`, ...), so `compare.py` puts both side by side. `--per-page 20`
measures the lists at Oscar's page size.
"""

import argparse
import contextlib
import json
import math
import os
import platform
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
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
from django.db.models import Exists, OuterRef  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from backoffice.models import Store  # noqa: E402
from backoffice.signin import session as signin_session  # noqa: E402
from orders import history  # noqa: E402
from orders.enums import OrderState  # noqa: E402
from orders.models import Order, OrderAddress, OrderComment, OrderItem  # noqa: E402
from orders.services.state import order_unhold  # noqa: E402
from payments.enums import (  # noqa: E402
    PaymentAction,
    TransactionSource,
    TransactionStatus,
    TransactionType,
)
from payments.models import Payment, Transaction  # noqa: E402
from payments.recompute import order_payments_recompute  # noqa: E402

# HEAVY-0001, or the next number when an older one is no longer as built.
HEAVY_PREFIX = "HEAVY-"
HEAVY_TRANSACTIONS = 100


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
FROM orders_order WHERE number NOT LIKE 'C%%' AND number NOT LIKE 'HEAVY-%%'
ORDER BY id LIMIT %s
"""


def ensure_transactions(target: int) -> None:
    """Copies of the seeded ledger rows up to `target` rows, for the transaction list at scale.
    The copies are failed rows (they move no money, so every payment's cached amounts still
    agree with its ledger), spread back in time like the order copies (PostgreSQL only)."""
    copy = 0
    while (have := Transaction.objects.count()) < target:
        copy += 1
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                COPY_TRANSACTIONS_SQL, [f"bench-{copy}:", copy, f"{HEAVY_PREFIX}%", target - have]
            )
        print(
            f"copied {Transaction.objects.count() - have:,} transactions in "
            f"{time.perf_counter() - started:.0f} s"
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE payments_transaction")


COPY_TRANSACTIONS_SQL = """
INSERT INTO payments_transaction (
    uuid, payment_id, order_id, store_id, type, status, amount, currency, is_online,
    gateway_reference, merchant_reference, usage, memo, idempotency_key, actor_label, source,
    gateway_request, gateway_response, error, created_at, updated_at)
SELECT gen_random_uuid(), payment_id, order_id, store_id, type, 'failed', amount, currency,
    is_online, gateway_reference, '', usage, memo, %s || idempotency_key, actor_label, source,
    gateway_request, gateway_response, 'benchmark copy',
    created_at - make_interval(days => 30 * %s), updated_at
FROM payments_transaction WHERE idempotency_key NOT LIKE 'bench-%%'
    AND order_id NOT IN (SELECT id FROM orders_order WHERE number LIKE %s) ORDER BY id LIMIT %s
"""


@transaction.atomic
def ensure_heavy_order() -> Order:
    """An order with 50 items, 200 comments and `HEAVY_TRANSACTIONS` transactions."""
    heavies = Order.objects.filter(number__startswith=HEAVY_PREFIX).order_by("number")
    for existing in heavies:
        # The ledger is append-only: an order that got copies of rows (benches before they
        # were kept off it) can't be mended, so the next number is built instead.
        if existing.transactions.count() == HEAVY_TRANSACTIONS:
            return existing
    number = f"{HEAVY_PREFIX}{heavies.count() + 1:04}"
    store = Store.objects.get(code="us")
    items = [(f"HV{i:03}", 1000 + i) for i in range(50)]
    subtotal = sum(price for _, price in items)
    order = Order.objects.create(
        number=number,
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
        type=TransactionType.AUTHORIZATION,
        amount=subtotal,
        idempotency_key=f"{number}:PA",
        **common,
    )
    Transaction.objects.bulk_create(
        Transaction(
            type=TransactionType.CAPTURE,
            amount=100,
            parent=auth,
            idempotency_key=f"{number}:CP:{i}",
            **common,
        )
        for i in range(HEAVY_TRANSACTIONS - 1)
    )
    order_payments_recompute(order=order)
    for i in range(200):
        history.comment_note(order=order, author=None, body=f"Benchmark comment {i}")
    return order


@dataclass
class Scenario:
    key: str
    label: str
    url: str
    data: dict[str, str] | None = None  # a POST's form (None: GET)
    expect: tuple[int, ...] = (200,)
    after: Callable[[], None] | None = None  # undoes a POST's effect, untimed

    @property
    def method(self) -> str:
        return "post" if self.data is not None else "get"


def signed_in_client() -> Client:
    """A superuser signed in with both factors, as the sign-in pages would leave the session."""
    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True, "key": uuid.uuid4().hex * 2}
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    for key in (signin_session.SIGNED_IN_AT, signin_session.LAST_SEEN, signin_session.FACTOR_AT):
        session[key] = signin_session.now()
    session.save()
    return client


def pick_orders() -> dict[str, Order]:
    """Deterministic samples: a typical order (newest seeded order with items), a scratch
    order that receives the comment POSTs, one that is held and released, and the heavy one."""
    seeded = Order.objects.exclude(number__startswith=HEAVY_PREFIX).exclude(number__startswith="C")
    with_items = OrderItem.objects.filter(order=OuterRef("pk"))
    processing = seeded.filter(Exists(with_items), state=OrderState.PROCESSING).order_by("-id")
    typical, scratch, holdable = processing[:3]
    return {
        "typical": typical,
        "scratch": scratch,
        "holdable": holdable,
        "heavy": ensure_heavy_order(),
    }


def _optional_url(name: str, *args: str) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # a page this checkout does not have yet
        return None


def scenarios(orders: dict[str, Order], per_page: int | None) -> list[Scenario]:
    typical, heavy, scratch, holdable = (
        orders[k] for k in ("typical", "heavy", "scratch", "holdable")
    )
    size = {"per_page": str(per_page)} if per_page else {}
    listing = "/orders/?" + "&".join(f"{k}={v}" for k, v in size.items())
    reference = typical.payments.values_list("gateway_reference", flat=True).first() or "none"
    user = get_user_model().objects.get(username="bench")

    def unhold() -> None:
        order = Order.objects.get(pk=holdable.pk)
        assert order.state == OrderState.HOLDED, "Hold did not hold"
        order_unhold(order=order, actor=user)

    def hold_form() -> dict[str, str]:
        return {
            "version": str(Order.objects.get(pk=holdable.pk).version),
            "idempotency_key": uuid.uuid4().hex,
        }

    found = [
        Scenario("list", "order list, page 1, default sort", listing),
        Scenario(
            "search_number_prefix",
            f"list, number starts with {typical.number[:-1]}",
            f"{listing}&q={typical.number[:-1]}",
        ),
        Scenario(
            "search_number_exact",
            "list, exact number (one match)",
            f"{listing}&q={typical.number}",
            expect=(200, 302),
        ),
        Scenario(
            "search_name", "list, customer name", f"{listing}&q={typical.customer_name.split()[-1]}"
        ),
        Scenario("search_email", "list, customer e-mail", f"{listing}&q={typical.customer_email}"),
        Scenario("search_reference", "list, gateway reference", f"{listing}&q={reference}"),
        Scenario("filter_status", "list, state processing", f"{listing}&state=processing"),
        # Ours only (Oscar has no such filter): the filter that reads payments, not orders.
        Scenario("filter_capture", "list, open to capture", f"{listing}&capture=open"),
        Scenario("detail_typical", "order page, typical", typical.get_absolute_url()),
        Scenario(
            "detail_heavy",
            "order page, heavy (50 items, 200 comments, 100 txns)",
            heavy.get_absolute_url(),
        ),
        Scenario(
            "post_note",
            "POST a comment (302)",
            reverse("orders:comment_add", args=[scratch.number]),
            {"body": "bench note"},
            (302,),
        ),
        Scenario(
            "post_status",
            "POST Hold (302), Unhold untimed",
            reverse("orders:hold", args=[holdable.number]),
            {},
            (302,),
            unhold,
        ),
        Scenario(
            "transactions",
            "transaction list, page 1",
            "/transactions/?" + "&".join(f"{k}={v}" for k, v in size.items()),
        ),
    ]
    _FORMS["post_status"] = hold_form
    for key, label, url in (
        ("audit", "audit stream, page 1", _optional_url("audit:list")),
        ("inbox", "webhook inbox, page 1", _optional_url("payments:inbox")),
        ("edit_page", "order edit page, typical", _optional_url("orders:edit", typical.number)),
        ("reports", "money reports, default range", _optional_url("reports:money")),
    ):
        if url is not None:
            found.append(Scenario(key, label, url))
    return found


# POST forms built per request (the order's version moves with every Hold).
_FORMS: dict[str, Callable[[], dict[str, str]]] = {}


class SqlTimer:
    """execute_wrapper summing the time spent in cursor.execute."""

    def __init__(self) -> None:
        self.ms = 0.0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.ms += (time.perf_counter() - started) * 1000


def request(client: Client, sc: Scenario, *, capture: bool = False):  # type: ignore[no-untyped-def]
    """One request: (wall ms, CPU ms, bytes, (queries, SQL ms) or None)."""
    data = _FORMS[sc.key]() if sc.key in _FORMS else sc.data
    queries, timer = CaptureQueriesContext(connection), SqlTimer()
    with contextlib.ExitStack() as stack:
        if capture:
            stack.enter_context(queries)
            stack.enter_context(connection.execute_wrapper(timer))
        started, cpu = time.perf_counter(), time.process_time()
        response = client.post(sc.url, data) if sc.method == "post" else client.get(sc.url)
        wall, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
    assert response.status_code in sc.expect, (sc.key, response.status_code)
    counted = (len(queries.captured_queries), timer.ms) if capture else None
    if response.status_code == 302:  # a browser follows (untimed; it takes the flash message)
        client.get(response["Location"])
    if sc.after:
        sc.after()
    return wall, cpu, len(response.content), counted


def calibrate() -> float:
    """The harness's machine-speed probe: median ms of a fixed pure-Python loop."""

    def once() -> float:
        started = time.perf_counter()
        sum(i * i for i in range(300_000))
        return (time.perf_counter() - started) * 1000

    return round(statistics.median(once() for _ in range(15)), 2)


def pct(values: list[float], p: float) -> float:  # nearest-rank percentile
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def run(client: Client, scs: list[Scenario], *, n: int, warmup: int):  # type: ignore[no-untyped-def]
    times: dict[str, list[float]] = {sc.key: [] for sc in scs}
    cpus: dict[str, list[float]] = {sc.key: [] for sc in scs}
    sizes: dict[str, int] = {}
    for round_ in range(warmup + n):
        for sc in scs:
            wall, cpu, sizes[sc.key], _ = request(client, sc)
            if round_ >= warmup:
                times[sc.key].append(wall)
                cpus[sc.key].append(cpu)
    counts = {}
    for sc in scs:  # a separate pass: query counts (not timed)
        passes = [request(client, sc, capture=True)[3] for _ in range(3)]
        counts[sc.key] = ([c for c, _ in passes], statistics.median(ms for _, ms in passes))
    return times, cpus, sizes, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument(
        "--realistic", type=int, default=100_000, help="orders seeded through seed_demo"
    )
    parser.add_argument("--transactions", type=int, default=0, help="ledger rows (copies)")
    parser.add_argument("-n", type=int, default=25, help="timed requests per scenario")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--per-page", type=int, help="rows per list page (default: the app's)")
    parser.add_argument("--json", help="write the results (with raw timings) here")
    parser.add_argument("--only", help="comma-separated scenario keys (default: all)")
    args = parser.parse_args()
    assert not settings.DEBUG, "timings must run with DEBUG off"

    call_command("migrate", verbosity=0)
    if not Store.objects.exists():
        call_command("seed_demo", verbosity=0)
    ensure_orders(args.orders, realistic=args.realistic)
    ensure_heavy_order()
    ensure_transactions(args.transactions)
    orders = pick_orders()
    client = signed_in_client()
    scs = scenarios(orders, args.per_page)
    if args.only:
        scs = [sc for sc in scs if sc.key in args.only.split(",")]
    load, calib = os.getloadavg(), calibrate()
    times, cpus, sizes, counts = run(client, scs, n=args.n, warmup=args.warmup)
    rows = [
        {
            "key": sc.key,
            "label": sc.label,
            "method": sc.method.upper(),
            "url": sc.url,
            "n": len(t),
            "median_ms": statistics.median(t),
            "p95_ms": pct(t, 95),
            "min_ms": min(t),
            "max_ms": max(t),
            "cpu_median_ms": statistics.median(cpus[sc.key]),
            "kb": sizes[sc.key] / 1024,
            "queries": counts[sc.key][0],
            "sql_ms": counts[sc.key][1],
        }
        for sc in scs
        for t in [times[sc.key]]
    ]
    meta = {
        "app": "backoffice",
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "debug": settings.DEBUG,
        "cpus": os.cpu_count(),
        "loadavg_before": load,
        "loadavg_after": os.getloadavg(),
        "calib_ms": [calib, calibrate()],
        "n": args.n,
        "warmup": args.warmup,
        "per_page": args.per_page,
        "orders": Order.objects.count(),
        "transactions": Transaction.objects.count(),
        "comments": OrderComment.objects.count(),
        "samples": {k: o.number for k, o in orders.items()},
        "time": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    print(json.dumps(meta))
    print("\n| scenario | median ms | p95 ms | min | max | CPU ms | queries | SQL ms | KB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        q = r["queries"]
        shown = str(q[0]) if len(set(q)) == 1 else "/".join(map(str, q))
        print(
            f"| {r['label']} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['min_ms']:.1f} "
            f"| {r['max_ms']:.1f} | {r['cpu_median_ms']:.1f} | {shown} | {r['sql_ms']:.1f} "
            f"| {r['kb']:.0f} |"
        )
    if args.json:
        with open(args.json, "w") as out:
            json.dump(
                {"meta": meta, "rows": rows, "raw_ms": times, "raw_cpu_ms": cpus},
                out,
                indent=1,
                default=str,
            )


if __name__ == "__main__":
    main()
