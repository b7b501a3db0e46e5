"""Money operations (writes). Every one follows DESIGN.md's skeleton (see `_flow`).

All take keyword-only arguments and return an `OperationResult` (transaction, outcome,
message, replayed); refusals raise `backoffice.errors.DomainError` before anything is
written or sent. Call them outside any transaction.
"""

from payments.services._flow import OperationResult, Outcome
from payments.services._messages import NOUNS as TRANSACTION_NOUNS
from payments.services._messages import checkout_texts, describe_transaction
from payments.services._result import result_of
from payments.services.authorize import (
    payment_authorize,
    payment_record_checkout,
    store_gateway_account,
)
from payments.services.capture import payment_capture
from payments.services.chargeback import chargeback_reverse, payment_chargeback
from payments.services.manual import order_mark_as_paid
from payments.services.rebill import payment_rebill
from payments.services.reconcile import transaction_reconcile
from payments.services.refund import payment_refund
from payments.services.void import payment_void

__all__ = [
    "TRANSACTION_NOUNS",
    "OperationResult",
    "Outcome",
    "chargeback_reverse",
    "checkout_texts",
    "describe_transaction",
    "order_mark_as_paid",
    "payment_authorize",
    "payment_capture",
    "payment_chargeback",
    "payment_rebill",
    "payment_record_checkout",
    "payment_refund",
    "payment_void",
    "result_of",
    "store_gateway_account",
    "transaction_reconcile",
]
