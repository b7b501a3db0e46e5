"""The grids' toolbar: the total, the page size, the column chooser and the saved views menu.
Read only; built from what the view has, and written here in Python (`grid_context`'s
`grid_toolbar`), as the rows are: drawn by a template include it was the largest part of the
order list's template (0.54 ms of a 20-row page, issue 21; bench/README.md "Sixth sitting")."""

from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse
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
from backoffice.html_text import escaped, safe
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
    """What a grid page's template needs around its rows: the toolbar (`grid_toolbar`), the
    total and its label (the mass-action bar says it), the page size and the column choices
    (the filter form keeps them)."""
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
    total_label = total.label(noun, noun.removesuffix("s"))
    choices = [
        {
            "key": c.key,
            "label": strip_tags(str(c.label)),
            "checked": c.key in shown,
            "required": c.required,
        }
        for c in grid.columns
    ]
    toolbar = "".join(
        (
            f'<div class="grid-toolbar" data-grid="{escaped(grid.name)}">',
            _count(total, total_label),
            _settings_form(kept, per_page=per_page, choices=choices),
            _views_menu(request, grid=grid, views=views, active=active, query=state.urlencode()),
            _export_link(export_url),
            "</div>",
        )
    )
    return {
        "total": total,
        "total_label": total_label,
        "per_page": per_page,  # the filter form keeps the page size and the chosen columns
        "column_choices": choices,
        "grid_toolbar": safe(toolbar),
    }


def _count(total: RowCount, label: str) -> str:
    explanation = total.explanation()
    title = f' title="{escaped(explanation)}"' if explanation else ""
    return f'<p class="grid-toolbar__count" data-testid="grid-count"{title}>{escaped(label)}</p>'


def _settings_form(
    kept: list[tuple[str, str]], *, per_page: int, choices: list[dict[str, Any]]
) -> str:
    """Rows per page and the column chooser: one GET form that keeps the filters and sort."""
    hidden = "".join(
        f'<input type="hidden" name="{escaped(name)}" value="{escaped(value)}">'
        for name, value in kept
    )
    sizes = "".join(
        f'<option value="{size}"{" selected" if size == per_page else ""}>{size}</option>'
        for size in PAGE_SIZES
    )
    boxes = "".join(_column_box(choice) for choice in choices)
    return (
        '<form class="grid-toolbar__settings" method="get" aria-label="Rows and columns">'
        f"{hidden}"
        '<label class="grid-toolbar__label" for="grid-per-page">Rows per page</label>'
        f'<select id="grid-per-page" name="per_page" class="grid-toolbar__select">{sizes}</select>'
        '<details class="grid-menu">'
        '<summary class="btn btn--secondary btn--sm">Columns</summary>'
        '<fieldset class="grid-menu__panel">'
        '<legend class="grid-menu__title">Visible columns</legend>'
        f"{boxes}"
        '<button type="submit" class="btn btn--primary btn--sm">Show these columns</button>'
        "</fieldset></details>"
        '<button type="submit" class="btn btn--secondary btn--sm">Apply</button>'
        "</form>"
    )


def _column_box(choice: dict[str, Any]) -> str:
    key, required = escaped(choice["key"]), choice["required"]
    # A disabled box is not submitted: a hidden field keeps the required column.
    kept = f'<input type="hidden" name="cols" value="{key}">' if required else ""
    css = "check is-disabled" if required else "check"
    state = (" checked" if choice["checked"] else "") + (" disabled" if required else "")
    return (
        f'{kept}<label class="{css}"><input type="checkbox" name="cols" value="{key}"{state}>'
        f" {escaped(choice['label'])}</label>"
    )


def _views_menu(
    request: HttpRequest,
    *,
    grid: GridSpec,
    views: list[SavedView],
    active: SavedView | None,
    query: str,
) -> str:
    """The saved views: open one, rename or delete one's own, save what the grid shows."""
    csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escaped(get_token(request))}">'
    current = f': <span data-testid="active-view">{escaped(active.name)}</span>' if active else ""
    items = "".join(_view_item(request, view, active=active, csrf=csrf) for view in views)
    listed = (
        f'<ul class="grid-views" aria-label="Saved views">{items}</ul>'
        if views
        else '<p class="muted small">No saved views yet.</p>'
    )
    own_default = active is not None and active.is_default and active.user_id == request.user.pk
    share = (
        '<label class="check"><input type="checkbox" name="shared"> Share with everyone</label>'
        if can_share_views(request.user)
        else ""
    )
    save_url = escaped(reverse("saved_view_save", args=[grid.name]))
    return (
        '<details class="grid-menu grid-menu--views">'
        f'<summary class="btn btn--secondary btn--sm">Views{current}</summary>'
        '<div class="grid-menu__panel grid-menu__panel--wide">'
        f"{listed}"
        f'<form class="grid-views__save" method="post" action="{save_url}">{csrf}'
        f'<input type="hidden" name="query" value="{escaped(query)}">'
        '<div class="field field--compact"><label for="saved-view-name">View name</label>'
        '<input id="saved-view-name" name="name" maxlength="80" required'
        f' value="{escaped(active.name if active else "")}"></div>'
        '<label class="check"><input type="checkbox" name="is_default"'
        f"{' checked' if own_default else ''}> Open by default</label>"
        f"{share}"
        '<button type="submit" class="btn btn--primary btn--sm">Save view</button>'
        '<p class="field__help">Saves the filters, sort, rows per page and columns. A name you'
        " already use is updated.</p>"
        "</form></div></details>"
    )


def _view_item(
    request: HttpRequest, view: SavedView, *, active: SavedView | None, csrf: str
) -> str:
    name = escaped(view.name)
    current = ' aria-current="true"' if active is not None and active.pk == view.pk else ""
    mine = view.user_id == request.user.pk
    tags = ('<span class="tag">default</span>' if view.is_default and mine else "") + (
        '<span class="tag tag--kind">shared</span>' if view.shared_with_everyone else ""
    )
    if mine:
        rename = escaped(reverse("saved_view_rename", args=[view.pk]))
        delete = escaped(reverse("saved_view_delete", args=[view.pk]))
        actions = (
            '<span class="grid-views__actions">'
            f'<a class="btn btn--ghost btn--sm" href="{rename}" aria-label="Rename view {name}">'
            "Rename</a>"
            f'<form method="post" action="{delete}">{csrf}<button type="submit"'
            f' class="btn btn--ghost btn--sm" aria-label="Delete view {name}">Delete</button>'
            "</form></span>"
        )
    else:
        actions = f'<span class="muted small">by {escaped(view.user.get_username())}</span>'
    return (
        f'<li class="grid-views__item"><a href="{escaped(view_url(view))}"{current}>{name}</a>'
        f"{tags}{actions}</li>"
    )


def _export_link(url: str) -> str:
    if not url:
        return ""
    return f'<a class="btn btn--secondary btn--sm" href="{escaped(url)}" download>Export CSV</a>'
