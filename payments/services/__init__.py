"""Money operations (writes). Every one follows DESIGN.md's skeleton (see `_flow`).

All take keyword-only arguments and return an `OperationResult` (transaction, outcome,
message, replayed); refusals raise `backoffice.errors.DomainError` before anything is
written or sent. Call them outside any transaction.
"""

from payments.services._flow import (
    MoneyRequest,
    OperationResult,
    Outcome,
    record_offline_in_locked_transaction,
)
from payments.services._messages import NOUNS as TRANSACTION_NOUNS
from payments.services._messages import checkout_texts, describe_transaction
from payments.services._result import result_of
from payments.services.authorize import (
    payment_authorize,
    payment_record_checkout,
    store_gateway_account,
)
from payments.services.capture import capture_request, payment_capture
from payments.services.chargeback import chargeback_reverse, payment_chargeback
from payments.services.manual import mark_as_paid_request, order_mark_as_paid
from payments.services.rebill import payment_rebill
from payments.services.reconcile import transaction_reconcile
from payments.services.refund import payment_refund
from payments.services.void import payment_void

__all__ = [
    "TRANSACTION_NOUNS",
    "MoneyRequest",
    "OperationResult",
    "Outcome",
    "capture_request",
    "chargeback_reverse",
    "checkout_texts",
    "describe_transaction",
    "mark_as_paid_request",
    "order_mark_as_paid",
    "payment_authorize",
    "payment_capture",
    "payment_chargeback",
    "payment_rebill",
    "payment_record_checkout",
    "payment_refund",
    "payment_void",
    "record_offline_in_locked_transaction",
    "result_of",
    "store_gateway_account",
    "transaction_reconcile",
]
