"""What can still be refunded (for an invoice or the whole order) and over which captures.

Rules, from the ledger rows and the credit memos (prefetched on pages, fresh under the lock):
- captured: successful money-in rows (capture, debit, rebill, manual payment) of the invoice,
  or of the order;
- refunded: successful refunds; pending: refunds whose outcome is not known yet, plus the part
  of pending credit memos not sent to the gateway yet (a memo reserves its total the moment it
  is created, before its refund rows exist), so two memos can never both spend the same money;
- an invoice's limit is also capped by the order's (refunds recorded on the order as a whole
  and chargebacks count there);
- an Adjustment Fee a memo kept back is the merchant's (Magento): it is never refundable later,
  so once what is left equals the fees kept, nothing is (the Credit Memo operation says so).

A refund is spread over the captures it gives back, oldest first (the capture closest to its
card scheme's refund deadline goes first); each capture takes what the money engine's registry
says is left on it (`payments.operations.availability`), so the plan and the money engine
never disagree.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from django.contrib.auth.models import User

from backoffice.availability import Availability, Reason, unavailable
from backoffice.money import format_money
from orders.enums import CreditMemoState
from orders.models import CreditMemo, Invoice, Order
from payments import operations as ops
from payments.enums import TransactionStatus, TransactionType
from payments.models import Payment, Transaction

T = TransactionType
S = TransactionStatus
CASH_IN = frozenset({T.CAPTURE, T.DEBIT, T.REBILL, T.MANUAL})
OPEN = frozenset({S.PENDING, S.UNKNOWN})
# Memos whose items and money count as refunded (or reserved): all but failed and canceled.
COUNTED_MEMO_STATES = frozenset(
    {
        CreditMemoState.PENDING,
        CreditMemoState.AWAITING_APPROVAL,
        CreditMemoState.REFUNDED,
        CreditMemoState.PARTIALLY_REFUNDED,
    }
)
# Memos that may still send money: their total is reserved until their refund rows exist.
WAITING_MEMO_STATES = frozenset({CreditMemoState.PENDING, CreditMemoState.AWAITING_APPROVAL})


@dataclass(frozen=True)
class RefundLimit:
    """How much may still be refunded, and the figures that explain it."""

    currency: str
    captured: int
    refunded: int
    pending: int
    charged_back: int = 0
    fees_kept: int = 0  # Adjustment Fees of the memos that count: kept, not refundable later

    @property
    def left(self) -> int:
        """The money still kept, fees included."""
        return max(self.captured - self.refunded - self.pending - self.charged_back, 0)

    @property
    def available(self) -> int:
        return max(self.left - self.fees_kept, 0)

    @property
    def only_fees_left(self) -> bool:
        """Money is still kept, and all of it is the Adjustment Fees kept back."""
        return 0 < self.left <= self.fees_kept

    def _fmt(self, minor: int) -> str:
        return format_money(minor, self.currency)

    @property
    def figures(self) -> str:
        """ "captured $66.00, already refunded $0.00, pending $0.00" (and chargebacks if any)."""
        text = (
            f"captured {self._fmt(self.captured)}, already refunded {self._fmt(self.refunded)}, "
            f"pending {self._fmt(self.pending)}"
        )
        if self.charged_back:
            text += f", charged back {self._fmt(self.charged_back)}"
        if self.fees_kept:
            text += f", Adjustment Fee kept {self._fmt(self.fees_kept)}"
        return text

    def exceeded_message(self) -> str:
        return f"Refund is limited to {self._fmt(self.available)}: {self.figures}."


def memo_refund_rows(memo: CreditMemo, rows: Iterable[Transaction]) -> list[Transaction]:
    return [r for r in rows if r.credit_memo_id == memo.pk and r.type == T.REFUND]


def memo_unsent(memo: CreditMemo, rows: Iterable[Transaction]) -> int:
    """What a waiting memo still reserves beyond its refund rows (0 once it has settled)."""
    if memo.state not in WAITING_MEMO_STATES:
        return 0
    sent = sum(r.amount for r in memo_refund_rows(memo, rows) if r.status != S.FAILED)
    return max(memo.grand_total - sent, 0)


def _limit(
    currency: str, rows: list[Transaction], memos: Iterable[CreditMemo], all_rows: list[Transaction]
) -> RefundLimit:
    settled = [r for r in rows if r.status == S.SUCCESS]
    charged_back = sum(r.amount for r in settled if r.type == T.CHARGEBACK) - sum(
        r.amount for r in settled if r.type == T.CHARGEBACK_REVERSAL
    )
    memos = list(memos)
    return RefundLimit(
        currency=currency,
        captured=sum(r.amount for r in settled if r.type in CASH_IN),
        refunded=sum(r.amount for r in settled if r.type == T.REFUND),
        pending=sum(r.amount for r in rows if r.type == T.REFUND and r.status in OPEN)
        + sum(memo_unsent(memo, all_rows) for memo in memos),
        charged_back=max(charged_back, 0),
        fees_kept=sum(m.adjustment_fee for m in memos if m.state in COUNTED_MEMO_STATES),
    )


def order_refund_limit(
    *, order: Order, rows: Sequence[Transaction], memos: Iterable[CreditMemo]
) -> RefundLimit:
    rows = list(rows)
    return _limit(order.currency, rows, memos, rows)


def invoice_refund_limit(
    *, invoice: Invoice, order: Order, rows: Sequence[Transaction], memos: Iterable[CreditMemo]
) -> RefundLimit:
    """The invoice's own figures, unless the order as a whole has less left (then its)."""
    rows, memos = list(rows), list(memos)
    own = _limit(
        order.currency,
        [r for r in rows if r.invoice_id == invoice.pk],
        [m for m in memos if m.invoice_id == invoice.pk],
        rows,
    )
    if (linked := invoice.amount_paid - own.captured) > 0:
        # Captured on the order before the invoice and linked to it (payments.recompute).
        own = replace(own, captured=own.captured + linked)
    whole = _limit(order.currency, rows, memos, rows)
    return own if own.available <= whole.available else whole


def refund_limit(
    *,
    order: Order,
    invoice: Invoice | None,
    rows: Sequence[Transaction],
    memos: Iterable[CreditMemo],
) -> RefundLimit:
    if invoice is None:
        return order_refund_limit(order=order, rows=rows, memos=memos)
    return invoice_refund_limit(invoice=invoice, order=order, rows=rows, memos=memos)


# ---- spreading a refund over the captures --------------------------------------------------


@dataclass(frozen=True)
class RefundStep:
    capture: Transaction
    amount: int

    @property
    def payment(self) -> Payment:
        return self.capture.payment


@dataclass(frozen=True)
class RefundPlan:
    amount: int
    online: bool
    currency: str
    steps: list[RefundStep] = field(default_factory=list)
    # Captures that could not take part, with the money engine's reason.
    refused: list[Availability] = field(default_factory=list)

    @property
    def covered(self) -> int:
        return sum(step.amount for step in self.steps)

    @property
    def shortfall(self) -> int:
        return max(self.amount - self.covered, 0)

    @property
    def is_complete(self) -> bool:
        return self.amount > 0 and self.covered == self.amount

    @property
    def permission_refusal(self) -> Availability | None:
        return next((a for a in self.refused if a.is_permission), None)

    def _fmt(self, minor: int) -> str:
        return format_money(minor, self.currency)

    def describe(self) -> str:
        """What the button will do: "Refund $66.00 online to Visa ····4242 through sandbox"."""
        if not self.online:
            return f"Record {self._fmt(self.amount)} as refunded outside the gateway"
        gateways = sorted({step.payment.gateway for step in self.steps})
        through = f" through {', '.join(gateways)}" if gateways else ""
        head = f"Refund {self._fmt(self.amount)} online"
        if len(self.steps) == 1:
            return f"{head} to {card_label(self.steps[0].payment)}{through}"
        parts = [f"{self._fmt(s.amount)} to {card_label(s.payment)}" for s in self.steps]
        return f"{head}: {' and '.join(parts)}{through}"


def card_label(payment: Payment) -> str:
    if payment.card_last4:
        return f"{(payment.card_brand or 'Card').title()} ····{payment.card_last4}"
    return payment.method_title or f"payment {payment.gateway_reference or payment.pk}"


def attach_payments(
    rows: Iterable[Transaction], payments: Iterable[Payment], order: Order
) -> list[Transaction]:
    """Give each row its payment (with prefetched transactions) and the payment its order, so
    the money engine's rules read them without a query per row."""
    by_pk = {p.pk: p for p in payments}
    attached = []
    for row in rows:
        payment = by_pk.get(row.payment_id)
        if payment is None:
            continue
        payment.order = order
        row.payment = payment
        attached.append(row)
    return attached


def refundable_captures(
    rows: Iterable[Transaction], *, invoice: Invoice | None
) -> list[Transaction]:
    """Successful money-in rows of the invoice (or the order), oldest first; an invoice's
    include the captures made without an invoice that the recompute linked to it."""
    rows = list(rows)
    linked: set[int] = set()
    if invoice is not None:
        own = sum(
            r.amount
            for r in rows
            if r.invoice_id == invoice.pk and r.type in CASH_IN and r.status == S.SUCCESS
        )
        if invoice.amount_paid > own:  # only then is there a link to read
            linked = {link.transaction_id for link in invoice.capture_links.all()}
    captures = [
        r
        for r in rows
        if r.type in CASH_IN
        and r.status == S.SUCCESS
        and (invoice is None or r.invoice_id == invoice.pk or r.pk in linked)
    ]
    return sorted(captures, key=lambda r: (r.created_at, r.pk))


def plan_refund(
    *,
    captures: Iterable[Transaction],
    amount: int,
    online: bool,
    user: User | None,
    currency: str,
) -> RefundPlan:
    """Spread `amount` over `captures` (rows with their payments attached), oldest first."""
    operation = ops.REFUND if online else ops.REFUND_OFFLINE
    steps: list[RefundStep] = []
    refused: list[Availability] = []
    left = amount
    for capture in captures:
        if left <= 0:
            break
        answer = ops.availability(operation, user=user, target=capture)
        if not answer.allowed:
            refused.append(answer)
            continue
        most = answer.max_amount or 0
        take = min(left, most)
        if take <= 0:
            continue
        if not answer.amount_editable and take != most:
            whole = format_money(most, currency)
            why = Reason(f"the gateway only refunds the whole {whole} of this capture")
            refused.append(unavailable(operation.code, operation.label, why))
            continue
        steps.append(RefundStep(capture=capture, amount=take))
        left -= take
    return RefundPlan(amount=amount, online=online, currency=currency, steps=steps, refused=refused)
