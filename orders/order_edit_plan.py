"""What an order edit would change, computed without writing anything.

The Edit page's live totals and, under the order lock, `orders.services.order_edit` read the
same plan, so the totals shown are the totals saved. Rules:

- a line's quantity never goes below what is invoiced; a line with nothing invoiced may be
  removed; a new line has a SKU, a name, a quantity, a unit price, and its row tax and discount;
- a line's row tax and discount follow its quantity exactly (`backoffice.money.allocate`, the
  invoices' split): fewer units keep the shares of the first units, more units add the per-unit
  share of the line (its smallest part), so the units already invoiced keep their shares;
- the shipping amount may change while no open or paid invoice carries it;
- order-level tax and discount not attributed to an item (shipping tax, cart discounts) stay;
  grand total = subtotal + shipping + tax − discount, never below zero.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from backoffice.errors import DomainError, ErrorCode
from backoffice.money import allocate, format_money
from orders.models import Order, OrderItem

MAX_QTY = 10_000


@dataclass(frozen=True)
class NewLine:
    sku: str
    name: str
    qty: int
    unit_price: int
    tax: int = 0
    discount: int = 0


@dataclass(frozen=True)
class EditChanges:
    """What staff asked: {item pk: new quantity}, items to remove, a new line, the shipping."""

    quantities: Mapping[int, int] = field(default_factory=dict)
    removed: frozenset[int] = frozenset()
    added: tuple[NewLine, ...] = ()
    shipping: int | None = None


@dataclass(frozen=True)
class PlannedLine:
    """A line as it would stand; `item` None for a new one, `qty` 0 for a removed one."""

    item: OrderItem | None
    sku: str
    name: str
    qty: int
    qty_before: int
    qty_invoiced: int
    unit_price: int
    tax: int
    discount: int

    @property
    def row_total(self) -> int:
        return self.unit_price * self.qty

    def as_json(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "name": self.name,
            "qty": self.qty,
            "qty_invoiced": self.qty_invoiced,
            "unit_price": self.unit_price,
            "tax": self.tax,
            "discount": self.discount,
        }


@dataclass(frozen=True)
class Totals:
    subtotal: int
    shipping: int
    tax: int
    discount: int

    @property
    def grand_total(self) -> int:
        return self.subtotal + self.shipping + self.tax - self.discount

    def as_json(self) -> dict[str, int]:
        return {
            "subtotal": self.subtotal,
            "shipping": self.shipping,
            "tax": self.tax,
            "discount": self.discount,
            "grand_total": self.grand_total,
        }


@dataclass(frozen=True)
class EditPlan:
    currency: str
    lines: list[PlannedLine]
    before: Totals
    after: Totals

    @property
    def difference(self) -> int:
        return self.after.grand_total - self.before.grand_total

    @property
    def difference_abs(self) -> int:
        return abs(self.difference)

    @property
    def changed(self) -> bool:
        return self.before != self.after or any(
            line.qty != line.qty_before or line.item is None for line in self.lines
        )

    def summary(self) -> str:
        """ "+1 × Simple product 1 ($56.00), shipping $5.00 → $10.00"."""
        money = lambda amount: format_money(amount, self.currency)  # noqa: E731
        parts = []
        for line in self.lines:
            delta = line.qty - line.qty_before
            if line.item is None:
                parts.append(f"added {line.qty} × {line.name} ({money(line.unit_price)})")
            elif line.qty == 0:
                parts.append(f"removed {line.qty_before} × {line.name}")
            elif delta:
                parts.append(f"{delta:+d} × {line.name} ({money(line.unit_price)})")
        if self.before.shipping != self.after.shipping:
            parts.append(f"shipping {money(self.before.shipping)} → {money(self.after.shipping)}")
        return ", ".join(parts)


def _line_share(total: int, qty: int, of_qty: int) -> int:
    """A row amount for `qty` units of a line whose `of_qty` units carry `total`."""
    if qty <= of_qty:
        return allocate(total, qty, of_qty)
    return total + (qty - of_qty) * (total // of_qty)


def _item_line(item: OrderItem, qty: int) -> PlannedLine:
    return PlannedLine(
        item=item,
        sku=item.sku,
        name=item.name,
        qty=qty,
        qty_before=item.qty_ordered,
        qty_invoiced=item.qty_invoiced,
        unit_price=item.unit_price,
        tax=_line_share(item.tax_amount, qty, item.qty_ordered),
        discount=_line_share(item.discount_amount, qty, item.qty_ordered),
    )


def _new_line(line: NewLine) -> PlannedLine:
    return PlannedLine(
        item=None,
        sku=line.sku,
        name=line.name,
        qty=line.qty,
        qty_before=0,
        qty_invoiced=0,
        unit_price=line.unit_price,
        tax=line.tax,
        discount=line.discount,
    )


def _refuse(message: str, field_name: str) -> DomainError:
    return DomainError(ErrorCode.INVALID, message, field=field_name or None)


def _checked_qty(item: OrderItem, changes: EditChanges) -> int:
    if item.pk in changes.removed:
        if item.qty_invoiced:
            raise _refuse(
                f"{item.qty_invoiced} of {item.name} are invoiced: the line can't be removed.",
                f"remove_{item.pk}",
            )
        return 0
    qty = changes.quantities.get(item.pk, item.qty_ordered)
    if qty < max(item.qty_invoiced, 1) or qty > MAX_QTY:
        low = max(item.qty_invoiced, 1)
        why = f" ({item.qty_invoiced} invoiced)" if item.qty_invoiced else ""
        raise _refuse(f"Enter a quantity from {low} to {MAX_QTY}{why}.", f"qty_{item.pk}")
    return qty


def order_totals(order: Order) -> Totals:
    return Totals(
        subtotal=order.subtotal,
        shipping=order.shipping_amount,
        tax=order.tax_amount,
        discount=order.discount_amount,
    )


def edit_plan(
    *,
    order: Order,
    items: Iterable[OrderItem],
    shipping_invoiced: bool,
    changes: EditChanges,
) -> EditPlan:
    """The order after `changes`; raises `DomainError` naming the field at fault."""
    items = list(items)
    lines = [_item_line(item, _checked_qty(item, changes)) for item in items]
    for line in changes.added:
        if line.discount > line.unit_price * line.qty + line.tax:
            raise _refuse(
                "The discount can't be more than the row total and its tax.", "new_discount"
            )
        lines.append(_new_line(line))
    shipping = order.shipping_amount
    if changes.shipping is not None and changes.shipping != shipping:
        if shipping_invoiced:
            raise _refuse("The shipping is already invoiced: it can't change.", "shipping")
        shipping = changes.shipping
    extra_tax = max(order.tax_amount - sum(i.tax_amount for i in items), 0)
    extra_discount = max(order.discount_amount - sum(i.discount_amount for i in items), 0)
    after = Totals(
        subtotal=sum(line.row_total for line in lines),
        shipping=shipping,
        tax=sum(line.tax for line in lines) + extra_tax,
        discount=sum(line.discount for line in lines) + extra_discount,
    )
    if not any(line.qty for line in lines):
        raise _refuse("An order keeps at least one line.", "")
    if after.grand_total < 0:
        raise _refuse("The discounts can't exceed the order's total.", "")
    return EditPlan(currency=order.currency, lines=lines, before=order_totals(order), after=after)
