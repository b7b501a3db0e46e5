"""The dashboard's money: figures per store and currency, and a 30-day chart per currency.

Part of the dashboard (on top of every app, like `backoffice.dashboard`; nothing imports it but
the dashboard). Each figure is the one definition its app keeps:
- Captured, Refunded, Net (last 30 days, each store's calendar days): `payments.reports`;
- To capture: what unexpired authorizations can still capture (`payments.figures`);
- Expiring in 48 h: `orders.batch.expiring.authorizations_expiring`, as the expiring card;
- Charged back: payments with chargebacks not reversed (the cached `amount_charged_back`);
- Awaiting approval: four-eyes requests waiting for a decision.
Integers in minor units, summed per currency, never across currencies: five queries in all.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone

from backoffice.charts import BarChart, bar_chart
from backoffice.display import display_money
from backoffice.models import Store
from backoffice.permissions import visible_store_id_list, visible_stores
from orders.batch.expiring import authorizations_expiring
from orders.models import ApprovalRequest, ApprovalState, Order
from payments.figures import open_to_capture_q
from payments.models import Payment
from payments.reports import Amounts, money_report

CHART_DAYS = 30
EXPIRING_HOURS = 48
# The uncaptured remainder of an authorization (payments.ledger.uncaptured_remainder), in SQL.
REMAINDER = (
    F("amount_authorized")
    - F("amount_captured")
    - F("amount_voided")
    - F("pending_capture")
    - F("pending_void")
)
CHARGED_BACK = F("amount_charged_back")
Key = tuple[int, str]  # (store id, currency)


@dataclass
class Figure:
    amount: int = 0
    count: int = 0


@dataclass
class StoreMoney:
    store: Store
    currency: str
    recent: Amounts = field(default_factory=Amounts)
    to_capture: Figure = field(default_factory=Figure)
    expiring: Figure = field(default_factory=Figure)
    charged_back: Figure = field(default_factory=Figure)
    awaiting: Figure = field(default_factory=Figure)


@dataclass(frozen=True)
class CurrencyChart:
    currency: str
    chart: BarChart
    days: list[tuple[date, Amounts]]
    description: str


def _figures(rows: Iterable[Any], store_key: str) -> dict[Key, Figure]:
    return {
        (row[store_key], row["currency"]): Figure(row["total"] or 0, row["count"]) for row in rows
    }


def _payment_figures(
    store_ids: list[int], now: datetime, *, every_store: bool
) -> dict[str, dict[Key, Figure]]:
    """To capture and charged back, each read by its own index; expiring (its own definition)."""
    # Each payment's store looked up through its order, payment by payment: joined to the
    # orders, PostgreSQL merge-joined over every order's primary key for the few thousand open
    # authorizations (200 ms at a million orders, against 50). Scoped only for a person who
    # may not see every store (the lookup is then made twice per payment).
    order = Order.objects.filter(pk=OuterRef("order_id")).order_by()
    scoped = Payment.objects.annotate(order_store=Subquery(order.values("store_id")))
    if not every_store:
        scoped = scoped.filter(order_store__in=store_ids)

    def by_store(payments: QuerySet[Any], amount: Any) -> dict[Key, Figure]:
        rows = (
            payments.values("order_store", "currency")
            .annotate(total=Sum(amount), count=Count("pk"))
            .order_by()
        )
        return _figures(rows, "order_store")

    expiring = (
        authorizations_expiring(within=timedelta(hours=EXPIRING_HOURS), now=now)
        .filter(order__store_id__in=store_ids)
        .values("order__store_id", "currency")
        .annotate(total=Sum(REMAINDER), count=Count("pk"))
        .order_by()
    )
    return {
        # Open now: by the expiry date's index; charged back: by its partial index.
        "to_capture": by_store(scoped.filter(open_to_capture_q(now)), REMAINDER),
        "charged_back": by_store(scoped.filter(amount_charged_back__gt=0), CHARGED_BACK),
        "expiring": _figures(expiring, "order__store_id"),
    }


def _awaiting(store_ids: list[int]) -> dict[Key, Figure]:
    rows = (
        ApprovalRequest.objects.filter(state=ApprovalState.AWAITING, store_id__in=store_ids)
        .values("store_id", "currency")
        .annotate(total=Sum("amount"), count=Count("pk"))
        .order_by()
    )
    return _figures(rows, "store_id")


def _chart(currency: str, days: list[tuple[date, Amounts]]) -> CurrencyChart:
    def money(minor: int) -> str:
        return display_money(minor, currency)  # as the `money` filter shows it

    chart = bar_chart(
        labels=[f"{day.day} {day:%b}" for day, _ in days],
        series=[
            ("Captured", [a.captured for _, a in days]),
            ("Refunded", [a.refunded for _, a in days]),
        ],
        format_value=money,
    )
    captured = sum(a.captured for _, a in days)
    refunded = sum(a.refunded for _, a in days)
    day, most = max(days, key=lambda d: d[1].captured)
    description = (
        f"Over the {len(days)} days from {days[0][0]:%d %b} to {days[-1][0]:%d %b}, "
        f"{money(captured)} captured and {money(refunded)} refunded."
    )
    if captured:
        description += f" The most captured in one day: {money(most.captured)} on {day:%d %b}."
    return CurrencyChart(currency=currency, chart=chart, days=days, description=description)


def dashboard_money(*, user: User, now: datetime | None = None) -> dict[str, Any]:
    """`money_rows` (one per store and currency with any figure) and `money_charts` (one per
    currency with money in the last 30 days), for the stores the user may view."""
    now = now or timezone.now()
    stores, every_store = visible_stores(user), visible_store_id_list(user) is None
    ids = [store.pk for store in stores]
    # The latest "today" among the stores (Tokyo's day starts before New York's): each store's
    # current day is in the chart, whatever the zone of the person looking.
    today = max(
        (timezone.localdate(now, ZoneInfo(s.timezone or "UTC")) for s in stores),
        default=timezone.localdate(now),
    )
    report = money_report(stores=stores, first=today - timedelta(days=CHART_DAYS - 1), last=today)
    figures: dict[str, dict[Key, Any]] = {
        "recent": report.by_store(),
        **(_payment_figures(ids, now, every_store=every_store) if ids else {}),
        "awaiting": _awaiting(ids) if ids else {},
    }
    rows: dict[Key, StoreMoney] = {}
    by_pk = {store.pk: store for store in stores}
    for name, values in figures.items():
        for key, value in values.items():
            if key not in rows:
                rows[key] = StoreMoney(store=by_pk[key[0]], currency=key[1])
            setattr(rows[key], name, value)
    charts = [_chart(currency, report.daily(currency)) for currency in report.totals()]
    return {
        "money_rows": sorted(rows.values(), key=lambda r: (r.store.code, r.currency)),
        "money_charts": charts,
        "money_days": CHART_DAYS,
        "money_expiring_hours": EXPIRING_HOURS,
    }
