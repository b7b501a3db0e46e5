"""What the orders layer does when payments moves money: `payments.hooks.OrderHooks`.

Registered once in `OrdersConfig.ready()`. Every method runs under the order → payments lock,
in the transaction that writes the ledger rows it is told about.
"""

from collections.abc import Mapping, Sequence

from django.contrib.auth.models import User

from orders.enums import CommentKind, CommentSource
from orders.history import comment_money
from orders.models import Invoice, Order
from orders.services.approval_asks import transaction_approval, transaction_approval_reason
from orders.services.checkout import CHECKOUT_KINDS, checkout_payment_comments
from orders.services.credit_memo_settle import credit_memo_follow_outcome
from orders.services.invoice_recompute import invoices_recompute
from orders.services.invoicing import invoice_follow_outcome
from orders.services.money_state import order_state_sync
from payments.enums import TransactionSource, TransactionType
from payments.hooks import ApprovalAsk, AwaitingApproval, Recorded
from payments.models import Payment, Transaction
from payments.services import result_of

T = TransactionType

COMMENT_KINDS = {
    T.AUTHORIZATION: CommentKind.AUTHORIZATION,
    T.DEBIT: CommentKind.AUTHORIZATION,
    T.CAPTURE: CommentKind.CAPTURE,
    T.REBILL: CommentKind.CAPTURE,
    T.MANUAL: CommentKind.CAPTURE,
    T.REVERSAL: CommentKind.VOID,
    T.REFUND: CommentKind.REFUND,
    T.CHARGEBACK: CommentKind.CHARGEBACK,
    T.CHARGEBACK_REVERSAL: CommentKind.CHARGEBACK,
}
_SOURCES = {
    TransactionSource.UI: CommentSource.UI,
    TransactionSource.BATCH: CommentSource.BATCH,
    TransactionSource.API: CommentSource.API,
    TransactionSource.WEBHOOK: CommentSource.GATEWAY,
    TransactionSource.IMPORT: CommentSource.SYSTEM,
}


def is_checkout_record(txn: Transaction, how: Recorded) -> bool:
    """A checkout payment recorded after the fact (`payment_record_checkout`): the gateway
    accepted it online, we only write it down."""
    return txn.type in CHECKOUT_KINDS and txn.is_online and not how.from_gateway


def comment_source(txn: Transaction, *, from_gateway: bool) -> str:
    """Gateway answers are the gateway's messages; offline records come from whoever acted."""
    if from_gateway:
        return CommentSource.GATEWAY
    return _SOURCES.get(TransactionSource(txn.source), CommentSource.SYSTEM)


def reason_text(txn: Transaction) -> str:
    """ " Reason: Damaged." for a refund or chargeback recorded with a reason code."""
    return f" Reason: {txn.reason.label}." if txn.reason is not None else ""


class OrderPaymentHooks:
    def money_recorded(
        self, txn: Transaction, order: Order, payments: list[Payment], how: Recorded
    ) -> None:
        """History comment, order version and state: the same for every operation."""
        if is_checkout_record(txn, how):
            accepted_at = txn.payment.authorized_at or txn.created_at
            checkout_payment_comments(txn, order=order, accepted_at=accepted_at)
        else:
            message = result_of(txn).message + reason_text(txn)
            comment_money(
                order=order,
                kind=COMMENT_KINDS[TransactionType(txn.type)],
                body=f"{how.via}: {message}" if how.via else message,
                transaction=txn,
                author=how.actor,
                source=comment_source(txn, from_gateway=how.from_gateway),
                invoice=txn.invoice,
                credit_memo=txn.credit_memo,
            )
        # Forms opened before this money moved are stale now.
        order.version += 1
        if how.save:
            order.save(update_fields=["version", "updated_at"])
        if how.sync_state:
            order_state_sync(
                order=order,
                payments=payments,
                actor=how.actor,
                open_rows=how.open_rows,
                save=how.save,
            )

    def money_resolved(
        self, txn: Transaction, order: Order, *, actor: User | None, via: str
    ) -> None:
        """A credit memo follows its refunds, an invoice its captures."""
        credit_memo_follow_outcome(transaction=txn, order=order, actor=actor, via=via)
        invoice_follow_outcome(transaction=txn, order=order, actor=actor, via=via)

    def documents_recompute(
        self, *, orders: Sequence[Order], rows_by_order: Mapping[int, list[Transaction]]
    ) -> dict[int, list[Invoice]]:
        return invoices_recompute(orders=orders, rows_by_order=rows_by_order)

    def operation_approval(self, ask: ApprovalAsk, *, order: Order) -> AwaitingApproval | None:
        """Four-eyes on Transaction Details, under the money flow's lock (approval_asks)."""
        return transaction_approval(ask, order=order)

    def operation_approval_reason(self, ask: ApprovalAsk) -> str | None:
        """What `operation_approval` would decide, read only: why it would wait, or None."""
        return transaction_approval_reason(ask)
