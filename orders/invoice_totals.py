"""What an invoice for given quantities would contain, computed without writing anything.

Rules (Magento's, made exact):
- An item's row total, tax and discount are split over its ordered units with
  `backoffice.money.allocate`; an invoice takes the next units not yet invoiced, so the shares
  of successive partial invoices always add up to the item's amounts (remainder on the last
  units).
- Shipping goes on the first invoice: the one created while the order has no open or paid
  invoice (canceling that invoice hands the shipping to the next one). Order-level tax and
  discount not attributed to an item (shipping tax, cart discounts) travel with the shipping.
- grand total = subtotal + shipping + tax − discount; more than zero, except on an order whose
  own total is zero (fully discounted): its invoice of 0.00 has nothing to capture, is paid as
  soon as it exists, and lets the order complete, as in Magento (`invoice_total_refusal`).

Used by the New Invoice form's live totals and, under the order lock, by `invoice_create`.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from backoffice.money import allocate
from orders.enums import InvoiceState
from orders.models import Invoice, Order, OrderItem

ZERO_TOTAL = "The invoice total must be more than zero."


@dataclass(frozen=True)
class InvoiceLine:
    order_item: OrderItem
    qty: int
    row_total: int
    tax_amount: int
    discount_amount: int

    @property
    def total(self) -> int:
        return self.row_total + self.tax_amount - self.discount_amount


@dataclass(frozen=True)
class InvoiceTotals:
    currency: str
    lines: list[InvoiceLine]
    subtotal: int
    shipping_amount: int
    tax_amount: int
    discount_amount: int

    @property
    def grand_total(self) -> int:
        return self.subtotal + self.shipping_amount + self.tax_amount - self.discount_amount

    @property
    def qty(self) -> int:
        return sum(line.qty for line in self.lines)


def _units_share(total: int, *, already: int, qty: int, of_qty: int) -> int:
    """Share of `total` for units already+1 … already+qty out of `of_qty` units."""
    return allocate(total, already + qty, of_qty) - allocate(total, already, of_qty)


def invoice_line(item: OrderItem, qty: int) -> InvoiceLine:
    def share(total: int) -> int:
        return _units_share(total, already=item.qty_invoiced, qty=qty, of_qty=item.qty_ordered)

    return InvoiceLine(
        order_item=item,
        qty=qty,
        row_total=share(item.row_total),
        tax_amount=share(item.tax_amount),
        discount_amount=share(item.discount_amount),
    )


def is_first_invoice(invoices: Iterable[Invoice]) -> bool:
    """True while no open or paid invoice exists: the next invoice carries the shipping."""
    return all(inv.state == InvoiceState.CANCELED for inv in invoices)


def invoice_totals(
    *,
    order: Order,
    items: Iterable[OrderItem],
    quantities: Mapping[int, int],
    include_shipping: bool,
) -> InvoiceTotals:
    """Totals of an invoice taking `quantities[item.pk]` units of each item (0 or missing: none).

    Quantities are taken as given; the caller validates them against `qty_to_invoice`.
    """
    items = list(items)
    lines = [
        invoice_line(item, quantities[item.pk]) for item in items if quantities.get(item.pk, 0) > 0
    ]
    shipping = tax_extra = discount_extra = 0
    if include_shipping:
        shipping = order.shipping_amount
        tax_extra = max(order.tax_amount - sum(i.tax_amount for i in items), 0)
        discount_extra = max(order.discount_amount - sum(i.discount_amount for i in items), 0)
    return InvoiceTotals(
        currency=order.currency,
        lines=lines,
        subtotal=sum(line.row_total for line in lines),
        shipping_amount=shipping,
        tax_amount=sum(line.tax_amount for line in lines) + tax_extra,
        discount_amount=sum(line.discount_amount for line in lines) + discount_extra,
    )


def invoice_total_refusal(*, order: Order, totals: InvoiceTotals) -> str | None:
    """Why an invoice of `totals` can't be created (None: it can). A total of zero is refused
    unless the order's own total is zero: a fully discounted order is invoiced for 0.00."""
    if totals.grand_total > 0 or (totals.grand_total == 0 and order.grand_total == 0):
        return None
    return ZERO_TOTAL
