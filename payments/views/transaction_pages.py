from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


@login_required
def transaction_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("transactions")


@login_required
def transaction_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    return HttpResponse(str(uuid))
