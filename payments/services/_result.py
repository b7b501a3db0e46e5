"""What a money service hands back: the transaction, its outcome and a sentence for staff."""

from dataclasses import dataclass
from enum import StrEnum

from payments.enums import TransactionStatus
from payments.gateways import GatewayStatus
from payments.models import Transaction
from payments.services import _messages as text

S = TransactionStatus


class Outcome(StrEnum):
    SUCCESS = "success"
    DECLINED = "declined"
    UNKNOWN = "unknown"
    PENDING = "pending"


_OUTCOME_BY_STATUS = {
    S.SUCCESS: Outcome.SUCCESS,
    S.FAILED: Outcome.DECLINED,
    S.UNKNOWN: Outcome.UNKNOWN,
    S.PENDING: Outcome.PENDING,
}


@dataclass(frozen=True)
class OperationResult:
    """What a money service did: the transaction, its outcome and a sentence for staff.

    `replayed` is True when the idempotency key had been used before (a double submit): no new
    transaction and no gateway call, the first answer again.
    """

    transaction: Transaction
    outcome: Outcome
    message: str
    replayed: bool = False

    @property
    def ok(self) -> bool:
        return self.outcome == Outcome.SUCCESS


def result_of(txn: Transaction, *, replayed: bool = False) -> OperationResult:
    outcome = _OUTCOME_BY_STATUS[TransactionStatus(txn.status)]
    if outcome == Outcome.SUCCESS:
        message = text.success_text(txn)
    elif outcome == Outcome.DECLINED:
        message = text.failed_text(txn)
    elif outcome == Outcome.UNKNOWN:
        message = text.unknown_text(txn)
    elif (txn.gateway_response or {}).get("status") == GatewayStatus.PENDING:
        message = text.pending_text(txn)
    else:
        message = text.in_progress_text(txn)
    return OperationResult(txn, outcome, message, replayed)
