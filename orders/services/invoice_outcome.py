"""What an invoice capture did, step by step, in words staff can act on.

A Capture Online spread is several gateway operations; when one fails, the history and the
message must say exactly which authorization captured how much, which failed and why, and what
is still owed, so nobody has to reconstruct it from the transaction list.
"""

from dataclasses import dataclass, field

from django.contrib import messages

from backoffice.money import format_money
from orders.enums import CaptureMode, InvoiceState
from orders.models import ApprovalRequest, Invoice
from orders.services.approval_requests import awaiting_message
from payments.enums import TransactionStatus
from payments.models import Payment, Transaction
from payments.services.manual import MANUAL_GATEWAY


@dataclass(frozen=True)
class StepOutcome:
    """One capture of a spread: its transaction, or why it was refused before any was made."""

    # None only for a manual payment the money engine refused to create.
    payment: Payment | None
    amount: int
    transaction: Transaction | None = None
    # Set when the money engine refused the capture before writing anything (the
    # authorization changed since the plan was made); None with no transaction: not attempted.
    refusal: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.transaction is not None and self.transaction.is_settled

    @property
    def failed(self) -> bool:
        return self.refusal is not None or (
            self.transaction is not None and not self.transaction.is_settled
        )

    @property
    def verb(self) -> str:
        """ "failed", or "has an unknown outcome" while the gateway's answer is awaited."""
        if self.transaction is not None and self.transaction.is_open:
            return "has an unknown outcome"
        return "failed"

    @property
    def failure_reason(self) -> str:
        if self.refusal is not None:
            return self.refusal.rstrip(".")
        assert self.transaction is not None
        return failure_reason(self.transaction)


def authorization_label(payment: Payment | None) -> str:
    if payment is None or payment.gateway == MANUAL_GATEWAY:
        return "a manual payment"
    card = f" ({payment.card_brand.title()} ····{payment.card_last4})" if payment.card_last4 else ""
    reference = payment.gateway_reference or f"payment {payment.pk}"
    return f"authorization {reference}{card}"


def failure_reason(txn: Transaction) -> str:
    if txn.status == TransactionStatus.UNKNOWN:
        return (
            "the gateway did not answer in time, so it may or may not have been applied; the "
            "amount stays reserved and the order is in payment review until reconciliation"
        )
    if txn.status == TransactionStatus.PENDING:
        return "the gateway has not confirmed it yet; the amount stays reserved"
    why = txn.error.rstrip(".")
    return f"the gateway declined it ({why})" if why else "the gateway declined it"


@dataclass(frozen=True)
class SpreadOutcome:
    invoice: Invoice
    mode: str
    amount: int = 0
    steps: list[StepOutcome] = field(default_factory=list)
    # True when the same form was submitted again: nothing was done the second time.
    repeated: bool = False
    # Money already captured on the order (without an invoice) that paid this invoice first.
    prepaid: int = 0
    # Four-eyes: the Capture Offline waits for a second person as this request (nothing moved).
    awaiting: ApprovalRequest | None = None

    @property
    def currency(self) -> str:
        return self.invoice.order.currency

    def _fmt(self, minor: int) -> str:
        return format_money(minor, self.currency)

    @property
    def captured(self) -> int:
        return sum(step.amount for step in self.steps if step.succeeded)

    @property
    def failure(self) -> StepOutcome | None:
        return next((step for step in self.steps if step.failed), None)

    @property
    def remaining(self) -> int:
        return max(self.amount - self.captured, 0)

    @property
    def needs_history(self) -> bool:
        """One summary line for spreads and failures; a single clean capture is already in the
        history through the money engine's own capture comment."""
        return bool(self.steps) and (len(self.steps) > 1 or self.failure is not None)

    @property
    def how(self) -> str:
        return "online" if self.mode == CaptureMode.ONLINE else "offline"

    @property
    def level(self) -> int:
        if self.awaiting is not None:
            return messages.INFO
        if self.repeated or not self.steps or self.failure is None:
            return messages.SUCCESS
        return messages.WARNING if self.captured else messages.ERROR

    def message(self) -> str:
        number = self.invoice.number
        if self.repeated:
            return f"Invoice #{number} was already submitted with this form; nothing more was done."
        if self.awaiting is not None:
            return f"Invoice #{number} is open: {awaiting_message(self.awaiting)}"
        if self.invoice.grand_total == 0 and self.invoice.state == InvoiceState.PAID:
            # A fully discounted order: whatever the Amount choice, nothing to capture.
            return f"Invoice #{number} for {self._fmt(0)} is paid: there is nothing to capture."
        if self.prepaid:
            head = f"{self._fmt(self.prepaid)} already captured on the order pays invoice #{number}"
            if self.invoice.state == InvoiceState.PAID and not self.steps:
                return f"{head}; the invoice is paid."
            if self.mode == CaptureMode.NOT_CAPTURE:
                rest = self._fmt(self.invoice.grand_total - self.invoice.amount_paid)
                return f"{head}; {rest} is still open. Capture it from the invoice page."
            if self.failure is None:
                return f"{head}; captured the remaining {self._fmt(self.captured)} {self.how}."
        if self.mode == CaptureMode.NOT_CAPTURE:
            return (
                f"Invoice #{number} for {self._fmt(self.invoice.grand_total)} is open. "
                "Capture it from the invoice page when the money is due."
            )
        if self.failure is None:
            return f"Invoice #{number}: captured {self._fmt(self.captured)} {self.how}."
        failed = self.failure
        return (
            f"Invoice #{number}: captured {self._fmt(self.captured)} of "
            f"{self._fmt(self.amount)} {self.how}. The capture of {self._fmt(failed.amount)} "
            f"from {authorization_label(failed.payment)} {failed.verb}: {failed.failure_reason}. "
            f"{self._fmt(self.remaining)} is still to be captured (Capture on the invoice)."
        )


def describe_spread(outcome: SpreadOutcome) -> str:
    """The history line: every step with its amount, result and transaction."""
    fmt = outcome._fmt
    parts = []
    for step in outcome.steps:
        label = authorization_label(step.payment)
        txn = step.transaction
        if txn is not None and step.succeeded:  # a success always has its transaction
            parts.append(f"{label}: captured {fmt(step.amount)} (transaction {txn.short_uuid})")
        elif step.failed:
            ref = f" (transaction {txn.short_uuid})" if txn else ""
            parts.append(
                f"{label}: capture of {fmt(step.amount)} {step.verb} — {step.failure_reason}{ref}"
            )
        else:
            parts.append(f"{label}: {fmt(step.amount)} not attempted")
    invoice = outcome.invoice
    head = (
        f"Capture {outcome.how.title()} of invoice #{invoice.number} for {fmt(outcome.amount)} "
        f"over {len(outcome.steps)} {'payments' if len(outcome.steps) > 1 else 'payment'}: "
    )
    if outcome.failure is None:
        tail = f"Captured {fmt(outcome.captured)} in full."
    else:
        state = "partially paid" if invoice.amount_paid else "unpaid"
        tail = (
            f"Captured {fmt(outcome.captured)}; {fmt(outcome.remaining)} is still to be "
            f"captured and the invoice stays open ({state})."
        )
    if invoice.state == InvoiceState.PAID and outcome.failure is None:
        tail += " The invoice is paid."
    return head + "; ".join(parts) + ". " + tail
