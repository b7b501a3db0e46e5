"""What a batch job did: one result per item, and the report that counts them."""

from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True)
class ItemResult:
    """What happened to one item: `outcome` names the summary row ("captured", "declined").

    `message` completes the item's line; `quiet` results (nothing to do) are printed only with
    `--verbosity 2`. `result`: what the summary's Result column says when the status's own word
    would not be true of the item (export_transactions: the transaction's status, since every
    row was exported); rows are counted per outcome and result.
    """

    status: Status
    outcome: str
    message: str = ""
    amount: int = 0
    currency: str = ""
    quiet: bool = False
    result: str = ""


def done(outcome: str, message: str = "", *, amount: int = 0, currency: str = "") -> ItemResult:
    return ItemResult(Status.DONE, outcome, message, amount, currency)


def skipped(outcome: str, message: str = "", *, quiet: bool = False) -> ItemResult:
    return ItemResult(Status.SKIPPED, outcome, message, quiet=quiet)


def failed(outcome: str, message: str = "", *, amount: int = 0, currency: str = "") -> ItemResult:
    return ItemResult(Status.FAILED, outcome, message, amount, currency)


@dataclass
class OutcomeTotal:
    status: Status
    result: str = ""  # the Result column's word when not the status's (see `ItemResult`)
    count: int = 0
    amounts: dict[str, int] = field(default_factory=dict)


@dataclass
class BatchReport:
    job: str
    title: str
    noun: str
    dry_run: bool
    # {(outcome, result): total}: one summary row each.
    outcomes: dict[tuple[str, str], OutcomeTotal] = field(default_factory=dict)
    counts: dict[Status, int] = field(default_factory=lambda: dict.fromkeys(Status, 0))
    elapsed: float = 0.0

    def add(self, result: ItemResult) -> None:
        total = self.outcomes.setdefault(
            (result.outcome, result.result), OutcomeTotal(result.status, result.result)
        )
        total.count += 1
        if result.amount and result.currency:
            total.amounts[result.currency] = total.amounts.get(result.currency, 0) + result.amount
        self.counts[result.status] += 1

    @property
    def seen(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return self.counts[Status.DONE]

    @property
    def skipped(self) -> int:
        return self.counts[Status.SKIPPED]

    @property
    def failed(self) -> int:
        return self.counts[Status.FAILED]

    def count(self, outcome: str) -> int:
        """Items with this outcome, whatever their result."""
        return sum(total.count for (name, _), total in self.outcomes.items() if name == outcome)
