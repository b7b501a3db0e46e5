"""A grid's filter form as HTML: its search box, and every other field in its compact box
(label, widget, errors), as the template loop over the form's fields wrote them.

Written once per form and what was typed into it, then kept (`GridFilterSet.form_html`): a grid
page built its filter form and drew its dozen widgets on every view, 0.56 ms of the order
list's 7.2 at 50 rows (bench/README.md, "Ninth sitting"), although the markup only changes with
the filters' choices, the values typed and the language. A form with errors is drawn each time
(its messages depend on the user's locale); an unbound form is not even built.
"""

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django import forms
from django.http import QueryDict
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from backoffice.html_text import escaped, safe

# The grids' parameters that are not filters: the form never draws them.
NOT_FILTERS = frozenset({"page", "sort", "per_page", "cols", "view", "after", "before"})


class DrawnFilterSet(Protocol):
    """What the markup is drawn from: a `backoffice.filtersets.GridFilterSet`."""

    is_bound: bool
    data: QueryDict
    filters: Mapping[str, Any]
    form_prefix: str | None

    @property
    def form(self) -> forms.Form: ...

    @property
    def form_class_key(self) -> Hashable | None: ...


@dataclass(frozen=True)
class FilterFormHtml:
    search_id: str  # the search box's id, for its label
    search: SafeString  # the search box
    fields: SafeString  # the other fields, each in its box


_DRAWN: dict[Hashable, FilterFormHtml] = {}
_MAX_DRAWN = 512


def filter_form_html(filterset: DrawnFilterSet, *, search: str = "q") -> FilterFormHtml:
    # A bound form was validated for the rows (`filterset.qs`): with errors it is drawn, its
    # messages in the user's words; an unbound one has none, and is not built when kept.
    if filterset.is_bound and filterset.form.errors:
        return _drawn(filterset.form, search)
    key = _drawn_key(filterset, search)
    if key is None:
        return _drawn(filterset.form, search)
    if (drawn := _DRAWN.get(key)) is None:
        if len(_DRAWN) >= _MAX_DRAWN:
            _DRAWN.clear()  # a bound on memory, not a policy: drawn again on the next ask
        drawn = _DRAWN[key] = _drawn(filterset.form, search)
    return drawn


def _drawn(form: forms.Form, search: str) -> FilterFormHtml:
    return FilterFormHtml(
        search_id=form[search].id_for_label,
        search=safe(str(form[search])),
        fields=filter_fields_html(form, skip=search),
    )


def _drawn_key(filterset: DrawnFilterSet, search: str) -> Hashable | None:
    """What the form's markup is drawn from: its class (`form_class_key`: the filters and
    their choices), whether it is bound and to which values, its prefix and the language of
    its labels. None when the class can't be compared (drawn each time)."""
    form_class = filterset.form_class_key
    if form_class is None:
        return None
    typed = tuple(
        (name, tuple(values))
        for name, values in filterset.data.lists()
        if name in filterset.filters or name not in NOT_FILTERS
    )
    return (form_class, search, filterset.is_bound, typed, filterset.form_prefix, get_language())


def filter_fields_html(form: forms.Form, *, skip: str = "") -> SafeString:
    """Each field but `skip` in its compact box, as `{% for field in form %}<div class="field
    field--compact{% if field.errors %} has-error{% endif %}">…{% endfor %}` wrote them."""
    return safe("".join(_field(field) for field in form if field.name != skip))


def _field(field: forms.BoundField) -> str:
    errors = field.errors
    css = "field field--compact has-error" if errors else "field field--compact"
    messages = "".join(f'<p class="field__error">{escaped(error)}</p>' for error in errors)
    return (
        f'\n    <div class="{css}">'
        f'\n      <label for="{escaped(field.id_for_label)}">{escaped(field.label)}</label>'
        f"\n      {field}"
        f"\n      {messages}"
        "\n    </div>\n    "
    )
