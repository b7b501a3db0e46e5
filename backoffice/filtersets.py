"""The grids' FilterSet base: django-filter's own, with a shallow per-request copy of its
filters.

django-filter deep-copies every declared filter for each FilterSet it builds (the widgets,
their attributes, the choice lists with their lazy labels): ~0.2 ms of each order list
request on this machine (measured 2026-12-06), for state a request never changes. A request
changes only a filter's `extra` (the store and currency choices, read per user), so each filter
is copied with its own `extra` dict (and its own `FilterMethod`); the field a filter builds
from it copies the widget, as Django's fields do. Its form's markup is drawn once per form and
values (`form_html`, `backoffice.filter_form_html`).
"""

import copy
from collections.abc import Hashable
from functools import cached_property
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import QueryDict

from backoffice.filter_form_html import NOT_FILTERS, FilterFormHtml, filter_form_html


class GridFilterSet(django_filters.FilterSet):
    def __init__(
        self,
        data: QueryDict | None = None,
        queryset: QuerySet[Any] | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
    ) -> None:
        # BaseFilterSet.__init__ (django-filter 26) but for the copy of the filters.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        if data is not None and not _filters_typed(data):
            # A page, a sort or a page size alone filters nothing: bound to them, the form
            # was built and validated on every page turn (0.5 ms of the list's 8).
            data = None
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: _copy(filter_) for name, filter_ in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self

    @cached_property
    def form_html(self) -> FilterFormHtml:
        """The form's search box and other fields as HTML, drawn once per form and values."""
        return filter_form_html(self)

    @cached_property
    def form_class_key(self) -> Hashable | None:
        """What the form class is built from (`_form_key`), to compare forms by: asked by
        `get_form_class` and `form_html` once the filters are set (after `__init__`)."""
        return _form_key(self)

    def get_form_class(self) -> type[forms.Form]:
        key = self.form_class_key
        if key is None:
            return super().get_form_class()
        if (form_class := _FORM_CLASSES.get(key)) is None:
            if len(_FORM_CLASSES) >= _MAX_FORM_CLASSES:
                _FORM_CLASSES.clear()  # a bound on memory, not a policy: rebuilt on the next ask
            form_class = _FORM_CLASSES[key] = super().get_form_class()
        return form_class


# Form classes by grid and by what their filters are built from (`_form_key`).
_FORM_CLASSES: dict[Hashable, type[forms.Form]] = {}
_MAX_FORM_CLASSES = 256


def _form_key(filterset: GridFilterSet) -> Hashable | None:
    """What the form class is built from: the FilterSet's class and each filter's name, field
    class, label and `extra`; None when something in them can't be compared (not kept)."""
    try:
        key = (
            type(filterset),
            tuple(
                (name, f.field_class, f.label, _frozen(f.extra))
                for name, f in filterset.filters.items()
            ),
        )
        hash(key)
    except TypeError:
        return None
    return key


def _frozen(value: Any) -> Any:
    """`value` as a hashable equal: lists and tuples as tuples, dicts as sorted item tuples.
    Anything else as it is (a widget instance compares by identity: the declared one)."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    return value


def _copy(filter_: django_filters.Filter) -> django_filters.Filter:
    copied = copy.copy(filter_)
    copied.extra = dict(filter_.extra)
    if filter_.method is not None:  # a FilterMethod that calls the copy's parent, not the base's
        copied.method = filter_.method
    return copied


def _filters_typed(data: QueryDict) -> bool:
    """Whether `data` holds a value for anything but the grid's paging, sort and columns."""
    return any(any(data.getlist(name)) for name in data if name not in NOT_FILTERS)
