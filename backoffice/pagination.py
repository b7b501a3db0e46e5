"""Pagination that never counts: fetch one row more than a page to know if another follows.

A `COUNT(*)` over a million orders costs more than the page itself, and staff don't need the
exact total to browse. Offset pages stop at `max_page`: past that, narrowing the search or
reversing the sort is faster for the database and for the person.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet


@dataclass(frozen=True)
class PageWindow:
    rows: Sequence[Any]
    number: int
    per_page: int
    has_next: bool
    # True when more rows exist but the page limit stops the Next link.
    limit_reached: bool = False

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def start(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def end(self) -> int:
        return self.start + len(self.rows) - 1 if self.rows else 0


def parse_page_number(value: object, *, max_page: int) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), max_page)


def page_window(
    queryset: QuerySet, *, page: object, per_page: int, max_page: int = 200
) -> PageWindow:
    number, start, stop = page_slice(page, per_page=per_page, max_page=max_page)
    return window_of_rows(
        list(queryset[start:stop]), number=number, per_page=per_page, max_page=max_page
    )


def page_slice(page: object, *, per_page: int, max_page: int = 200) -> tuple[int, int, int]:
    """The page's number and the slice of rows to read for it: one more than a page."""
    number = parse_page_number(page, max_page=max_page)
    offset = (number - 1) * per_page
    return number, offset, offset + per_page + 1


def window_of_rows(
    rows: Sequence[Any], *, number: int, per_page: int, max_page: int = 200
) -> PageWindow:
    """The page of `rows` read for page `number` (`page_slice`)."""
    more = len(rows) > per_page
    return PageWindow(
        rows=rows[:per_page],
        number=number,
        per_page=per_page,
        has_next=more and number < max_page,
        limit_reached=more and number >= max_page,
    )
