"""`{% invoice_credit_memo_action %}`: the invoice page's Credit Memo button and what is left to
refund, drawn from the operations registry (disabled with its reason, never hidden)."""

from django import template
from django.db.models import prefetch_related_objects

from orders.operations import InvoiceOperation, invoice_operation_availability
from orders.order_amounts import refund_facts
from orders.refundable import invoice_refund_limit

register = template.Library()


@register.inclusion_tag("orders/_credit_memo_action.html", takes_context=True)
def invoice_credit_memo_action(context: template.Context) -> dict:
    request, invoice = context["request"], context["invoice"]
    order = invoice.order
    # The registry and the limit read the same rows: one query each for the whole page.
    prefetch_related_objects([order], "transactions", "credit_memos")
    rows, memos = refund_facts(order)
    return {
        "order": order,
        "invoice": invoice,
        "availability": invoice_operation_availability(
            user=request.user, invoice=invoice, operation=InvoiceOperation.CREDIT_MEMO
        ),
        "limit": invoice_refund_limit(invoice=invoice, order=order, rows=rows, memos=memos),
    }
