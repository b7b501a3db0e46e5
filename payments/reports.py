"""Money reports: the ledger's successful money movements by day × store × type, per currency.

One GROUP BY query over `Transaction` (success rows) per report, whatever the number of days
or stores. A day is a calendar day in the STORE's time zone (`Store.timezone`): a capture at
23:30 UTC on 9 November is 10 November in Tokyo. Amounts are integers in minor units, summed
per currency and never across currencies.

What each column counts (success rows only; pending, failed and unknown move no money):
- Captured: captures, sales (debits), rebills and manual payments (`PAID_TYPES`);
- Refunded: refunds, online and offline;
- Charged back: chargebacks less chargeback reversals;
- Net: Captured − Refunded − Charged back.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Case, DateField, Q, Sum, When
from django.db.models.functions import TruncDate

from backoffice.models import Store
from backoffice.money import format_major
from payments.enums import PAID_TYPES, TransactionStatus, TransactionType
from payments.models import Transaction

T = TransactionType
COLUMNS: tuple[tuple[str, str], ...] = (
    ("captured", "Captured"),
    ("refunded", "Refunded"),
    ("charged_back", "Charged back"),
    ("net", "Net"),
)
# Each type's sign in each column: a chargeback reversal gives back what a chargeback took.
_COLUMN_OF: dict[str, tuple[str, int]] = {
    **{str(t): ("captured", 1) for t in PAID_TYPES},
    T.REFUND: ("refunded", 1),
    T.CHARGEBACK: ("charged_back", 1),
    T.CHARGEBACK_REVERSAL: ("charged_back", -1),
}


@dataclass
class Amounts:
    captured: int = 0
    refunded: int = 0
    charged_back: int = 0

    @property
    def net(self) -> int:
        return self.captured - self.refunded - self.charged_back

    def add(self, type_: str, amount: int) -> None:
        column, sign = _COLUMN_OF[type_]
        setattr(self, column, getattr(self, column) + sign * amount)

    def merge(self, other: "Amounts") -> None:
        self.captured += other.captured
        self.refunded += other.refunded
        self.charged_back += other.charged_back


@dataclass
class DayRow:
    day: date
    store: Store
    currency: str
    amounts: Amounts = field(default_factory=Amounts)


@dataclass(frozen=True)
class MoneyReport:
    first: date
    last: date
    rows: list[DayRow]  # newest day first, then by store code

    def days(self) -> list[date]:
        count = (self.last - self.first).days + 1
        return [self.first + timedelta(days=n) for n in range(count)]

    def totals(self) -> dict[str, Amounts]:
        """Per currency (in code order), over every day and store."""
        totals: dict[str, Amounts] = {}
        for row in sorted(self.rows, key=lambda r: r.currency):
            totals.setdefault(row.currency, Amounts()).merge(row.amounts)
        return totals

    def by_store(self) -> dict[tuple[int, str], Amounts]:
        """Per (store id, currency), over every day."""
        sums: dict[tuple[int, str], Amounts] = defaultdict(Amounts)
        for row in self.rows:
            sums[(row.store.pk, row.currency)].merge(row.amounts)
        return dict(sums)

    def daily(self, currency: str) -> list[tuple[date, Amounts]]:
        """Every day of the range (empty days included) for one currency, oldest first."""
        sums: dict[date, Amounts] = {day: Amounts() for day in self.days()}
        for row in self.rows:
            if row.currency == currency and row.day in sums:
                sums[row.day].merge(row.amounts)
        return list(sums.items())


def _day_start(day: date, zone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone or "UTC"))


def _zones(stores: Iterable[Store]) -> dict[str, list[int]]:
    zones: dict[str, list[int]] = defaultdict(list)
    for store in stores:
        zones[store.timezone or "UTC"].append(store.pk)
    return dict(zones)


def _local_day(zones: dict[str, list[int]]) -> Case:
    """The row's calendar day in its store's time zone: one CASE branch per zone in use."""
    return Case(
        *[
            When(store_id__in=ids, then=TruncDate("created_at", tzinfo=ZoneInfo(zone)))
            for zone, ids in zones.items()
        ],
        output_field=DateField(),
    )


def _in_range(zones: dict[str, list[int]], first: date, last: date) -> Q:
    """From `first` 00:00 to the end of `last`, each store in its own time zone."""
    in_range = Q(pk__in=[])
    for zone, ids in zones.items():
        in_range |= Q(
            store_id__in=ids,
            created_at__gte=_day_start(first, zone),
            created_at__lt=_day_start(last + timedelta(days=1), zone),
        )
    return in_range


def money_report(*, stores: list[Store], first: date, last: date) -> MoneyReport:
    """The report of `stores` (already scoped to the user) from `first` to `last` (inclusive,
    each store's calendar days): one query."""
    if not stores:
        return MoneyReport(first=first, last=last, rows=[])
    zones = _zones(stores)
    grouped = (
        Transaction.objects.filter(
            _in_range(zones, first, last),
            status=TransactionStatus.SUCCESS,
            type__in=list(_COLUMN_OF),
        )
        .annotate(day=_local_day(zones))
        .values("day", "store_id", "currency", "type")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    by_pk = {store.pk: store for store in stores}
    rows: dict[tuple[date, int, str], DayRow] = {}
    for item in grouped:
        key = (item["day"], item["store_id"], item["currency"])
        if key not in rows:
            rows[key] = DayRow(day=key[0], store=by_pk[key[1]], currency=key[2])
        rows[key].amounts.add(item["type"], item["total"])
    ordered = sorted(rows.values(), key=lambda r: (-r.day.toordinal(), r.store.code, r.currency))
    return MoneyReport(first=first, last=last, rows=ordered)


CSV_HEADER = ["Day", "Store", "Currency", *(label for _, label in COLUMNS)]


def report_csv_rows(report: MoneyReport) -> Iterable[list[str]]:
    """The CSV's rows: a day per store and currency, amounts in major units ("12.34")."""
    yield CSV_HEADER
    for row in report.rows:
        amounts = row.amounts
        values = (amounts.captured, amounts.refunded, amounts.charged_back, amounts.net)
        yield [
            row.day.isoformat(),
            row.store.code,
            row.currency,
            *(format_major(value, row.currency) for value in values),
        ]
