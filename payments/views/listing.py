"""The transaction list: search, filters and keyset pages."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from backoffice.decorators import staff_required
from backoffice.http import StaffRequest
from payments import selectors
from payments.filters import TransactionFilter

PER_PAGE = 50


@staff_required
@require_safe
def transaction_list(request: StaffRequest) -> HttpResponse:
    stores = list(selectors.stores_visible(user=request.user))
    filterset = TransactionFilter(
        request.GET,
        queryset=selectors.transaction_list(user=request.user),
        user=request.user,
        stores=stores,
    )
    page = selectors.keyset_page(
        filterset.qs,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        per_page=PER_PAGE,
    )
    context = {
        "filter": filterset,
        "page": page,
        "can_export": selectors.user_can_export(user=request.user),
        "show_store": len(stores) > 1,
    }
    # The filter form swaps only the results; a full navigation gets the whole page.
    template = "payments/transaction_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)
