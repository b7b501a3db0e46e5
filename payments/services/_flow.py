"""DESIGN.md's skeleton, written once for every money operation.

Online (`run_online`):
1. `atomic(durable=True)`: lock order → payments; a known idempotency key returns the first
   answer (double submit = no-op); re-check availability, amount and Transaction ID under the
   lock; four-eyes, when the caller passed a gate (`MoneyRequest.approval`: the request is
   committed instead, and `AwaitsApproval` raised); insert the Transaction as pending (this
   reserves the amount); commit.
2. Call the gateway outside any transaction with the same idempotency key.
3. `record_outcome` in a new durable transaction: lock again; success settles, decline
   releases, timeout/error → unknown (amount stays reserved, order in payment review),
   gateway "pending" → stays reserved and in review; history comment; recompute; order state.

Offline (`run_offline`): steps 1 and 3 in one atomic step, no gateway.

`durable=True` also proves that no caller wrapped a service in its own transaction, which
would hold locks across the gateway call and lose the failure record on rollback.
"""

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects

from backoffice.availability import Availability
from backoffice.errors import DomainError, ErrorCode
from backoffice.money import format_money
from backoffice.users import user_label
from orders.models import CreditMemo, Invoice, Order
from payments.enums import TransactionSource, TransactionStatus, TransactionType
from payments.gateways import Gateway, GatewayResult, GatewayStatus, gateway_for_payment
from payments.gateways.base import GatewayError, IdempotencyConflict
from payments.hooks import ApprovalGate, AwaitingApproval, AwaitsApproval
from payments.ledger import compute_amounts
from payments.locks import lock_order_and_payments
from payments.models import Payment, Transaction
from payments.operations import Operation, availability
from payments.reason_codes import ReasonCode, reason_refusal
from payments.recompute import order_payments_recompute
from payments.services._outcome import after_outcome, fresh_payment, record_outcome
from payments.services._result import OperationResult, Outcome, result_of

__all__ = [
    "MoneyRequest",
    "OperationResult",
    "Outcome",
    "open_in_transaction",
    "record_offline_in_locked_transaction",
    "record_outcome",
    "result_of",
    "run_offline",
    "run_online",
]

logger = logging.getLogger("payments")
S = TransactionStatus


# A request whose answer we don't have and the gateway has no record of is only declared
# "not applied" once it can no longer be in flight.
def in_flight_grace() -> timedelta:
    return timedelta(seconds=float(settings.PAYMENT_GATEWAY_TIMEOUT_SECONDS) * 3)


@dataclass
class MoneyRequest:
    """Everything one operation needs; built by the public services in this package."""

    type: TransactionType
    order_id: int
    amount: int | None  # None: the whole available amount (void)
    online: bool
    actor: User | None
    idempotency_key: str
    operation: Operation | None = None  # None: authorize/checkout, checked by `check`
    payment_id: int | None = None
    parent: Transaction | None = None
    invoice: Invoice | None = None
    credit_memo: CreditMemo | None = None
    merchant_reference: str = ""
    usage: str = ""
    memo: str = ""
    source: str = TransactionSource.UI
    # Refunds and chargebacks: why (payments.reason_codes); None from batch jobs and imports.
    reason: ReasonCode | None = None
    # Creates the payment under the lock (authorize, Mark as paid).
    new_payment: Callable[[Order], Payment] | None = None
    # Extra checks under the lock (invoice caps, authorize rules); raise DomainError.
    check: Callable[[Order, Payment | None, int], None] | None = None
    # The gateway call of step 2.
    call: Callable[[Gateway, Transaction], GatewayResult] | None = None
    gateway_request: dict[str, str] = field(default_factory=dict)
    # Offline records of something done online elsewhere (checkout authorizations).
    recorded_online: bool = False
    gateway_reference: str = ""
    # Four-eyes (orders decides): asked under the lock once every check passed, before the row
    # is written. A request it returns is committed instead of the row, and `AwaitsApproval`
    # raised. None: no second person is asked here (an approved request running, a batch job,
    # a credit memo's refunds, which asked when the memo was created).
    approval: ApprovalGate | None = None


def run_online(req: MoneyRequest) -> OperationResult:
    opened = _open(req)
    if isinstance(opened, OperationResult):
        return opened
    txn = opened
    assert req.call is not None
    status, result, error = _call_gateway(req.call, txn)
    return record_outcome(
        transaction_id=txn.pk, status=status, result=result, error=error, actor=req.actor
    )


def money_service[**P](build: Callable[P, MoneyRequest]) -> Callable[P, OperationResult]:
    """The service running the request `build` makes: online or offline, as it says."""

    @functools.wraps(build)
    def service(*args: P.args, **kwargs: P.kwargs) -> OperationResult:
        request = build(*args, **kwargs)
        return run_online(request) if request.online else run_offline(request)

    return service


def run_offline(req: MoneyRequest) -> OperationResult:
    opened = _open(req)
    if isinstance(opened, OperationResult):
        return opened
    return result_of(opened)


def _call_gateway(
    call: Callable[[Gateway, Transaction], GatewayResult], txn: Transaction
) -> tuple[str, GatewayResult | None, str]:
    """Step 2: no transaction is open here, so no lock is held while the gateway thinks."""
    answer: GatewayResult | GatewayError
    try:
        answer = call(gateway_for_payment(txn.payment), txn)
    except GatewayError as exc:
        answer = exc
    except Exception as exc:  # a bug in an adapter may still have moved money
        logger.exception("Gateway call failed for transaction %s", txn.uuid)
        return S.UNKNOWN, None, f"Unexpected error: {exc}"
    return read_answer(answer)


def read_answer(answer: GatewayResult | GatewayError) -> tuple[str, GatewayResult | None, str]:
    """A gateway's answer (or the error it raised) as the row's status, result and error."""
    if isinstance(answer, IdempotencyConflict):
        return S.FAILED, None, str(answer)
    if isinstance(answer, GatewayError):  # timeouts included: the outcome is unknown
        return S.UNKNOWN, None, str(answer)
    status = {
        GatewayStatus.SUCCESS: S.SUCCESS,
        GatewayStatus.DECLINED: S.FAILED,
        GatewayStatus.PENDING: S.PENDING,
    }[answer.status]
    return status, answer, "" if status == S.SUCCESS else answer.message


# -- step 1 ------------------------------------------------------------------------------------


def _open(req: MoneyRequest) -> Transaction | OperationResult:
    if req.actor is None and req.source == TransactionSource.UI:
        raise ValueError("A back-office operation needs its actor; batch jobs pass source.")
    try:
        with transaction.atomic(durable=True):
            opened = _open_locked(req)
    except IntegrityError:
        # A concurrent double submit (same key) or Transaction ID inserted first.
        existing = _existing(req.idempotency_key)
        if existing is not None:
            return _replay(existing, req)
        if req.merchant_reference:
            raise _duplicate_reference(req.merchant_reference) from None
        raise
    if isinstance(opened, AwaitingApproval):
        raise AwaitsApproval(opened)  # committed: the request, and no row
    return opened


def _open_locked(req: MoneyRequest) -> Transaction | OperationResult | AwaitingApproval:
    order, payments = lock_order_and_payments(req.order_id)
    existing = _existing(req.idempotency_key)
    if existing is not None:
        return _replay(existing, req)
    payment = next((p for p in payments if p.pk == req.payment_id), None)
    if req.payment_id is not None and payment is None:
        raise DomainError(ErrorCode.NOT_AVAILABLE, "This payment belongs to another order.")
    if payment is not None:
        refresh_from_ledger(payment)
    parent = _locked_parent(req.parent, payment)
    amount = recheck(req, order=order, payment=payment, parent=parent)
    if (
        req.merchant_reference
        and Transaction.objects.filter(
            store_id=order.store_id, merchant_reference=req.merchant_reference
        ).exists()
    ):
        raise _duplicate_reference(req.merchant_reference)
    if req.approval is not None and (awaiting := req.approval(order, amount)) is not None:
        return awaiting
    if req.new_payment is not None:
        payment = req.new_payment(order)
        payments.append(payment)
    assert payment is not None
    txn = new_transaction(req, order=order, payment=payment, parent=parent, amount=amount)
    txn.save(force_insert=True)
    payments = order_payments_recompute(order=order)
    txn.payment = fresh_payment(payments, txn)
    if not req.online:
        after_outcome(txn, order, payments, actor=req.actor, from_gateway=False)
    return txn


def open_in_transaction(req: MoneyRequest) -> Transaction | OperationResult:
    """Steps 1 and 3 of an offline record inside the caller's transaction (no approval gate),
    for a caller whose own rows must commit with the ledger's: the webhook inbox marks its
    event processed in the transaction that writes the event's row."""
    assert not req.online and req.approval is None
    opened = _open_locked(req)
    assert not isinstance(opened, AwaitingApproval)
    return opened


def record_offline_in_locked_transaction(req: MoneyRequest) -> OperationResult:
    """An offline operation recorded inside the caller's transaction, which already holds the
    order lock: Capture Offline books its rows in the step that decided four-eyes, so no
    concurrent request can decide against a ledger without them."""
    opened = open_in_transaction(req)
    return opened if isinstance(opened, OperationResult) else result_of(opened)


def recheck(
    req: MoneyRequest, *, order: Order, payment: Payment | None, parent: Transaction | None
) -> int:
    """Under the lock, against the ledger: the registry's verdict and the amount to write.

    Raises DomainError (nothing written) when the operation is no longer allowed.
    """
    amount = req.amount
    if req.operation is not None:
        target = parent or payment or order
        avail = availability(req.operation, user=req.actor, target=target)
        if not avail.allowed:
            raise avail.error()
        amount = _checked_amount(avail, amount)
    elif amount is None or amount <= 0:
        raise DomainError(
            ErrorCode.INVALID_AMOUNT, "Enter an amount greater than zero.", field="amount"
        )
    if req.check is not None:
        req.check(order, payment, amount)
    if req.reason is not None and (
        refusal := reason_refusal(req.reason, store_id=order.store_id, transaction_type=req.type)
    ):
        raise refusal
    return amount


def new_transaction(
    req: MoneyRequest, *, order: Order, payment: Payment, parent: Transaction | None, amount: int
) -> Transaction:
    """The ledger row of step 1 (pending online, settled offline), not saved yet."""
    return Transaction(
        payment=payment,
        order=order,
        store_id=order.store_id,
        parent=parent or _authorization_of(payment, req.type),
        type=req.type,
        status=S.PENDING if req.online else S.SUCCESS,
        amount=amount,
        currency=payment.currency,
        is_online=req.online or req.recorded_online,
        gateway_reference=req.gateway_reference,
        merchant_reference=req.merchant_reference,
        usage=req.usage,
        memo=req.memo,
        idempotency_key=req.idempotency_key,
        actor=req.actor if req.actor is not None and req.actor.is_authenticated else None,
        actor_label=user_label(req.actor),
        source=req.source,
        gateway_request={
            **req.gateway_request,
            "type": req.type,
            "amount": amount,
            "currency": payment.currency,
        },
        invoice=req.invoice,
        credit_memo=req.credit_memo,
        reason=req.reason,
    )


def _existing(key: str) -> Transaction | None:
    return Transaction.objects.select_related("payment").filter(idempotency_key=key).first()


def _replay(existing: Transaction, req: MoneyRequest) -> OperationResult:
    same = (
        existing.type == req.type
        and existing.order_id == req.order_id
        and (req.amount is None or existing.amount == req.amount)
        and (req.payment_id is None or existing.payment_id == req.payment_id)
        and (req.parent is None or existing.parent_id == req.parent.pk)
    )
    if not same:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_CONFLICT,
            "This form was already submitted with other values. Reload the page to start a "
            "new operation.",
        )
    return result_of(existing, replayed=True)


def refresh_from_ledger(payment: Payment) -> None:
    """Cached amounts from the rows themselves, in memory, before deciding anything."""
    prefetch_related_objects([payment], "transactions")
    for name, value in compute_amounts(payment.transactions.all()).as_fields().items():
        setattr(payment, name, value)


def _locked_parent(parent: Transaction | None, payment: Payment | None) -> Transaction | None:
    if parent is None:
        return None
    fresh = Transaction.objects.get(pk=parent.pk)
    if payment is None or fresh.payment_id != payment.pk:
        raise DomainError(ErrorCode.NOT_AVAILABLE, "The transaction belongs to another payment.")
    fresh.payment = payment
    return fresh


def _authorization_of(payment: Payment, type_: str) -> Transaction | None:
    """The pre-authorization a capture or reversal acts on when no caller named it (invoices,
    Void, Cancel, the expiry job), so Transaction Details shows it among the related
    transactions as OPPWA does. Transactions were prefetched by `refresh_from_ledger`."""
    if type_ not in {TransactionType.CAPTURE, TransactionType.REVERSAL}:
        return None
    return next(
        (
            r
            for r in payment.transactions.all()
            if r.type == TransactionType.AUTHORIZATION and r.status == S.SUCCESS
        ),
        None,
    )


def _checked_amount(avail: Availability, amount: int | None) -> int:
    label = avail.label
    if amount is None:
        if avail.max_amount is None:
            raise DomainError(
                ErrorCode.INVALID_AMOUNT, "Enter an amount greater than zero.", field="amount"
            )
        return avail.max_amount
    if amount <= 0:
        raise DomainError(
            ErrorCode.INVALID_AMOUNT, "Enter an amount greater than zero.", field="amount"
        )
    if avail.max_amount is not None and amount > avail.max_amount:
        most = format_money(avail.max_amount, avail.currency)
        raise DomainError(
            ErrorCode.AMOUNT_EXCEEDS,
            f"The amount can't be more than {most}, what is left for {label}.",
            field="amount",
        )
    if not avail.amount_editable and amount != avail.max_amount:
        whole = format_money(avail.max_amount or 0, avail.currency)
        raise DomainError(
            ErrorCode.INVALID_AMOUNT,
            f"{label} must be for the full {whole}: the gateway does not take part of it.",
            field="amount",
        )
    return amount


def _duplicate_reference(reference: str) -> DomainError:
    return DomainError(
        ErrorCode.DUPLICATE_REFERENCE,
        f'The Transaction ID "{reference}" is already used in this store.',
        field="merchant_reference",
    )
