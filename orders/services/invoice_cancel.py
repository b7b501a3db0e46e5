"""Cancel an open invoice nothing was captured for: its items can be invoiced again.

No money moves, so it is one atomic step under the order lock: the stale-form check, the
operations registry (Cancel on the invoice), the invoice canceled, item counters, version and
history.
"""

from django.contrib.auth.models import User
from django.db import transaction

from backoffice.availability import ensure
from backoffice.money import format_money
from orders.enums import InvoiceState
from orders.history import comment_invoice
from orders.models import Invoice
from orders.operations import InvoiceOperation, invoice_operation_availability
from orders.services.order_documents import (
    bump_version,
    check_version,
    items_qty_invoiced_refresh,
)
from payments.locks import lock_order_and_payments


def invoice_cancel(
    *, invoice: Invoice, user: User, expected_version: int, idempotency_key: str
) -> Invoice:
    """Cancel an open invoice nothing was captured for: its items can be invoiced again.

    Locks the order. Raises StaleOrder or OperationUnavailable (nothing written).
    """
    with transaction.atomic(durable=True):
        order, _payments = lock_order_and_payments(invoice.order_id)
        invoice = Invoice.objects.get(pk=invoice.pk)
        if invoice.state == InvoiceState.CANCELED:
            return invoice  # a double submit: already done
        invoice.order = order
        check_version(order, expected_version)
        ensure(
            invoice_operation_availability(
                user=user, invoice=invoice, operation=InvoiceOperation.CANCEL
            )
        )
        invoice.state = InvoiceState.CANCELED
        invoice.save(update_fields=["state"])
        items_qty_invoiced_refresh(order)
        bump_version(order)
        comment_invoice(
            order=order,
            invoice=invoice,
            author=user,
            body=f"Invoice #{invoice.number} for "
            f"{format_money(invoice.grand_total, order.currency)} canceled; "
            "its items can be invoiced again.",
        )
    return invoice
