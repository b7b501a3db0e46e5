"""Domain errors of payment operations: a code for programs, a sentence for staff."""

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID_AMOUNT = "invalid_amount"
    AMOUNT_EXCEEDS = "amount_exceeds"
    NOT_AVAILABLE = "not_available"
    DUPLICATE_REFERENCE = "duplicate_reference"
    PERMISSION_DENIED = "permission_denied"
    # The same idempotency key (one rendered form) submitted with different values.
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"


class OperationError(Exception):
    """A money operation refused before anything was written or sent to the gateway.

    `field` names the form field the message belongs next to ("amount",
    "merchant_reference"), or None for a form-wide error. Views answer 403 for
    PERMISSION_DENIED and show the message as a form error otherwise.
    """

    def __init__(self, code: ErrorCode, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"OperationError({self.code!s}, {self.message!r}, field={self.field!r})"
