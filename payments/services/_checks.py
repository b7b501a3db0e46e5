"""Checks shared by several operations, run under the order lock (see `MoneyRequest.check`)."""

from collections.abc import Callable

from django.db.models import Sum

from backoffice.errors import DomainError, ErrorCode
from backoffice.money import format_money
from orders.models import CreditMemo, Invoice, Order
from payments.enums import PAID_TYPES, TransactionStatus, TransactionType
from payments.models import Payment, Transaction

T = TransactionType
COUNTED = [TransactionStatus.SUCCESS, TransactionStatus.PENDING, TransactionStatus.UNKNOWN]

Check = Callable[[Order, Payment | None, int], None]


def _total(**filters: object) -> int:
    return Transaction.objects.filter(**filters).aggregate(t=Sum("amount"))["t"] or 0


def _linked(invoice: Invoice) -> int:
    """Money of captures without an invoice that the recompute linked to this one."""
    return invoice.capture_links.aggregate(t=Sum("amount"))["t"] or 0


def _exceeds(message: str) -> DomainError:
    return DomainError(ErrorCode.AMOUNT_EXCEEDS, message, field="amount")


def _same_order(document: Invoice | CreditMemo, order: Order) -> None:
    if document.order_id != order.pk:
        raise DomainError(ErrorCode.NOT_AVAILABLE, f"{document} belongs to another order.")


def invoice_payment_cap(invoice: Invoice | None) -> Check | None:
    """Money collected for an invoice never exceeds its total (pending collections count)."""
    if invoice is None:
        return None

    def check(order: Order, payment: Payment | None, amount: int) -> None:
        fresh = Invoice.objects.get(pk=invoice.pk)
        _same_order(fresh, order)
        taken = _total(invoice=fresh, type__in=PAID_TYPES, status__in=COUNTED) + _linked(fresh)
        left = fresh.grand_total - taken
        if amount > left:
            raise _exceeds(
                f"{fresh} has only {format_money(max(left, 0), order.currency)} left to pay."
            )

    return check


def refund_documents_cap(invoice: Invoice | None, credit_memo: CreditMemo | None) -> Check | None:
    """A refund never gives back more than its invoice collected or its credit memo's total."""
    if invoice is None and credit_memo is None:
        return None

    def check(order: Order, payment: Payment | None, amount: int) -> None:
        if invoice is not None:
            fresh = Invoice.objects.get(pk=invoice.pk)
            _same_order(fresh, order)
            paid = _total(invoice=fresh, type__in=PAID_TYPES, status=TransactionStatus.SUCCESS)
            paid += _linked(fresh)
            refunded = _total(invoice=fresh, type=T.REFUND, status__in=COUNTED)
            if amount > paid - refunded:
                money = format_money(max(paid - refunded, 0), order.currency)
                raise _exceeds(f"{fresh} has only {money} left to refund.")
        if credit_memo is not None:
            memo = CreditMemo.objects.get(pk=credit_memo.pk)
            _same_order(memo, order)
            left = memo.grand_total - _total(credit_memo=memo, type=T.REFUND, status__in=COUNTED)
            if amount > left:
                money = format_money(max(left, 0), order.currency)
                raise _exceeds(f"{memo} has only {money} left to refund.")

    return check
