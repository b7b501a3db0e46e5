from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("orders")


@login_required
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    return HttpResponse(number)


@login_required
def order_comment_add(request: HttpRequest, number: str) -> HttpResponse:
    return HttpResponse(number)
