"""What a credit memo's refund did, in words staff can act on (messages and history lines).

An online refund may be spread over several captures; when one part fails, the message and the
history must say what went back to which card, what failed and why, and what is left to do.
"""

from dataclasses import dataclass, field

from django.contrib import messages

from backoffice.money import format_money
from orders.enums import CreditMemoState, RefundMode
from orders.models import CreditMemo
from orders.refundable import RefundStep, card_label
from payments.enums import TransactionStatus
from payments.models import Transaction

NOT_REFUNDED = "Nothing was refunded; its items can be refunded again."
# Why the first refused step stopped a spread, when the plan itself came up short.
SHORT_PLAN = "the captures no longer cover it (something changed since the memo was created)"


@dataclass(frozen=True)
class StepOutcome:
    """One refund of a spread: its transaction, or why the money engine refused it."""

    step: RefundStep
    transaction: Transaction | None = None
    refusal: str | None = None

    @property
    def amount(self) -> int:
        return self.step.amount

    @property
    def succeeded(self) -> bool:
        return self.transaction is not None and self.transaction.is_settled

    @property
    def is_open(self) -> bool:
        return self.transaction is not None and self.transaction.is_open

    @property
    def failure_reason(self) -> str:
        if self.refusal is not None:
            return self.refusal.rstrip(".")
        assert self.transaction is not None
        return refund_failure_reason(self.transaction)


def refund_failure_reason(txn: Transaction) -> str:
    if txn.status == TransactionStatus.UNKNOWN:
        return (
            "the gateway did not answer in time; the amount stays reserved and the order is in "
            "payment review until reconciliation asks the gateway what happened"
        )
    if txn.status == TransactionStatus.PENDING:
        return "the gateway has not confirmed it yet; the amount stays reserved"
    why = txn.error.rstrip(".")
    if (txn.gateway_response or {}).get("status"):
        return f"the gateway declined it ({why})" if why else "the gateway declined it"
    return f"it was not applied ({why})" if why else "it was not applied"


@dataclass(frozen=True)
class CreditMemoOutcome:
    memo: CreditMemo
    steps: list[StepOutcome] = field(default_factory=list)
    # The part of the memo no step was planned for, and why (the captures changed meanwhile).
    unplanned: int = 0
    unplanned_reason: str = ""
    # True when the same form was submitted again: nothing was done the second time.
    repeated: bool = False

    @property
    def currency(self) -> str:
        return self.memo.order.currency

    def _fmt(self, minor: int) -> str:
        return format_money(minor, self.currency)

    @property
    def online(self) -> bool:
        return self.memo.mode == RefundMode.ONLINE

    @property
    def refunded(self) -> int:
        return sum(step.amount for step in self.steps if step.succeeded)

    @property
    def failure(self) -> StepOutcome | None:
        return next((step for step in self.steps if not step.succeeded), None)

    @property
    def level(self) -> int:
        state = self.memo.state
        if self.repeated or state == CreditMemoState.REFUNDED:
            return messages.SUCCESS
        if state == CreditMemoState.AWAITING_APPROVAL:
            return messages.INFO
        if state == CreditMemoState.FAILED:
            return messages.ERROR
        return messages.WARNING

    def _where(self, step: StepOutcome) -> str:
        return f"to {card_label(step.step.payment)}" if self.online else "offline"

    def _done(self) -> str:
        """ "refunded $66.00 online: $61.00 to Visa ····4242 and $5.00 to Visa ····1111"."""
        ok = [s for s in self.steps if s.succeeded]
        if not self.online:
            return f"{self._fmt(self.refunded)} recorded as refunded offline"
        head = f"refunded {self._fmt(self.refunded)} online"
        if len(ok) == 1:
            return f"{head} {self._where(ok[0])}"
        return f"{head}: " + " and ".join(f"{self._fmt(s.amount)} {self._where(s)}" for s in ok)

    def _why(self) -> str:
        failed = self.failure
        if failed is not None:
            what = f"The refund of {self._fmt(failed.amount)} {self._where(failed)}"
            verb = "has an unknown outcome" if failed.is_open else "failed"
            return f"{what} {verb}: {failed.failure_reason}."
        return f"{self._fmt(self.unplanned)} could not be refunded: {self.unplanned_reason}."

    def message(self) -> str:
        memo, number = self.memo, f"Credit memo #{self.memo.number}"
        total = self._fmt(memo.grand_total)
        if self.repeated:
            return f"{number} was already submitted with this form; nothing more was done."
        if memo.state == CreditMemoState.AWAITING_APPROVAL:
            # Four-eyes: above the store's threshold (orders.approvals).
            label = "Refund" if self.online else "Refund Offline"
            return f"{label} of {total} is awaiting approval by a manager ({number})."
        if memo.state == CreditMemoState.REFUNDED:
            return f"{number}: {self._done()}."
        if memo.state == CreditMemoState.FAILED:
            return f"{number} failed. {self._why()} {NOT_REFUNDED}"
        if memo.state == CreditMemoState.PENDING:
            return (
                f"{number} is pending ({total}). {self._why()} The memo is settled when the "
                "gateway's answer is known."
            )
        return (
            f"{number}: {self._done()}, {self._fmt(self.refunded)} of {total}. {self._why()} "
            "Refund the rest with Refund Offline or a new credit memo."
        )

    def history(self) -> str:
        """The memo's settle line; a spread also lists each refund and its transaction."""
        if len(self.steps) <= 1:
            return self.message()
        parts = []
        for step in self.steps:
            ref = f" (transaction {step.transaction.short_uuid})" if step.transaction else ""
            result = "refunded" if step.succeeded else step.failure_reason
            parts.append(f"{self._fmt(step.amount)} {self._where(step)}: {result}{ref}")
        return f"{self.message()} Refunds: {'; '.join(parts)}."
