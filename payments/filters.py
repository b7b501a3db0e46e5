"""Search and filters of the transaction list (and of its CSV export, which shares them).

The search box guesses what was typed so staff never pick a field: a UUID (full, or a prefix
of at least 8 hex digits as shown in the list), an email, an amount, or a reference/order
number. Every guess is an equality or a range on an indexed column, so a million rows are
searched through indexes, never scanned.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import django_filters
from django import forms
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils import timezone

from backoffice.amount_range import read_amounts
from backoffice.filtersets import GridFilterSet
from backoffice.models import Store, amount_locale
from backoffice.money import MoneyError, parse_amount
from orders.models import Order
from payments.enums import TransactionStatus, TransactionType
from payments.models import ReasonCode, Transaction
from payments.selectors import reason_codes_of

HEX = re.compile(r"^[0-9a-f]+$")
CURRENCY_MARKS = "$€£¥₩₹ \u00a0"
MIN_UUID_PREFIX = 8


def parse_uuid_search(text: str) -> uuid.UUID | tuple[uuid.UUID, uuid.UUID] | None:
    """A full UUID, or the (lowest, highest) UUIDs starting with a hex prefix."""
    compact = text.strip().lower().replace("-", "")
    if not HEX.match(compact) or not MIN_UUID_PREFIX <= len(compact) <= 32:
        return None
    if len(compact) == 32:
        return uuid.UUID(compact)
    return uuid.UUID(compact.ljust(32, "0")), uuid.UUID(compact.ljust(32, "f"))


# (currency, locale): an amount typed in the search box is read in each currency searched, in the
# locale its store's staff type amounts in (backoffice.models.amount_locale).
Reading = tuple[str, str]


def parse_amount_search(text: str, readings: list[Reading]) -> list[tuple[str, int]]:
    """(currency, minor units) for each reading in which `text` is an amount above zero."""
    cleaned = text.strip().strip(CURRENCY_MARKS)
    for code in sorted({currency for currency, _locale in readings}):
        cleaned = cleaned.removesuffix(code).removesuffix(code.lower()).strip()
    matches: list[tuple[str, int]] = []
    for code, locale in readings:
        try:
            minor = parse_amount(cleaned, code, locale=locale)
        except MoneyError:
            continue  # 12.50 is no JPY amount; skip that reading rather than fail.
        if minor > 0 and (code, minor) not in matches:
            matches.append((code, minor))
    return matches


def search_q(*, text: str, readings: list[Reading], order_ids: list[int]) -> Q:
    """OR of every reading of `text`; `order_ids` are orders whose number or email matched."""
    text = text.strip()
    found = parse_uuid_search(text)
    # Staff type Transaction IDs in any case; iexact is UPPER(...) = UPPER(...), served by
    # the txn_merchant_ref_upper_idx expression index.
    q = Q(gateway_reference=text) | Q(merchant_reference__iexact=text)
    if isinstance(found, uuid.UUID):
        q |= Q(uuid=found)
    elif found is not None:
        q |= Q(uuid__gte=found[0], uuid__lte=found[1])
    if order_ids:
        q |= Q(order_id__in=order_ids)
    for currency, minor in parse_amount_search(text, readings):
        q |= Q(currency=currency, amount=minor)
    return q


def matching_order_ids(*, text: str, store_ids: list[int]) -> list[int]:
    """Orders whose number is `text` or whose customer email is `text` (any case).

    Resolved first so the transaction query ORs plain indexed equalities; a subquery inside
    an OR would make the database test every row.
    """
    text = text.strip()
    orders = Order.objects.filter(store_id__in=store_ids)
    # The number as displayed too ("#100000110").
    match = Q(customer_email__iexact=text) if "@" in text else Q(number=text.removeprefix("#"))
    return list(orders.filter(match).order_by().values_list("pk", flat=True)[:1000])


def day_start(day: date, zone: tzinfo | None = None) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), zone)


class TransactionFilterForm(forms.Form):
    """Reads the amount range in each currency searched, in its reader's locale."""

    readings: Callable[[], list[Reading]]  # set by TransactionFilter

    def _amounts(self, name: str) -> list[tuple[str, int]]:
        text = self.cleaned_data.get(name) or ""
        return read_amounts(text, self.readings()) if text.strip() else []

    def clean_amount_min(self) -> list[tuple[str, int]]:
        return self._amounts("amount_min")

    def clean_amount_max(self) -> list[tuple[str, int]]:
        return self._amounts("amount_max")


def amount_q(readings: list[tuple[str, int]], lookup: str) -> Q:
    q = Q(pk__in=[])
    for currency, minor in readings:
        q |= Q(currency=currency, **{f"amount__{lookup}": minor})
    return q


AMOUNT_INPUT = {"inputmode": "decimal", "autocomplete": "off", "placeholder": "Any"}


# django-filter ships no type information: to the checker its FilterSet is `Any`.
class TransactionFilter(GridFilterSet):
    q = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "UUID, reference, Transaction ID, order #, email or amount",
                "autocomplete": "off",
            }
        ),
    )
    type = django_filters.ChoiceFilter(choices=TransactionType.choices, empty_label="Any type")
    status = django_filters.ChoiceFilter(
        choices=TransactionStatus.choices, empty_label="Any status"
    )
    store = django_filters.ChoiceFilter(method="filter_store", empty_label="All stores")
    currency = django_filters.ChoiceFilter(empty_label="Any currency")
    date_from = django_filters.DateFilter(
        method="filter_date_from", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        method="filter_date_to", label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    online = django_filters.ChoiceFilter(
        method="filter_online",
        label="Online/offline",
        choices=[("online", "Online"), ("offline", "Offline")],
        empty_label="Online and offline",
    )
    reason = django_filters.ChoiceFilter(
        method="filter_reason", label="Reason", empty_label="Any reason"
    )
    amount_min = django_filters.CharFilter(
        method="filter_amount_min",
        label="Amount from",
        widget=forms.TextInput(attrs=AMOUNT_INPUT),
    )
    amount_max = django_filters.CharFilter(
        method="filter_amount_max", label="Amount to", widget=forms.TextInput(attrs=AMOUNT_INPUT)
    )

    class Meta:
        model = Transaction
        fields = [
            "q",
            "type",
            "status",
            "store",
            "currency",
            "date_from",
            "date_to",
            "online",
            "reason",
            "amount_min",
            "amount_max",
        ]
        form = TransactionFilterForm

    def __init__(self, *args: Any, user: User, stores: list[Store], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.stores = stores
        self.store_ids = {s.code: s.pk for s in stores}
        self.filters["store"].extra["choices"] = [(s.code, s.name) for s in stores]
        currencies = sorted({s.currency for s in stores})
        self.filters["currency"].extra["choices"] = [(c, c) for c in currencies]
        self._reasons_offered(reason_codes_of(stores=stores))

    def _reasons_offered(self, codes: list[ReasonCode]) -> None:
        """One choice per code across the user's stores ("damaged": every store's Damaged),
        filtered by the codes' ids: no join, one query whatever the rows."""
        self.reason_ids: dict[str, list[int]] = {}
        labels: dict[str, list[str]] = {}
        for code in codes:
            self.reason_ids.setdefault(code.code, []).append(code.pk)
            if code.label not in labels.setdefault(code.code, []):
                labels[code.code].append(code.label)
        self.filters["reason"].extra["choices"] = [
            (code, " / ".join(names)) for code, names in labels.items()
        ]

    @property
    def form(self) -> TransactionFilterForm:
        form: TransactionFilterForm = super().form
        form.readings = self._search_readings
        return form

    def filter_amount_min(
        self, queryset: QuerySet[Transaction], name: str, value: list[tuple[str, int]]
    ) -> QuerySet[Transaction]:
        return queryset.filter(amount_q(value, "gte"))

    def filter_amount_max(
        self, queryset: QuerySet[Transaction], name: str, value: list[tuple[str, int]]
    ) -> QuerySet[Transaction]:
        return queryset.filter(amount_q(value, "lte"))

    @property
    def is_filtered(self) -> bool:
        if not self.is_bound or not self.form.is_valid():
            return False
        return any(self.form.cleaned_data.get(name) for name in self.filters)

    def _search_readings(self) -> list[Reading]:
        """The chosen store's (or every store's) currency and locale, less the other currencies
        when one is chosen."""
        data = self.form.cleaned_data
        stores = [s for s in self.stores if s.code == data["store"]] if data.get("store") else []
        readings = {
            (s.currency, amount_locale(self.user, s))
            for s in stores or self.stores
            if not data.get("currency") or s.currency == data["currency"]
        }
        return sorted(readings)

    def filter_search(
        self, queryset: QuerySet[Transaction], name: str, value: str
    ) -> QuerySet[Transaction]:
        if not value.strip():
            return queryset
        store = self.form.cleaned_data.get("store")
        store_ids = [self.store_ids[store]] if store else list(self.store_ids.values())
        if "@" in value:
            ids = matching_order_ids(text=value, store_ids=store_ids)
            return queryset.filter(order_id__in=ids)
        q = search_q(
            text=value,
            readings=self._search_readings(),
            order_ids=matching_order_ids(text=value, store_ids=store_ids),
        )
        return queryset.filter(q)

    def filter_store(
        self, queryset: QuerySet[Transaction], name: str, value: str
    ) -> QuerySet[Transaction]:
        return queryset.filter(store_id=self.store_ids[value])

    def _zone(self) -> tzinfo:
        """Days are the chosen store's days, as its list shows times; else the site's zone."""
        store = self.form.cleaned_data.get("store")
        name = next((s.timezone for s in self.stores if s.code == store), None)
        try:
            return ZoneInfo(name) if name else timezone.get_current_timezone()
        except (ZoneInfoNotFoundError, ValueError):
            return timezone.get_current_timezone()

    def filter_date_from(
        self, queryset: QuerySet[Transaction], name: str, value: date
    ) -> QuerySet[Transaction]:
        return queryset.filter(created_at__gte=day_start(value, self._zone()))

    def filter_date_to(
        self, queryset: QuerySet[Transaction], name: str, value: date
    ) -> QuerySet[Transaction]:
        # Inclusive of the whole last day.
        end = day_start(value + timedelta(days=1), self._zone())
        return queryset.filter(created_at__lt=end)

    def filter_online(
        self, queryset: QuerySet[Transaction], name: str, value: str
    ) -> QuerySet[Transaction]:
        return queryset.filter(is_online=value == "online")

    def filter_reason(
        self, queryset: QuerySet[Transaction], name: str, value: str
    ) -> QuerySet[Transaction]:
        return queryset.filter(reason_id__in=self.reason_ids[value])
