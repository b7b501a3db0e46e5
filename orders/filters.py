"""The order list's search, filters and sort whitelist."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import django_filters as filters
from django import forms
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Exists, F, Field, OrderBy, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, Now
from django.http import QueryDict
from django.utils import timezone

from backoffice.amount_range import read_amounts
from backoffice.display import display_locale
from backoffice.filtersets import GridFilterSet
from backoffice.models import Store
from backoffice.permissions import visible_stores
from orders.enums import OrderState
from orders.models import Order
from payments.enums import PaymentStatus
from payments.figures import open_to_capture_q
from payments.models import Payment


def order_search(queryset: QuerySet[Order], text: str) -> QuerySet[Order]:
    """Number (prefix), customer email or name, or a payment's gateway reference.

    Every arm of the OR is index-friendly, so PostgreSQL combines them with a bitmap OR
    instead of scanning a million orders:
    - number prefix: the pattern-ops twin of the unique index;
    - a whole email ("@" then a domain with a dot): the UPPER(email) index, matched exactly,
      because addresses share long runs of trigrams ("@example.com") that would make a
      trigram lookup read most of the index;
    - names and partial emails: the trigram indexes of `orders.0007_search_indexes`; a term
      shorter than a trigram (1–2 characters, `CONTAINS_MIN_LENGTH`) matches names and emails
      that start with it (the pattern-ops indexes of `orders.0018_search_prefix_indexes`):
      no index can find such a term inside a million names;
    - gateway reference: looked up first on payments (indexed equality, a handful of ids).
    A term of digits only is an order number (or its start) or a reference: it skips the name
    and e-mail arms, whose trigram scans cost most of such a search at a million orders; a term
    with a digit or an "@" (a reference, an e-mail) skips the name arm.
    """
    text = search_text(text)
    if not text:
        return queryset
    by_reference = list(
        Payment.objects.filter(gateway_reference=text).values_list("order_id", flat=True)[:100]
    )
    arms = Q(number__startswith=text) | Q(pk__in=by_reference)
    if not text.isdigit():
        whole_email = "." in text.partition("@")[2]
        arms |= Q(customer_email__iexact=text) if whole_email else _part_of("customer_email", text)
        if not any(c.isdigit() or c == "@" for c in text):  # names have neither
            arms |= _part_of("customer_name", text)
    return queryset.filter(arms)


# The shortest term found anywhere inside a name or an email: a trigram. A shorter one can't
# use the trigram indexes (searching "zz" read every order: 0.9 s at a million); it matches
# names and emails that start with it.
CONTAINS_MIN_LENGTH = 3


def short_search_term(params: QueryDict) -> str:
    """The term of the search box or the customer filter that matches names and e-mails from
    their start only (shorter than `CONTAINS_MIN_LENGTH`), "" when none does (the page says so
    next to the search box)."""
    for text in (search_text(params.get("q") or ""), (params.get("customer") or "").strip()):
        if 0 < len(text) < CONTAINS_MIN_LENGTH and not text.isdigit():
            return text
    return ""


def _part_of(field: str, text: str) -> Q:
    lookup = "icontains" if len(text) >= CONTAINS_MIN_LENGTH else "istartswith"
    return Q(**{f"{field}__{lookup}": text})


def search_text(text: str) -> str:
    """What the search box looks for: the order number as displayed ("#100000110") too."""
    return text.strip().removeprefix("#").strip()


def customer_q(text: str) -> Q:
    """Name or e-mail: a whole address exactly (any case), else a part of either (their start,
    for a term shorter than `CONTAINS_MIN_LENGTH`)."""
    text = text.strip()
    if "." in text.partition("@")[2]:
        return Q(customer_email__iexact=text)
    return _part_of("customer_name", text) | _part_of("customer_email", text)


def amount_range_q(readings: list[tuple[str, int]], lookup: str) -> Q:
    """Orders whose Grand Total is `lookup` ("gte", "lte") the amount read in their currency."""
    q = Q(pk__in=[])
    for currency, minor in readings:
        q |= Q(currency=currency, **{f"grand_total__{lookup}": minor})
    return q


def open_to_capture_orders_q(now: datetime | Now) -> Q:
    """Orders with money open to capture now: an unexpired authorization not fully captured
    (`payments.figures`; the dashboard's "Authorized, awaiting capture" counts these)."""
    payments = Payment.objects.filter(open_to_capture_q(now), order=OuterRef("pk"))
    return Q(Exists(payments))


def _start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


class OrderFilterForm(forms.Form):
    """Reads the Grand Total range in each currency searched, in the user's locale: "12,50"
    for a de_DE reader; an amount no currency can hold is an error next to its field."""

    # Set by OrderFilter: (currency, locale) of the stores searched, asked only when needed.
    readings: Callable[[str], list[tuple[str, str]]]

    def _amounts(self, name: str) -> list[tuple[str, int]]:
        text = self.cleaned_data.get(name) or ""
        if not text.strip():
            return []  # the stores are read only when an amount is typed
        return read_amounts(text, self.readings(self.cleaned_data.get("currency") or ""))

    def clean_total_min(self) -> list[tuple[str, int]]:
        return self._amounts("total_min")

    def clean_total_max(self) -> list[tuple[str, int]]:
        return self._amounts("total_max")


def amount_input(title: str) -> forms.TextInput:
    return forms.TextInput(
        attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "Any", "title": title}
    )


class OrderFilter(GridFilterSet):
    q = filters.CharFilter(
        method="filter_search",
        label="Search",
        widget=forms.TextInput(
            attrs={
                "placeholder": "Order #, email, customer name or gateway reference",
                "type": "search",
            }
        ),
    )
    # Choices from the stores the filter reads once (`__init__`): a model choice field would
    # read them again each time the select is drawn, through a server-side cursor.
    store = filters.ChoiceFilter(choices=[], empty_label="All stores", method="filter_store")
    state = filters.ChoiceFilter(choices=OrderState.choices, empty_label="Any state")
    payment_status = filters.ChoiceFilter(
        choices=PaymentStatus.choices, empty_label="Any status", label="Payment status"
    )
    placed_from = filters.DateFilter(
        method="filter_placed_from", label="Placed from", widget=forms.DateInput({"type": "date"})
    )
    placed_to = filters.DateFilter(
        method="filter_placed_to", label="Placed to", widget=forms.DateInput({"type": "date"})
    )
    currency = filters.ChoiceFilter(choices=[], empty_label="Any currency")
    customer = filters.CharFilter(
        method="filter_customer",
        label="Customer",
        widget=forms.TextInput(attrs={"placeholder": "Name or e-mail", "autocomplete": "off"}),
    )
    total_min = filters.CharFilter(
        method="filter_total_min",
        label="Total from",
        widget=amount_input("Grand Total at least this amount, in each order's currency"),
    )
    total_max = filters.CharFilter(
        method="filter_total_max",
        label="Total to",
        widget=amount_input("Grand Total at most this amount, in each order's currency"),
    )
    capture = filters.ChoiceFilter(
        choices=[("open", "Open to capture")],
        empty_label="Any",
        label="Capture",
        method="filter_capture",
    )

    class Meta:
        model = Order
        fields: list[str] = []
        form = OrderFilterForm

    def __init__(
        self, data: QueryDict | None, *, queryset: QuerySet[Order], user: User | AnonymousUser
    ) -> None:
        super().__init__(data, queryset=queryset)
        # One query for every store-derived choice and reading of the form.
        self._stores = visible_stores(user)
        self._store_ids = {store.code: store.pk for store in self._stores}
        self.filters["store"].extra["choices"] = [(s.code, str(s)) for s in self._stores]
        self.filters["currency"].extra["choices"] = [
            (c, c) for c in sorted({store.currency for store in self._stores})
        ]

    @property
    def stores(self) -> list[Store]:
        """The stores the user can view, by code (the store filter's choices)."""
        return self._stores

    @property
    def form(self) -> OrderFilterForm:
        form: OrderFilterForm = super().form
        form.readings = self._readings
        return form

    def _readings(self, currency: str) -> list[tuple[str, str]]:
        """(currency, locale) per currency searched: the user's chosen locale, else the
        store's (the first store of that currency)."""
        chosen = display_locale()
        readings: dict[str, str] = {}
        for store in self._stores:
            if not currency or store.currency == currency:
                readings.setdefault(store.currency, chosen or store.amount_locale)
        return sorted(readings.items())

    def filter_store(self, queryset: QuerySet[Order], name: str, value: str) -> QuerySet[Order]:
        return queryset.filter(store_id=self._store_ids[value])  # a valid choice: one of them

    def filter_customer(self, queryset: QuerySet[Order], name: str, value: str) -> QuerySet[Order]:
        return queryset.filter(customer_q(value)) if value.strip() else queryset

    def filter_total_min(
        self, queryset: QuerySet[Order], name: str, value: list[tuple[str, int]]
    ) -> QuerySet[Order]:
        return queryset.filter(amount_range_q(value, "gte"))

    def filter_total_max(
        self, queryset: QuerySet[Order], name: str, value: list[tuple[str, int]]
    ) -> QuerySet[Order]:
        return queryset.filter(amount_range_q(value, "lte"))

    def filter_search(self, queryset: QuerySet[Order], name: str, value: str) -> QuerySet[Order]:
        return order_search(queryset, value)

    def filter_capture(self, queryset: QuerySet[Order], name: str, value: str) -> QuerySet[Order]:
        # "Now" by the database's clock: the statement is the same from one view to the next,
        # so the total's estimate and a count that took too long are remembered
        # (`backoffice.counting`); with the time as a parameter each view paid the count's
        # time limit again (14 ms at a million orders, the list itself 5).
        return queryset.filter(open_to_capture_orders_q(Now()))

    def filter_placed_from(
        self, queryset: QuerySet[Order], name: str, value: date
    ) -> QuerySet[Order]:
        return queryset.filter(placed_at__gte=_start_of_day(value))

    def filter_placed_to(
        self, queryset: QuerySet[Order], name: str, value: date
    ) -> QuerySet[Order]:
        # Inclusive of the whole "to" day; a range on the raw column keeps the index usable.
        return queryset.filter(placed_at__lt=_start_of_day(value + timedelta(days=1)))

    @property
    def amount_range(self) -> bool:
        """A Grand Total range is applied (valid, in at least one currency)."""
        if not self.is_bound or not self.form.is_valid():
            return False
        data = self.form.cleaned_data
        return bool(data.get("total_min") or data.get("total_max"))

    @property
    def active_count(self) -> int:
        """How many filters (not the search box) are applied, for the "Filters (2)" label."""
        if not self.is_bound:
            return 0
        return sum(1 for name in self.filters if name != "q" and self.data.get(name))


# What a saved view of the order grid keeps (with the page size and the columns).
ORDER_GRID_PARAMS = frozenset(OrderFilter.base_filters) | {"sort"}

# Whitelist: `?sort=` accepts these keys, optionally prefixed with "-" for descending. Each
# sorts by its columns, then the primary key (`sort_order_by`), all in the sort's direction,
# so that one B-tree of exactly those columns serves both directions (`Order.Meta.indexes`).
# A column that many orders share (a state, a payment status: 99% "processing" at a million)
# is tie-broken by the time placed first: with the id alone PostgreSQL sorted the whole
# largest group for a page of 20 (0.3-0.5 s at a million orders).
SORT_FIELDS: dict[str, tuple[str, ...]] = {
    "number": ("number",),
    "placed_at": ("placed_at",),
    "customer": ("customer_name",),
    # Amounts compare only within a currency (¥65,810 is not more than €797.07): by currency,
    # then amount.
    "grand_total": ("currency", "grand_total"),
    "state": ("state", "placed_at"),
    "payment_status": ("payment_status", "placed_at"),
}
DEFAULT_SORT = "-placed_at"
# Newest and largest first is what staff want on the first click of these columns.
DESCENDING_FIRST = frozenset({"placed_at", "grand_total"})


def resolve_sort(value: str | None) -> str:
    value = (value or "").strip()
    return value if value.lstrip("-") in SORT_FIELDS else DEFAULT_SORT


def sort_order_by(sort: str, *, matches_read_first: bool = False) -> list[str | OrderBy]:
    """ORDER BY for a resolved sort key, with the primary key as a stable tie-breaker after a
    column that isn't unique (after the number, it would cost PostgreSQL a sort step).

    `matches_read_first`: the sort's columns as values no index matches, so that PostgreSQL
    finds the (few) matching orders by the filters' indexes and sorts them, instead of walking
    the sort's index until a page of them turns up — which it does when it expects many
    matches and there are few (an amount range: 1 s for orders over €780 at a million)."""
    descending = sort.startswith("-")
    prefix = "-" if descending else ""
    columns = SORT_FIELDS[sort.lstrip("-")]
    last = Order._meta.get_field(columns[-1])
    tie_break = [] if isinstance(last, Field) and last.unique else [f"{prefix}id"]
    if matches_read_first:
        # COALESCE(column, column) is the column's value (none is null), and no index's.
        by_value = [OrderBy(Coalesce(F(c), F(c)), descending=descending) for c in columns]
        return [*by_value, *tie_break]
    return [*(f"{prefix}{column}" for column in columns), *tie_break]
