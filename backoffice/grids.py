"""What the order and transaction grids share: page sizes, the column chooser, the query
parameters a saved view keeps. The core knows no grid's columns: each app declares its own
(`orders/grid.py`, `payments/grid.py`) as a `GridSpec`."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from django.http import QueryDict
from django.utils.safestring import SafeString

from backoffice.html_text import escaped, safe

PAGE_SIZES = (20, 50, 100, 200)
COLUMNS_PARAM = "cols"
PER_PAGE_PARAM = "per_page"
VIEW_PARAM = "view"
# Never kept in a saved view: where the person was, not what they chose.
TRANSIENT_PARAMS = frozenset({"page", "after", "before", VIEW_PARAM, "csrfmiddlewaretoken"})


def parse_per_page(value: object, *, default: int) -> int:
    """One of `PAGE_SIZES`; anything else (typed into the URL) is the grid's default."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return default
    return number if number in PAGE_SIZES else default


@dataclass(frozen=True)
class Column:
    """A grid column. `render` writes a row's cell once, in Python, so the template prints
    strings (no per-row include, no per-cell tag): HTML as a `SafeString`, text as a `str`
    (escaped)."""

    key: str
    label: str
    render: Callable[[Any], SafeString | str]
    numeric: bool = False  # right-aligned figures: the cells' class is "num"
    sort: str = ""  # the `?sort=` key when the column sorts
    help: str = ""  # the header's one-line explanation (hover)
    required: bool = False  # always shown (the row's link)
    default: bool = True  # shown until the person chooses
    css: str = ""  # the cells' class, when not "num"
    figure: str = ""  # the cells' `data-figure`: which of the order's figures they show
    # Each cell's opening tag, written once (a grid page has hundreds of cells).
    td: str = field(init=False, repr=False, compare=False, default="")

    def __post_init__(self) -> None:
        css = self.css or ("num" if self.numeric else "")
        css_attr = f' class="{escape(css)}"' if css else ""
        figure_attr = f' data-figure="{escape(self.figure)}"' if self.figure else ""
        object.__setattr__(self, "td", f"<td{css_attr}{figure_attr}>")


@dataclass(frozen=True)
class GridSpec:
    name: str  # "orders", "transactions": SavedView.grid
    url_name: str
    columns: Sequence[Column]
    default_per_page: int
    param_names: frozenset[str] = field(default_factory=frozenset)  # filters and sort

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)

    def chosen_columns(self, keys: Sequence[str]) -> list[Column]:
        """The columns named in `keys` (unknown names ignored) in the grid's own order, the
        required ones always; none named: the default columns."""
        wanted = set(keys)
        if not wanted & {c.key for c in self.columns}:
            return [c for c in self.columns if c.default or c.required]
        return [c for c in self.columns if c.required or c.key in wanted]

    def columns_of(self, params: QueryDict) -> list[Column]:
        return self.chosen_columns(params.getlist(COLUMNS_PARAM))

    def view_params(self, params: QueryDict) -> dict[str, list[str]]:
        """The filters, sort and page size a saved view keeps (non-empty values only)."""
        keep = self.param_names | {PER_PAGE_PARAM}
        return {
            name: [v for v in values if v]
            for name, values in params.lists()
            if name in keep and name not in TRANSIENT_PARAMS and any(values)
        }

    def view_columns(self, params: QueryDict) -> list[str]:
        return [c.key for c in self.columns_of(params)]


def cells_html(obj: Any, columns: Sequence[Column]) -> SafeString:
    """A row's `<td>`s in one string, as `{% for cell in cells %}<td{% if cell.css %}
    class="{{ cell.css }}"{% endif %}>{{ cell.html }}</td>{% endfor %}` would write them: a
    template loop over 500 cells cost more than rendering them."""
    return safe("".join([f"{c.td}{_html(c.render(obj))}</td>" for c in columns]))


def _html(text: SafeString | str) -> str:
    # Most cells are written as HTML already: no `__html__` lookup for them.
    return text if type(text) is SafeString else escaped(text)
