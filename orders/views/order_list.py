from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from backoffice.decorators import staff_required
from backoffice.http import StaffRequest
from orders import selectors


@staff_required
@require_safe
def order_list(request: StaffRequest) -> HttpResponse:
    result = selectors.order_list_page(user=request.user, params=request.GET)
    return render(
        request,
        "orders/order_list.html",
        {"filterset": result.filterset, "page": result.page, "sort": result.sort},
    )
