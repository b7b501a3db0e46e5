"""`{% order_action_bar %}`: the order header's buttons, drawn from the operations registry.

The registry answers for each operation whether it is available and, if not, why; this tag
only hands that answer to the template, so a button and its POST guard can't disagree.
"""

from django import template
from django.db.models import prefetch_related_objects

from orders.action_bar_html import action_button_html
from orders.forms_invoice import new_idempotency_key
from orders.operation_buttons import ActionButton, order_action_buttons
from orders.operations import OrderOperation

register = template.Library()

# The order page panels an action can change, and the tabs' counts; htmx swaps them from the
# action's response (orders/_order_panels.html draws every one of them).
ORDER_PANELS = (
    "#order-header,#order-information,#payment-information,#items-ordered,#order-totals,"
    "#invoices-panel,#credit-memos-panel,#transactions-panel,#comments-history,#approvals-panel,"
    "#invoices-tab-count,#credit-memos-tab-count,#transactions-tab-count,#comments-tab-count"
)


@register.inclusion_tag("orders/_order_action_bar.html", takes_context=True)
def order_action_bar(context: template.Context) -> dict:
    request, order = context["request"], context["order"]
    # The payments' ledger rows feed the money engine's rules: one query for all of them.
    prefetch_related_objects(list(order.payments.all()), "transactions", "gateway_account")
    buttons = order_action_buttons(user=request.user, order=order)
    token = str(context.get("csrf_token") or "")
    return {
        "order": order,
        "csrf_token": context.get("csrf_token"),
        # Each POST form gets its own one-time key (ConfirmForm's hidden input), so two actions
        # never share one; the buttons are written in Python (orders/action_bar_html.py).
        "buttons": [
            action_button_html(
                b, csrf_token=token, version=order.version, key=new_idempotency_key()
            )
            for b in buttons
        ],
        # The Refund and Mark as paid dialogs' forms are fetched (htmx GET of their pages'
        # URLs) only when a dialog opens, so the buttons' states come from the registry's cheap
        # answers (permission, order state, anything left to refund or to pay).
        "refund_allowed": _allowed(buttons, OrderOperation.REFUND),
        "mark_as_paid_allowed": _allowed(buttons, OrderOperation.MARK_AS_PAID),
        "panels": ORDER_PANELS,
    }


def _allowed(buttons: list[ActionButton], operation: OrderOperation) -> bool:
    return next(b for b in buttons if b.key == operation).allowed
