from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from backoffice.decorators import staff_required
from orders import selectors


@staff_required
def order_list(request: HttpRequest) -> HttpResponse:
    result = selectors.order_list_page(user=request.user, params=request.GET)
    return render(
        request,
        "orders/order_list.html",
        {"filterset": result.filterset, "page": result.page, "sort": result.sort},
    )
