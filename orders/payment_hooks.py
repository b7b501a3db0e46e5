"""What the orders layer does when payments moves money: `payments.hooks.OrderHooks`.

Registered once in `OrdersConfig.ready()`. Every method runs under the order → payments lock,
in the transaction that writes the ledger rows it is told about.
"""

from collections.abc import Mapping, Sequence

from django.contrib.auth.models import User

from orders.enums import CommentKind, CommentSource
from orders.history import comment_money
from orders.models import Invoice, Order
from orders.services.approval_requests import (
    approval_needed,
    awaiting_message,
    transaction_refund_request,
)
from orders.services.checkout import CHECKOUT_KINDS, checkout_payment_comments
from orders.services.credit_memo_settle import credit_memo_follow_outcome
from orders.services.invoice_recompute import invoices_recompute
from orders.services.invoicing import invoice_follow_outcome
from orders.services.money_state import order_state_sync
from payments.enums import TransactionSource, TransactionType
from payments.hooks import AwaitingApproval, Recorded, RefundRequest
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


class OrderPaymentHooks:
    def money_recorded(
        self, txn: Transaction, order: Order, payments: list[Payment], how: Recorded
    ) -> None:
        """History comment, order version and state: the same for every operation."""
        if is_checkout_record(txn, how):
            accepted_at = txn.payment.authorized_at or txn.created_at
            checkout_payment_comments(txn, order=order, accepted_at=accepted_at)
        else:
            message = result_of(txn).message
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

    def refund_approval(self, request: RefundRequest) -> AwaitingApproval | None:
        """Four-eyes: a refund above the store's threshold waits for a second person."""
        txn = request.transaction
        if not approval_needed(user=request.user, store=txn.store, amount=request.amount):
            return None
        approval = transaction_refund_request(
            transaction=txn,
            user=request.user,
            online=request.online,
            amount=request.amount,
            idempotency_key=request.idempotency_key,
            merchant_reference=request.merchant_reference,
            usage=request.usage,
            memo=request.memo,
        )
        return AwaitingApproval(
            message=awaiting_message(approval),
            amount=approval.amount,
            currency=approval.currency,
            requested_by_label=approval.requested_by_label,
            merchant_reference=request.merchant_reference,
            expires_at=approval.expires_at,
            order_number=txn.order.number,
        )
