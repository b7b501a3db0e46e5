"""The one answer to "may this user run this operation here, now?" and "if not, why?".

Both registries (`payments.operations` for money operations on a payment or transaction,
`orders.operations` for operations on an order or invoice) answer with `Availability`; the
buttons draw it, the POST guards enforce it (`DomainError` from `error()`: 403 when only a
permission is missing, 409 otherwise), and the batch jobs report it. A reason is kept in its
parts, so nothing ever reads one back out of a sentence: `why` completes
"<label> is not available: …", `hint` says what to do about it.
"""

from dataclasses import dataclass, replace

from backoffice.errors import DomainError, ErrorCode


@dataclass(frozen=True)
class Reason:
    """Why an operation is unavailable, in parts ("the order is on hold", "Unhold it first.")."""

    why: str
    hint: str = ""


@dataclass(frozen=True)
class Availability:
    operation: str  # the registry's code ("capture", "invoice")
    label: str  # as staff know it ("Capture", "Capture Online", "Void")
    allowed: bool
    why: str = ""  # completes "<label> is not available: …" (a permission: the whole sentence)
    hint: str = ""
    is_permission: bool = False  # only a permission is missing: 403, whatever the state
    max_amount: int | None = 0  # minor units the amount may be; None: no upper limit
    amount_editable: bool = True  # False: the gateway only takes the whole max_amount
    currency: str = ""
    # Said before staff submit an allowed operation ("one capture; the rest is released").
    note: str = ""

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def reason(self) -> str:
        """The sentence staff read next to the disabled button and in a refused POST."""
        if self.allowed:
            return ""
        if self.is_permission:
            return _sentence(self.why)
        why = _sentence(f"{self.label} is not available: {self.why}")
        return f"{why} {self.hint}" if self.hint else why

    def as_operation(self, operation: str, label: str) -> "Availability":
        """The same answer for an operation built on this one (Void of an order → Reversal)."""
        return replace(self, operation=operation, label=label)

    def error(self) -> DomainError:
        code = ErrorCode.PERMISSION_DENIED if self.is_permission else ErrorCode.NOT_AVAILABLE
        return OperationUnavailable(self, code)


class OperationUnavailable(DomainError):
    """A POST the registry refuses: its `availability` says why (see `Availability.error`)."""

    def __init__(self, availability: Availability, code: ErrorCode) -> None:
        super().__init__(code, availability.reason)
        self.availability = availability


def allowed(
    operation: str,
    label: str,
    *,
    max_amount: int | None = 0,
    amount_editable: bool = True,
    currency: str = "",
) -> Availability:
    return Availability(
        operation,
        label,
        True,
        max_amount=max_amount,
        amount_editable=amount_editable,
        currency=currency,
    )


def unavailable(operation: str, label: str, reason: Reason) -> Availability:
    return Availability(operation, label, False, reason.why, reason.hint)


def permission_missing(operation: str, label: str, sentence: str) -> Availability:
    return Availability(operation, label, False, sentence, is_permission=True)


def ensure(availability: Availability) -> None:
    """The POST guard: raises the availability's `DomainError` unless it is allowed."""
    if not availability.allowed:
        raise availability.error()


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else f"{text}."
