"""`{% outstanding_panel %}`: what the order page offers for its Outstanding amount.

Positive (to collect): Authorize the difference, on the payment method on file (Mark as paid is
the header's button; the payment links' panel sits next to this one). Negative (to refund):
Refund the difference, Transaction Details' Refund of a capture pre-filled with it
(`orders.outstanding.refund_difference`). Each button is a registry's answer: disabled, with
its reason, when unavailable.
"""

from django import template

from orders.forms_invoice import ConfirmForm
from orders.operations import OrderOperation, order_operation_availability
from orders.outstanding import refund_difference
from orders.templatetags.order_operations import ORDER_PANELS

register = template.Library()


@register.inclusion_tag("orders/_outstanding_panel.html", takes_context=True)
def outstanding_panel(context: template.Context) -> dict:
    request, order, figures = context["request"], context["order"], context["money"]
    kind = figures.outstanding_kind
    context_out = {
        "order": order,
        "figures": figures,
        "kind": kind,
        "csrf_token": context.get("csrf_token"),
        "panels": ORDER_PANELS,
    }
    if kind == "to_collect":
        context_out["authorize"] = order_operation_availability(
            user=request.user, order=order, operation=OrderOperation.AUTHORIZE_DIFFERENCE
        )
        context_out["authorize_form"] = ConfirmForm(order=order)
    elif kind == "to_refund":
        context_out["refund"] = refund_difference(
            user=request.user, order=order, amount=figures.outstanding_abs
        )
    return context_out
