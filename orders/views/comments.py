from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from backoffice.decorators import operation_view, staff_required
from backoffice.errors import DomainError, raise_for_http
from backoffice.http import StaffRequest
from orders import selectors
from orders.forms import OrderCommentForm
from orders.models import Order
from orders.services.comments import CommentAccess, comment_access, order_comment_add
from orders.views.order_detail import PAGE_TEMPLATE, order_page_context

COMMENTS_PANEL = f"{PAGE_TEMPLATE}#comments_history"


@staff_required
@operation_view("comment_order")
@require_POST
def order_comment_add_view(request: StaffRequest, number: str) -> HttpResponse:
    order = selectors.order_for_update(user=request.user, number=number)
    access = comment_access(user=request.user, store=order.store)
    _check(access, notify_customer=False)
    form = OrderCommentForm(request.POST)
    if not form.is_valid():
        return _render_invalid(request, order, form)
    _check(access, notify_customer=form.cleaned_data["notify_customer"])
    order_comment_add(
        order=order,
        author=request.user,
        body=form.cleaned_data["body"],
        notify_customer=form.cleaned_data["notify_customer"],
        visible_on_front=form.cleaned_data["visible_on_front"],
    )
    if request.htmx:
        return _render_panel(request, order, notice="Comment added.")
    messages.success(request, "Comment added.")
    return redirect(f"{order.get_absolute_url()}#comments")


def _check(access: CommentAccess, *, notify_customer: bool) -> None:
    """A missing permission is Django's 403, with the reason the form shows."""
    try:
        access.check(notify_customer=notify_customer)
    except DomainError as error:
        raise_for_http(error)
        raise


def _render_panel(
    request: StaffRequest, order: Order, *, form: OrderCommentForm | None = None, notice: str = ""
) -> HttpResponse:
    """Only the Comments History panel, for htmx to swap in place."""
    context = {
        "order": order,
        "comments": selectors.order_comment_rows(order=order),
        "comment_form": form or OrderCommentForm(),
        "comment_access": comment_access(user=request.user, store=order.store),
        "comment_notice": notice,
    }
    return render(request, COMMENTS_PANEL, context, status=422 if form else 200)


def _render_invalid(request: StaffRequest, order: Order, form: OrderCommentForm) -> HttpResponse:
    """The form again with its errors; nothing was written."""
    if request.htmx:
        return _render_panel(request, order, form=form)
    order = selectors.order_detail(user=request.user, number=order.number)
    context = {**order_page_context(request, order, comment_form=form), "active_tab": "comments"}
    return render(request, PAGE_TEMPLATE, context, status=422)
