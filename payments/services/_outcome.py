"""Step 3 of the skeleton, shared with reconciliation: write what the gateway said.

`record_outcome` runs in its own durable transaction under the order → payments lock; the
offline operations call `after_outcome` inside their single atomic step. Either way the orders
layer is told (`payments.hooks`): history comment, order version, order state, then the
documents that follow their transactions.
"""

from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from backoffice.audit.events import MONEY_OPERATION, record_event
from backoffice.audit.models import AuditOutcome
from backoffice.money import format_money
from orders.models import Order
from payments.enums import TransactionStatus, TransactionType
from payments.gateways import GatewayResult, gateway_for_payment
from payments.hooks import Recorded, order_hooks
from payments.locks import lock_order_and_payments
from payments.models import Payment, Transaction
from payments.recompute import order_payments_recompute
from payments.services._messages import NOUNS
from payments.services._result import OperationResult, result_of

S = TransactionStatus


def fresh_payment(payments: list[Payment], txn: Transaction) -> Payment:
    """The recomputed payment (fresh amounts) for the result handed back to the caller."""
    return next(p for p in payments if p.pk == txn.payment_id)


def record_outcome(
    *,
    transaction_id: int,
    status: str,
    result: GatewayResult | None,
    error: str,
    actor: User | None,
    via: str = "",
) -> OperationResult:
    """Write what the gateway said about an open transaction, in its own transaction.

    Used by step 3 and by reconciliation (`via="Reconciliation"`). A row already resolved by
    the other one is left as it is and returned.
    """
    order_id = Transaction.objects.values_list("order_id", flat=True).get(pk=transaction_id)
    with transaction.atomic(durable=True):
        order, payments = lock_order_and_payments(order_id)
        txn = Transaction.objects.select_related("invoice", "credit_memo").get(pk=transaction_id)
        txn.payment = next(p for p in payments if p.pk == txn.payment_id)
        if not txn.is_open:
            return result_of(txn, replayed=True)
        if not apply_answer(txn, status=status, result=result, error=error):
            return result_of(txn)  # still pending, nothing new to say
        txn.save(update_fields=ANSWER_FIELDS)
        if status == S.SUCCESS:
            _on_success(txn)
        payments = order_payments_recompute(order=order)
        txn.payment = fresh_payment(payments, txn)
        after_outcome(txn, order, payments, actor=actor, from_gateway=True, via=via)
        order_hooks().money_resolved(txn, order, actor=actor, via=via)
        return result_of(txn)


ANSWER_FIELDS = ["status", "gateway_reference", "gateway_response", "error", "updated_at"]


def apply_answer(
    txn: Transaction, *, status: str, result: GatewayResult | None, error: str
) -> bool:
    """Set the gateway's answer on an open row (not saved: `ANSWER_FIELDS`); False when it
    says nothing new (still pending, same answer)."""
    answer = result.as_json() if result is not None else {}
    if status == txn.status == S.PENDING and txn.gateway_response == answer:
        return False
    txn.status = status
    if result is not None:
        txn.gateway_reference = result.reference or txn.gateway_reference
        txn.gateway_response = answer
    txn.error = "" if status == S.SUCCESS else error
    txn.updated_at = timezone.now()
    return True


def _on_success(txn: Transaction) -> None:
    """An accepted authorization or sale gives the payment its gateway reference and expiry."""
    if txn.type not in {TransactionType.AUTHORIZATION, TransactionType.DEBIT}:
        return
    payment = txn.payment
    payment.gateway_reference = txn.gateway_reference or payment.gateway_reference
    payment.authorized_at = timezone.now()
    if txn.type == TransactionType.AUTHORIZATION:
        days = gateway_for_payment(payment).capabilities.authorization_validity_days
        payment.expires_at = payment.authorized_at + timedelta(days=days)
    payment.save(update_fields=["gateway_reference", "authorized_at", "expires_at"])


def after_outcome(
    txn: Transaction,
    order: Order,
    payments: list[Payment],
    *,
    actor: User | None,
    from_gateway: bool,
    via: str = "",
    open_rows: list[Transaction] | None = None,
    save: bool = True,
    sync_state: bool = True,
) -> None:
    """Tell the orders layer that `txn` got its outcome: history comment, order version and
    state (`payments.hooks.OrderHooks.money_recorded`; `open_rows`, `save` and `sync_state`
    are explained on `payments.hooks.Recorded`)."""
    how = Recorded(
        actor=actor,
        from_gateway=from_gateway,
        via=via,
        open_rows=open_rows,
        save=save,
        sync_state=sync_state,
    )
    order_hooks().money_recorded(txn, order, payments, how)
    _audit(txn, order, actor=actor, via=via)


def _audit(txn: Transaction, order: Order, *, actor: User | None, via: str) -> None:
    """Every money operation in the audit stream (inside the caller's transaction: it lands
    with the ledger row's outcome or not at all)."""
    noun = NOUNS[TransactionType(txn.type)]
    money = format_money(txn.amount, txn.currency)
    how = "online" if txn.is_online else "offline"
    record_event(
        type=MONEY_OPERATION,
        user=actor,
        outcome=AuditOutcome.SUCCESS if txn.status == S.SUCCESS else AuditOutcome.FAILED,
        obj=txn,
        store_code=order.store.code if order.store_id else "",
        order_number=order.number,
        message=f"{via + ': ' if via else ''}{noun} {money} {how}: {txn.get_status_display()}",
        details={
            "type": txn.type,
            "amount": txn.amount,
            "currency": txn.currency,
            "status": txn.status,
            "online": txn.is_online,
            "source": txn.source,
            "idempotency_key": txn.idempotency_key,
            "error": txn.error,
        },
    )
