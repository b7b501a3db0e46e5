"""`{% approvals_panel %}`: the order page's requests awaiting approval (four-eyes).

Each request shows Approve and Reject, enabled or disabled with the reason the service would
give (no permission, your own request), so a button and its POST guard can't disagree. A request
past its expiry is shown as expired: the tag only reads (expire_approval_requests closes it).
"""

from django import template

from orders.approvals.selectors import order_approvals
from orders.templatetags.order_operations import ORDER_PANELS

register = template.Library()


@register.inclusion_tag("orders/_approvals_panel.html", takes_context=True)
def approvals_panel(context: template.Context) -> dict:
    request, order = context["request"], context["order"]
    return {
        "order": order,
        "store": order.store,
        # `order_detail` tells whether any request awaits: most orders need no query here.
        "rows": order_approvals(user=request.user, order=order)
        if getattr(order, "has_awaiting_approvals", True)
        else [],
        "csrf_token": context.get("csrf_token"),
        "panels": ORDER_PANELS,
    }
