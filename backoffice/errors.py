"""The one domain error: a code for programs, a sentence for staff, the field it belongs to.

Services raise `DomainError` (or a subclass that only names a case) before anything is written;
views hand it to one place that maps it: `http_status` (403 / 404 / 409 / 422), `form_error`
(next to its field, or on the form), `raise_for_http` (Django's 403 and 404 pages).
"""

from collections.abc import Mapping
from enum import StrEnum
from typing import Protocol

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404


class ErrorCode(StrEnum):
    INVALID = "invalid"  # bad input found under the lock (quantities, totals)
    NO_ITEMS = "no_items"  # no quantity entered for any item
    INVALID_AMOUNT = "invalid_amount"  # not more than zero (an amount, a document's total)
    AMOUNT_EXCEEDS = "amount_exceeds"  # more than what is left (to capture, refund, collect)
    DUPLICATE_REFERENCE = "duplicate_reference"
    NOT_AVAILABLE = "not_available"  # state, amounts or gateway say no (the registry's answer)
    STALE = "stale"  # the order changed since the form was drawn
    # The same idempotency key (one rendered form) submitted with different values.
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"


_STATUS = {
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.NOT_AVAILABLE: 409,
    ErrorCode.STALE: 409,
    ErrorCode.IDEMPOTENCY_CONFLICT: 409,
}
UNPROCESSABLE = 422  # every other code: the input, shown next to its field


class DomainError(Exception):
    """A write refused before anything was written or sent to a gateway.

    `field` names the form field the message belongs next to ("amount",
    "merchant_reference"), or None for a form-wide error.
    """

    default_code = ErrorCode.INVALID

    def __init__(
        self, code: ErrorCode | None = None, message: str = "", *, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code or self.default_code
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!s}, {self.message!r}, field={self.field!r})"

    @property
    def is_permission(self) -> bool:
        return self.code == ErrorCode.PERMISSION_DENIED


def http_status(error: DomainError) -> int:
    return _STATUS.get(error.code, UNPROCESSABLE)


def raise_for_http(error: DomainError) -> None:
    """Django's own pages for a missing permission (403) or an object out of reach (404)."""
    if error.code == ErrorCode.PERMISSION_DENIED:
        raise PermissionDenied(error.message) from error
    if error.code == ErrorCode.NOT_FOUND:
        raise Http404(error.message) from error


class _Form(Protocol):
    @property
    def fields(self) -> Mapping[str, object]: ...  # read only: a form's is `dict[str, Field]`

    def add_error(self, field: str | None, error: ValidationError | str) -> None: ...


def form_error(form: _Form, error: DomainError, *, field: str | None = None) -> None:
    """The message next to its field when the form has it (or `field`), else on the form."""
    name = field or error.field
    form.add_error(
        name if name in form.fields else None, ValidationError(error.message, code=error.code)
    )
