"""The transaction grid: search, filters, keyset pages, a bounded total, page sizes, columns
and saved views."""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from backoffice.counting import count_page_rows
from backoffice.decorators import staff_required
from backoffice.grid_toolbar import grid_context
from backoffice.grids import PER_PAGE_PARAM, VIEW_PARAM, parse_per_page
from backoffice.http import StaffRequest
from backoffice.saved_views.selectors import active_view, default_view, saved_views_for, view_url
from payments import selectors
from payments.filters import TransactionFilter
from payments.grid import TRANSACTION_GRID, TRANSACTIONS_PER_PAGE, with_cells

PER_PAGE = TRANSACTIONS_PER_PAGE  # when `?per_page=` names none of the sizes offered


@staff_required
@require_safe
def transaction_list(request: StaffRequest) -> HttpResponse:
    """Bare, it opens the person's default view."""
    views = saved_views_for(user=request.user, grid=TRANSACTION_GRID.name)
    if not request.GET and (default := default_view(views, user=request.user)):
        return redirect(view_url(default))
    stores = selectors.stores_visible(user=request.user)
    filterset = TransactionFilter(
        request.GET or None,
        queryset=selectors.transaction_list(user=request.user),
        user=request.user,
        stores=stores,
    )
    per_page = parse_per_page(request.GET.get(PER_PAGE_PARAM), default=PER_PAGE)
    page = selectors.keyset_page(
        filterset.qs,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        per_page=per_page,
    )
    columns = TRANSACTION_GRID.columns_of(request.GET)
    if len(stores) < 2:  # one store: its column says nothing
        columns = [c for c in columns if c.key != "store"]
    selectors.with_stores(page.rows, stores=stores)
    with_cells(page.rows, columns)
    total = count_page_rows(
        filterset.qs,
        shown=len(page.rows),
        first_page=page.is_first,
        complete=page.next_cursor is None,
    )
    context = {
        "filter": filterset,
        "page": page,
        "columns": columns,
        "can_export": selectors.user_can_export(user=request.user),
        "show_store": len(stores) > 1,
        **grid_context(
            request,
            grid=TRANSACTION_GRID,
            views=views,
            active=active_view(views, request.GET.get(VIEW_PARAM)),
            columns=columns,
            per_page=per_page,
            total=total,
            noun="transactions",
        ),
    }
    # The filter form swaps only the results; a full navigation gets the whole page.
    template = "payments/transaction_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)
