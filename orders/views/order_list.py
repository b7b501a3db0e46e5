from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from backoffice.decorators import staff_required
from backoffice.grid_toolbar import grid_context
from backoffice.grids import VIEW_PARAM
from backoffice.http import StaffRequest
from backoffice.saved_views.selectors import (
    active_view,
    default_view,
    saved_views_for,
    view_url,
)
from orders import list_selectors
from orders.exports import EXPORT_PERMISSION
from orders.filters import short_search_term
from orders.grid import ORDER_GRID, rows_html
from orders.mass.actions import mass_action_menu
from orders.mass.bar import mass_bar_html
from orders.order_urls import order_url


@staff_required
@require_safe
def order_list(request: StaffRequest) -> HttpResponse:
    """The order grid. Bare, it opens the person's default view; a search naming one order
    exactly by its number opens that order."""
    # The order's URL as such (`redirect` would first try it as a URL name).
    if number := list_selectors.exact_number_searched(user=request.user, params=request.GET):
        return HttpResponseRedirect(order_url("orders:detail", number))
    views = saved_views_for(user=request.user, grid=ORDER_GRID.name) if not request.GET else None
    if views and (default := default_view(views, user=request.user)):
        return redirect(view_url(default))
    result = list_selectors.order_list_page(user=request.user, params=request.GET)
    if result.exact_number:  # before the saved views are read: a redirect needs none
        return HttpResponseRedirect(order_url("orders:detail", result.exact_number))
    if views is None:
        views = saved_views_for(user=request.user, grid=ORDER_GRID.name)
    columns = ORDER_GRID.columns_of(request.GET)
    mass_menu = mass_action_menu(request.user)
    grid = grid_context(
        request,
        grid=ORDER_GRID,
        views=views,
        active=active_view(views, request.GET.get(VIEW_PARAM)),
        columns=columns,
        per_page=result.page.per_page,
        total=result.total,
        noun="orders",
        export_url=_export_url(request),
    )
    context = {
        "mass_menu": mass_menu,
        "mass_bar": mass_bar_html(
            request, menu=mass_menu, page=result.page, total_label=grid["total_label"]
        ),
        "filterset": result.filterset,
        "short_search": short_search_term(request.GET),
        "page": result.page,
        "sort": result.sort,
        "columns": columns,
        "rows": rows_html(result.page.rows, columns, selectable=bool(mass_menu)),
        **grid,
    }
    return render(request, "orders/order_list.html", context)


def _export_url(request: StaffRequest) -> str:
    """Export CSV of what the grid shows, for a person who may export from some store."""
    if not list_selectors.user_can_export(user=request.user, codename=EXPORT_PERMISSION):
        return ""
    query = request.GET.copy()
    for name in ("page", "view"):
        query.pop(name, None)
    return f"{reverse('orders:export')}?{query.urlencode()}"
