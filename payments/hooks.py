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
- `refund_approval`: before a refund asked on Transaction Details runs, whether it must wait
  for a second person (four-eyes), and if so the request it now waits as.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured

from payments.models import Payment, Transaction

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
class RefundRequest:
    """A refund asked on Transaction Details, as the form submitted it."""

    transaction: Transaction
    user: User
    online: bool
    amount: int
    idempotency_key: str
    merchant_reference: str = ""
    usage: str = ""
    memo: str = ""


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

    def refund_approval(self, request: RefundRequest) -> AwaitingApproval | None:
        """None: the refund may run now. Otherwise it was recorded as a request for approval."""
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
