"""Orders with paid invoices (real sandbox captures) for the credit memo tests."""

from orders.enums import CaptureMode, RefundMode
from orders.models import CreditMemo, Invoice, Order, OrderItem
from orders.services.credit_memo_create import credit_memo_create
from orders.services.invoicing import invoice_create
from payments.models import Payment
from tests.orders.invoice_helpers import authorizations, fresh, key, order_with_items
from tests.payments.money_helpers import staff


def refunder(username: str = "refunder", codenames: list[str] | None = None):
    """Staff holding every operation permission (or only `codenames`)."""
    return staff(username, codenames)


def paid_invoice(
    *, qty: int = 2, invoice_qty: int | None = None, auths: tuple[int, ...] | None = None, **fields
) -> tuple[Order, OrderItem, Invoice, list[Payment]]:
    """2 × 56.00 + 10.00 shipping, invoiced (`invoice_qty`, default all) and captured online.

    `auths`: the authorizations (default one covering the grand total); (6100, 6100) is the
    X-Payments case, where an invoice's capture spreads over both.
    """
    order, item = order_with_items(qty=qty, **fields)
    payments = authorizations(order, *(auths or (order.grand_total,)))
    for payment, last4 in zip(payments, ["4242", "1111", "0005"], strict=False):
        payment.card_brand, payment.card_last4 = "visa", last4
        payment.save(update_fields=["card_brand", "card_last4"])
    invoice = invoice_create(
        order=order,
        user=staff("invoicer"),
        quantities={item.pk: invoice_qty or qty},
        capture_mode=CaptureMode.ONLINE,
        expected_version=fresh(order).version,
        idempotency_key=key(),
    ).invoice
    assert invoice.amount_paid == invoice.grand_total
    return fresh(order), OrderItem.objects.get(pk=item.pk), invoice, payments


def create_memo(order: Order, invoice: Invoice | None, user, **kwargs):
    kwargs.setdefault("mode", RefundMode.ONLINE)
    return credit_memo_create(
        order=order,
        user=user,
        invoice=invoice,
        expected_version=kwargs.pop("version", None) or fresh(order).version,
        idempotency_key=kwargs.pop("idempotency_key", None) or key(),
        **kwargs,
    )


def memo(number: str) -> CreditMemo:
    return CreditMemo.objects.select_related("order", "invoice").get(number=number)
