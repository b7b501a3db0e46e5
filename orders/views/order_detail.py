from typing import TYPE_CHECKING

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from backoffice.decorators import staff_required
from backoffice.http import StaffRequest
from orders import selectors
from orders.forms import OrderCommentForm
from orders.models import Order
from orders.services.comments import comment_access

if TYPE_CHECKING:  # django-stubs-ext is a development dependency only
    from django_stubs_ext import WithAnnotations

PAGE_TEMPLATE = "orders/order_detail.html"


def order_page_context(
    request: StaffRequest,
    order: "WithAnnotations[Order, selectors.CommentCount]",
    *,
    comment_form: OrderCommentForm | None = None,
) -> dict[str, object]:
    """Everything the order page template (and each of its partials) reads.

    `order` comes from `selectors.order_detail` (its prefetches and comment count).
    """
    addresses = selectors.addresses_by_kind(order)
    # "Show all" without JavaScript: the page again with every row of that list.
    all_comments = request.GET.get("comments") == "all"
    all_transactions = request.GET.get("transactions") == "all"
    now = timezone.now()  # one moment for every figure of the page
    return {
        "order": order,
        "store": order.store,
        "money": selectors.order_money_summary(order=order, now=now),
        "payment_cards": selectors.payment_cards(order=order, now=now),
        "billing_address": addresses.get("billing"),
        "shipping_address": addresses.get("shipping"),
        "comments": selectors.order_comment_rows(
            order=order, show_all=all_comments, total=order.comment_count
        ),
        "transactions": selectors.detail_transaction_rows(order, show_all=all_transactions),
        "comment_form": comment_form or OrderCommentForm(),
        "comment_access": comment_access(user=request.user, store=order.store),
        "now": now,
    }


@staff_required
@require_safe
def order_detail(request: StaffRequest, number: str) -> HttpResponse:
    """The order page; `?comments=all` / `?transactions=all` list every row (no JavaScript)."""
    order = selectors.order_detail(user=request.user, number=number)
    return render(request, PAGE_TEMPLATE, order_page_context(request, order))


@staff_required
@require_safe
def order_comments_panel(request: StaffRequest, number: str) -> HttpResponse:
    """htmx: Comments History's list, every comment with `?all=1` ("Show all")."""
    order = selectors.order_with_store(user=request.user, number=number)
    show_all = request.GET.get("all") == "1"
    if not request.htmx:
        return redirect(f"{order.get_absolute_url()}{'?comments=all' * show_all}#comments")
    context = {
        "order": order,
        "store": order.store,
        "comments": selectors.order_comment_rows(order=order, show_all=show_all),
    }
    return render(request, f"{PAGE_TEMPLATE}#comments_timeline", context)


@staff_required
@require_safe
def order_transactions_panel(request: StaffRequest, number: str) -> HttpResponse:
    """htmx: the Transactions tab's panel, every transaction with `?all=1` ("Show all")."""
    order = selectors.order_with_store(user=request.user, number=number)
    show_all = request.GET.get("all") == "1"
    if not request.htmx:
        query = "?transactions=all" * show_all
        return redirect(f"{order.get_absolute_url()}{query}#transactions")
    context = {
        "order": order,
        "store": order.store,
        "transactions": selectors.order_transaction_rows(order=order, show_all=show_all),
    }
    return render(request, f"{PAGE_TEMPLATE}#transactions", context)
