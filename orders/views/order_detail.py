from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from backoffice.decorators import staff_required
from orders import selectors
from orders.forms import OrderCommentForm
from orders.models import Order
from orders.services.comments import comment_access

PAGE_TEMPLATE = "orders/order_detail.html"


def order_page_context(
    request: HttpRequest, order: Order, *, comment_form: OrderCommentForm | None = None
) -> dict:
    """Everything the order page template (and each of its partials) reads."""
    addresses = selectors.addresses_by_kind(order)
    return {
        "order": order,
        "store": order.store,
        "money": selectors.order_money_summary(order=order),
        "billing_address": addresses.get("billing"),
        "shipping_address": addresses.get("shipping"),
        "comments": order.comments.all(),
        "comment_form": comment_form or OrderCommentForm(),
        "comment_access": comment_access(user=request.user, store=order.store),
        "now": timezone.now(),
    }


@staff_required
@require_safe
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    order = selectors.order_detail(user=request.user, number=number)
    return render(request, PAGE_TEMPLATE, order_page_context(request, order))
