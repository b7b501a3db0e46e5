"""Which orders a mass action takes: the rows ticked on the page, or every order matching the
grid's filter ("Select all N matching"), always within the stores the user may view."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.http import QueryDict

from orders.filters import OrderFilter
from orders.models import Order
from orders.selectors import orders_visible_to

MAX_TICKED = 500  # more than any page shows
# The grid's own parameters that are not filters (paging, page size, columns, saved view).
NOT_FILTERS = ("page", "per_page", "sort", "cols", "view")


@dataclass(frozen=True)
class Selection:
    query: str  # the grid's query string, as the page was drawn
    numbers: tuple[str, ...] = ()
    all_matching: bool = False

    @classmethod
    def from_post(cls, data: QueryDict) -> "Selection":
        numbers = tuple(dict.fromkeys(n.strip() for n in data.getlist("orders") if n.strip()))
        return cls(
            query=data.get("query", "")[:2000],
            numbers=numbers[:MAX_TICKED],
            all_matching=data.get("all_matching") == "1",
        )

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "Selection":
        return cls(
            query=str(params.get("query", "")),
            numbers=tuple(params.get("numbers", ())),
            all_matching=bool(params.get("all_matching")),
        )

    def params(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "numbers": [] if self.all_matching else list(self.numbers),
            "all_matching": self.all_matching,
        }

    def filters(self) -> QueryDict:
        params = QueryDict(self.query, mutable=True)
        for name in NOT_FILTERS:
            params.pop(name, None)
        return params


def _filterset(user: User | AnonymousUser, selection: Selection) -> OrderFilter:
    params = selection.filters()
    return OrderFilter(params or None, queryset=orders_visible_to(user=user), user=user)


def matching_orders(*, user: User | AnonymousUser, selection: Selection) -> QuerySet[Order]:
    """The orders the grid showed: its filter (a field in error left out, as the grid leaves
    it out), within the user's stores."""
    return _filterset(user, selection).qs


def filter_is_valid(*, user: User | AnonymousUser, selection: Selection) -> bool:
    """Whether every field of the grid's filter was understood ("all matching" asks it: the
    grid showed an error next to a field, its rows are not what the person meant)."""
    filterset = _filterset(user, selection)
    return not filterset.is_bound or filterset.form.is_valid()


def selected_orders(*, user: User | AnonymousUser, selection: Selection) -> QuerySet[Order]:
    orders = matching_orders(user=user, selection=selection)
    if selection.all_matching:
        return orders
    return orders.filter(number__in=selection.numbers)
