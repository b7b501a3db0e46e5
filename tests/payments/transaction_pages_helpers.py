"""Data helpers for the transaction page tests."""

from backoffice.models import Store
from payments.enums import TransactionStatus, TransactionType
from payments.models import Payment, Transaction
from tests.factories import OrderFactory, PaymentFactory, StoreFactory
from tests.orders.view_helpers import add_txn


def make_txn(
    *,
    payment: Payment | None = None,
    type: str = TransactionType.AUTHORIZATION,
    status: str = TransactionStatus.SUCCESS,
    amount: int = 6100,
    parent: Transaction | None = None,
    recompute: bool = True,
    **fields,
) -> Transaction:
    payment = payment or (parent.payment if parent else PaymentFactory())
    return add_txn(
        payment, type, amount, parent=parent, status=status, recompute=recompute, **fields
    )


def authorized_payment(*, amount: int = 6100, store: Store | None = None, **order_fields):
    """An order with one sandbox authorization of `amount`; returns the PA transaction."""
    store = store or StoreFactory()
    order = OrderFactory(store=store, **order_fields)
    payment = PaymentFactory(order=order, amount_requested=amount)
    return make_txn(
        payment=payment,
        amount=amount,
        gateway_reference=payment.gateway_reference,
        gateway_response={"result": "approved", "reference": payment.gateway_reference},
    )
