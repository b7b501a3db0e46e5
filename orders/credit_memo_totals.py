"""What a credit memo for given quantities and amounts would contain, and whether it may.

Rules (Magento's, made exact):
- Qty to Refund of an item ≤ what its source invoiced and no memo refunded yet (for an invoice:
  its own quantity less what earlier memos of that invoice took; for the order: invoiced −
  refunded). Memos that failed or were canceled give their quantities back.
- An item's amounts are split per unit with `backoffice.money.allocate` over the units of its
  source (the invoice item, or the order item for an order-level memo); a memo takes the next
  units not yet refunded, so successive memos add up exactly to what was invoiced.
- Refund Shipping ≤ shipping invoiced − shipping already refunded.
- grand total = subtotal + shipping + tax − discount + Adjustment Refund − Adjustment Fee
  − earlier adjustment; more than zero, and at most the refund limit (see `orders.refundable`,
  where an Adjustment Fee kept is never refundable later).
- Earlier adjustment: money an earlier memo's Adjustment Refund already gave back is never
  proposed again. When the items and shipping chosen would take more than is left to refund,
  the Adjustment Refunds earlier memos gave (less what memos since took off for them) come off
  this memo, up to what closes the gap: a goodwill $20.00 stays the customer's while items
  come back one by one, and the memo for the last ones refunds what is left, not $20.00 more.

Used by the New Credit Memo form's live totals and, under the order lock, by the service.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from backoffice.errors import ErrorCode
from backoffice.money import allocate, format_money
from orders.enums import InvoiceState
from orders.models import CreditMemo, Invoice, Order, OrderItem
from orders.refundable import COUNTED_MEMO_STATES, RefundLimit, refund_limit
from payments.models import Transaction

ZERO_TOTAL = "The credit memo total must be more than zero."


@dataclass(frozen=True)
class RefundableItem:
    order_item: OrderItem
    qty_source: int  # units the amounts below are spread over
    qty_refunded: int  # of those units, already taken by earlier memos
    qty_left: int  # what this memo may take
    row_total: int
    tax_amount: int
    discount_amount: int


@dataclass(frozen=True)
class MemoSource:
    """What a memo for this invoice (or the order) may refund, as things stand."""

    order: Order
    invoice: Invoice | None
    items: list[RefundableItem]
    shipping_left: int
    limit: RefundLimit
    # Adjustment Refunds of the order's earlier memos not yet taken off a memo since.
    adjustments_given: int = 0

    @property
    def currency(self) -> str:
        return self.order.currency

    def item(self, pk: int) -> RefundableItem | None:
        return next((i for i in self.items if i.order_item.pk == pk), None)


def _counted(memos: Iterable[CreditMemo]) -> list[CreditMemo]:
    return [m for m in memos if m.state in COUNTED_MEMO_STATES]


def memo_source(
    *,
    order: Order,
    invoice: Invoice | None,
    items: Iterable[OrderItem],
    invoices: Iterable[Invoice],
    memos: Iterable[CreditMemo],
    rows: Iterable[Transaction],
) -> MemoSource:
    """`invoice.items`, and each memo's `items`, are read through `.all()` (prefetch them)."""
    items, memos, rows = list(items), _counted(memos), list(rows)
    invoiced_shipping = sum(i.shipping_amount for i in invoices if i.state != InvoiceState.CANCELED)
    order_shipping_left = invoiced_shipping - sum(m.shipping_amount for m in memos)
    limit = refund_limit(order=order, invoice=invoice, rows=rows, memos=memos)
    given = sum(m.adjustment_refund - m.earlier_adjustment for m in memos)
    if invoice is None:
        refundable = [
            RefundableItem(
                order_item=item,
                qty_source=item.qty_ordered,
                qty_refunded=item.qty_refunded,
                qty_left=max(item.qty_to_refund, 0),
                row_total=item.row_total,
                tax_amount=item.tax_amount,
                discount_amount=item.discount_amount,
            )
            for item in items
            if item.qty_invoiced > 0
        ]
        shipping = max(order_shipping_left, 0)
        return MemoSource(order, None, refundable, shipping, limit, max(given, 0))
    own = [m for m in memos if m.invoice_id == invoice.pk]
    taken: dict[int, int] = {}
    for memo in own:
        for refunded in memo.items.all():
            taken[refunded.order_item_id] = taken.get(refunded.order_item_id, 0) + refunded.qty
    by_pk = {item.pk: item for item in items}
    refundable = []
    for line in invoice.items.all():
        item = by_pk[line.order_item_id]
        already = taken.get(item.pk, 0)
        refundable.append(
            RefundableItem(
                order_item=item,
                qty_source=line.qty,
                qty_refunded=already,
                qty_left=max(min(line.qty - already, item.qty_to_refund), 0),
                row_total=line.row_total,
                tax_amount=line.tax_amount,
                discount_amount=line.discount_amount,
            )
        )
    shipping_left = invoice.shipping_amount - sum(m.shipping_amount for m in own)
    shipping_left = max(min(shipping_left, order_shipping_left), 0)
    return MemoSource(order, invoice, refundable, shipping_left, limit, max(given, 0))


@dataclass(frozen=True)
class MemoLine:
    order_item: OrderItem
    qty: int
    row_total: int
    tax_amount: int
    discount_amount: int
    back_to_stock: bool = False

    @property
    def total(self) -> int:
        return self.row_total + self.tax_amount - self.discount_amount


def memo_line(item: RefundableItem, qty: int, *, back_to_stock: bool = False) -> MemoLine:
    def share(total: int) -> int:
        return allocate(total, item.qty_refunded + qty, item.qty_source) - allocate(
            total, item.qty_refunded, item.qty_source
        )

    return MemoLine(
        order_item=item.order_item,
        qty=qty,
        row_total=share(item.row_total),
        tax_amount=share(item.tax_amount),
        discount_amount=share(item.discount_amount),
        back_to_stock=back_to_stock,
    )


@dataclass(frozen=True)
class MemoTotals:
    currency: str
    lines: list[MemoLine] = field(default_factory=list)
    shipping_amount: int = 0
    adjustment_refund: int = 0
    adjustment_fee: int = 0
    earlier_adjustment: int = 0  # given back by earlier memos' Adjustment Refunds: taken off

    @property
    def subtotal(self) -> int:
        return sum(line.row_total for line in self.lines)

    @property
    def tax_amount(self) -> int:
        return sum(line.tax_amount for line in self.lines)

    @property
    def discount_amount(self) -> int:
        return sum(line.discount_amount for line in self.lines)

    @property
    def goods(self) -> int:
        """What the items and the shipping refund (before adjustments)."""
        return self.subtotal + self.shipping_amount + self.tax_amount - self.discount_amount

    @property
    def grand_total(self) -> int:
        return self.goods + self.adjustment_refund - self.adjustment_fee - self.earlier_adjustment

    @property
    def qty(self) -> int:
        return sum(line.qty for line in self.lines)

    def describe(self) -> str:
        """ "2 × SP1, shipping $10.00, adjustment refund $5.00" for the history."""
        fmt = lambda minor: format_money(minor, self.currency)  # noqa: E731
        parts = [f"{line.qty} × {line.order_item.sku}" for line in self.lines]
        if self.shipping_amount:
            parts.append(f"shipping {fmt(self.shipping_amount)}")
        if self.adjustment_refund:
            parts.append(f"adjustment refund {fmt(self.adjustment_refund)}")
        if self.adjustment_fee:
            parts.append(f"adjustment fee {fmt(self.adjustment_fee)}")
        if self.earlier_adjustment:
            given = fmt(self.earlier_adjustment)
            parts.append(f"less {given} already given back by an earlier adjustment refund")
        return ", ".join(parts)


def memo_totals(
    source: MemoSource,
    *,
    quantities: Mapping[int, int],
    back_to_stock: Iterable[int] = (),
    shipping_amount: int = 0,
    adjustment_refund: int = 0,
    adjustment_fee: int = 0,
) -> MemoTotals:
    """Totals for `quantities` ({order item pk: qty}); quantities are taken as given. The
    earlier adjustment is worked out here (see the module's rules): never typed."""
    stock = set(back_to_stock)
    lines = [
        memo_line(item, quantities[item.order_item.pk], back_to_stock=item.order_item.pk in stock)
        for item in source.items
        if quantities.get(item.order_item.pk, 0) > 0
    ]
    totals = MemoTotals(
        currency=source.currency,
        lines=lines,
        shipping_amount=shipping_amount,
        adjustment_refund=adjustment_refund,
        adjustment_fee=adjustment_fee,
    )
    over = totals.grand_total - source.limit.available
    earlier = min(over, source.adjustments_given, totals.goods)
    return replace(totals, earlier_adjustment=earlier) if earlier > 0 else totals


def qty_error(item: RefundableItem | None, qty: int) -> str | None:
    if item is None:
        return "This item can't be refunded from here."
    if qty < 0:
        return "The quantity cannot be negative."
    if qty > item.qty_left:
        left = item.qty_left
        return f"Only {left} left to refund." if left else "Nothing left to refund."
    return None


def shipping_error(source: MemoSource, amount: int) -> str | None:
    if amount > source.shipping_left:
        left = format_money(source.shipping_left, source.currency)
        return f"At most {left} of shipping is left to refund."
    return None


def total_error(source: MemoSource, totals: MemoTotals) -> tuple[ErrorCode, str] | None:
    """(code, message) when the total is not refundable: not more than zero (INVALID_AMOUNT)
    or over the refund limit (AMOUNT_EXCEEDS)."""
    if totals.grand_total <= 0:
        return ErrorCode.INVALID_AMOUNT, ZERO_TOTAL
    if totals.grand_total > source.limit.available:
        return ErrorCode.AMOUNT_EXCEEDS, source.limit.exceeded_message()
    return None
