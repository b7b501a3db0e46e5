"""What the grids' toolbar draws (`templates/grid/_toolbar.html`): the total, the page size,
the column chooser and the saved views menu. Read only; built from what the view has."""

from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest
from django.utils.html import strip_tags

from backoffice.counting import RowCount
from backoffice.grids import (
    COLUMNS_PARAM,
    PAGE_SIZES,
    PER_PAGE_PARAM,
    TRANSIENT_PARAMS,
    Column,
    GridSpec,
)
from backoffice.saved_view_models import SavedView
from backoffice.saved_views.selectors import can_share_views, view_url


def grid_context(
    request: HttpRequest,
    *,
    grid: GridSpec,
    views: list[SavedView],
    active: SavedView | None,
    columns: Sequence[Column],
    per_page: int,
    total: RowCount,
    noun: str,
    export_url: str = "",
) -> dict[str, Any]:
    params = request.GET
    shown = {c.key for c in columns}
    # The toolbar's form resubmits the filters and sort as they are, with a new page size
    # and columns; a new page size starts at the first page.
    kept = [
        (name, value)
        for name, values in params.lists()
        if name not in TRANSIENT_PARAMS | {PER_PAGE_PARAM, COLUMNS_PARAM}
        for value in values
    ]
    state = params.copy()
    for name in TRANSIENT_PARAMS:
        state.pop(name, None)
    return {
        "grid_name": grid.name,
        "total": total,
        "total_label": total.label(noun, noun.removesuffix("s")),
        "export_url": export_url,
        "grid_views": [
            {
                "view": v,
                "url": view_url(v),
                "mine": v.user_id == request.user.pk,
                "owner": v.user.get_username(),
            }
            for v in views
        ],
        "active_view": active,
        "can_share_views": can_share_views(request.user),
        "page_sizes": PAGE_SIZES,
        "per_page": per_page,
        "column_choices": [
            {
                "key": c.key,
                "label": strip_tags(str(c.label)),
                "checked": c.key in shown,
                "required": c.required,
            }
            for c in grid.columns
        ],
        "kept_params": kept,
        "view_query": state.urlencode(),
    }
