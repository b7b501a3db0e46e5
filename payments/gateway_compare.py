"""A payment's ledger against the PSP's own records (`reconcile_payments --against-gateway`).

Pure: from the payment's ledger rows and the adapter's `GatewaySnapshot` to the differences.

Our side is what moved through the gateway, by the ledger's own rules (`compute_amounts`): the
online rows (operations we sent, checkout payments, what the PSP told us by webhook) and every
chargeback and its reversal (they happen at the acquirer, however we learned of them). Offline
operations (Capture Offline, Refund Offline, Mark as paid, an expiry recorded offline) are the
merchant's own business and never reach the PSP: they are not compared.

Pending and unknown rows reserve their amount until the answer is known: "in flight". So does an
operation the PSP has accepted but not settled. An amount that differs by no more than what is
in flight is reported as in flight (reconcile_payments settles it), never as a difference.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from payments.enums import TransactionStatus, TransactionType
from payments.gateways.base import GatewaySnapshot
from payments.ledger import (
    OPEN_STATUSES,
    LedgerRow,
    LedgerRowData,
    PaymentAmounts,
    compute_amounts,
)

T = TransactionType
# The compared amounts: the snapshot's field, our PaymentAmounts field, what staff read.
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("authorized", "amount_authorized", "authorized"),
    ("captured", "amount_captured", "captured"),
    ("refunded", "amount_refunded", "refunded"),
    ("voided", "amount_voided", "voided"),
    ("charged_back", "amount_charged_back", "charged back"),
)
ALWAYS_AT_THE_PSP = frozenset({T.CHARGEBACK, T.CHARGEBACK_REVERSAL})


class ComparedRow(LedgerRow, Protocol):
    """What the comparison reads of a ledger row: a `Transaction`."""

    @property
    def is_online(self) -> bool: ...


@dataclass(frozen=True)
class Difference:
    """One amount the ledger and the PSP disagree on (`ours` vs `theirs`, minor units)."""

    field: str  # "refunded", "charged back", "currency", "record"
    ours: int = 0
    theirs: int = 0
    note: str = ""  # instead of amounts: "the PSP has no record of sbx_ch_…"


@dataclass(frozen=True)
class InFlight:
    """An amount still awaiting an answer, on our side or at the PSP."""

    field: str
    ours: int  # reserved by our pending/unknown rows
    theirs: int  # accepted by the PSP, not settled yet


@dataclass(frozen=True)
class Comparison:
    differences: tuple[Difference, ...] = ()
    in_flight: tuple[InFlight, ...] = ()

    @property
    def agrees(self) -> bool:
        return not self.differences


def known_to_gateway(rows: Iterable[ComparedRow]) -> list[ComparedRow]:
    """The ledger rows the PSP knows about (see the module's docstring)."""
    return [row for row in rows if row.is_online or row.type in ALWAYS_AT_THE_PSP]


def ours_settled_and_in_flight(
    rows: Iterable[ComparedRow],
) -> tuple[PaymentAmounts, PaymentAmounts]:
    """Our settled amounts, and what our open rows would add once they succeed."""
    known = known_to_gateway(rows)
    open_rows = [
        LedgerRowData(type=row.type, status=TransactionStatus.SUCCESS, amount=row.amount)
        for row in known
        if row.status in OPEN_STATUSES
    ]
    return compute_amounts(known), compute_amounts(open_rows)


def compare(
    *, rows: Iterable[ComparedRow], currency: str, snapshot: GatewaySnapshot | None
) -> Comparison:
    """The differences between a payment's ledger rows and the PSP's snapshot of it."""
    if snapshot is None:
        return Comparison(differences=(Difference("record", note="the PSP has no record of it"),))
    if snapshot.currency != currency:
        note = f"currency {currency} here, {snapshot.currency} at the PSP"
        return Comparison(differences=(Difference("currency", note=note),))
    settled, pending = ours_settled_and_in_flight(rows)
    differences: list[Difference] = []
    in_flight: list[InFlight] = []
    for name, ours_field, label in FIELDS:
        ours, theirs = getattr(settled, ours_field), getattr(snapshot, name)
        ours_open, theirs_open = getattr(pending, ours_field), _get(snapshot.in_flight, name)
        if ours_open or theirs_open:
            in_flight.append(InFlight(label, ours_open, theirs_open))
        if not _explained(ours, theirs, ours_open, theirs_open):
            differences.append(Difference(label, ours, theirs))
    return Comparison(tuple(differences), tuple(in_flight))


def _get(amounts: Mapping[str, int], name: str) -> int:
    return amounts.get(name, 0)


def _explained(ours: int, theirs: int, ours_open: int, theirs_open: int) -> bool:
    """Equal, or apart by no more than what one side still awaits an answer for."""
    gap = theirs - ours
    if gap >= 0:
        return gap <= ours_open  # the PSP settled what we still hold open (or nothing apart)
    return -gap <= theirs_open  # we settled what the PSP still holds open
