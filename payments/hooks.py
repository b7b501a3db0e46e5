"""What payments tells the layer above it about the money it moved: one typed interface.

payments keeps the ledger and moves money on a payment; the documents and workflows around an
order (history, order state, invoices, credit memos, four-eyes) live in `orders`, which sits
above and registers its implementation once, in `OrdersConfig.ready()`. payments imports
nothing of `orders` but its models (foreign keys, the order lock).

Every call happens under the order → payments lock, in the transaction that writes the rows,
so an order's documents can never disagree with its ledger:
- `money_recorded`: a ledger row got its outcome (an operation's step 3, an offline step,
  reconciliation, a batch chunk): the history comment, the order's version and its state;
- `money_resolved`: after `money_recorded` for an answer from the gateway (step 3,
  reconciliation): the documents that follow their transactions (an invoice its captures, a
  credit memo its refunds);
- `documents_recompute`: the document side of the one recompute (invoices' paid and refunded
  amounts), run right after the payments' cached amounts are rebuilt;
- `operation_approval`: the four-eyes gate of an operation asked on Transaction Details
  (Refund, Refund Offline, Rebill, Chargeback Reversal), called by the money flow under the
  lock once every check passed, before the row is written: whether it must wait for a second
  person, and if so the request it now waits as (the flow then raises `AwaitsApproval`);
- `operation_approval_reason` (read only, no lock): why `operation_approval` would make it
  wait, for the confirmation shown before it is sent (`payments.confirmations`).
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured

from payments.models import Payment, ReasonCode, Transaction

if TYPE_CHECKING:  # the models only, for annotations: payments never calls into orders
    from orders.models import Invoice, Order


@dataclass(frozen=True)
class Recorded:
    """How a ledger row got its outcome (see `OrderHooks.money_recorded`)."""

    actor: User | None
    from_gateway: bool  # an answer of the gateway, not an offline record
    via: str = ""  # who resolved it when not the operation itself ("Reconciliation")
    # The order's pending and unknown rows when the caller holds them (read otherwise).
    open_rows: list[Transaction] | None = None
    save: bool = True  # False: the caller saves the order's fields (a batch job's chunk)
    sync_state: bool = True  # False: another row of the order follows and moves its state


@dataclass(frozen=True)
class ApprovalAsk:
    """An operation asked on Transaction Details that four-eyes may hold (Refund, Refund
    Offline, Rebill, Chargeback Reversal), as the form submitted it."""

    operation: str  # its `payments.operations` code
    transaction: Transaction  # the one acted on: the capture refunded, the debit rebilled…
    user: User
    amount: int
    idempotency_key: str
    merchant_reference: str = ""
    usage: str = ""
    memo: str = ""
    reason: ReasonCode | None = None  # kept with the request, recorded when it runs


@dataclass(frozen=True)
class AwaitingApproval:
    """A refund that now waits for a second person, as Transaction Details shows it."""

    message: str
    amount: int
    currency: str
    requested_by_label: str
    merchant_reference: str
    expires_at: datetime
    order_number: str


class AwaitsApproval(Exception):
    """Raised by a money service given a four-eyes gate (`MoneyRequest.approval`) once its
    transaction committed the request instead of the row: nothing moved, the operation now
    waits as `awaiting`."""

    def __init__(self, awaiting: AwaitingApproval) -> None:
        super().__init__(awaiting.message)
        self.awaiting = awaiting


# Four-eyes under the order lock: given the locked order and the amount about to be written,
# None (run now) or the request the operation now waits as (recorded in the same transaction).
type ApprovalGate = Callable[["Order", int], AwaitingApproval | None]


class OrderHooks(Protocol):
    def money_recorded(
        self, txn: Transaction, order: "Order", payments: list[Payment], how: Recorded
    ) -> None: ...

    def money_resolved(
        self, txn: Transaction, order: "Order", *, actor: User | None, via: str
    ) -> None: ...

    def documents_recompute(
        self, *, orders: Sequence["Order"], rows_by_order: Mapping[int, list[Transaction]]
    ) -> dict[int, list["Invoice"]]: ...

    def operation_approval(self, ask: ApprovalAsk, *, order: "Order") -> AwaitingApproval | None:
        """Under the order lock, in the transaction that would write the operation's row: None
        when it may run now; otherwise the request it waits as, recorded in that transaction."""
        ...

    def operation_approval_reason(self, ask: ApprovalAsk) -> str | None:
        """Read only: why `operation_approval` would make it wait ("above the store's €500.00
        threshold"), None when it would run now. Writes nothing."""
        ...


_registered: list[OrderHooks] = []


def register_order_hooks(hooks: OrderHooks) -> None:
    """Called once, from the orders app's `ready()`; a second call replaces the first."""
    _registered[:] = [hooks]


def order_hooks() -> OrderHooks:
    if not _registered:
        raise ImproperlyConfigured(
            "No order hooks are registered: the orders app must be in INSTALLED_APPS."
        )
    return _registered[0]
