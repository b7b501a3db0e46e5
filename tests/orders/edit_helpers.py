"""Orders to edit: the X-Payments story's start (1 × 56.00 + 5.00 shipping, one 61.00
authorization through the real sandbox), and staff who may edit."""

from orders.models import Order, OrderItem
from orders.order_edit_plan import EditChanges, NewLine
from orders.services.order_edit import order_edit
from payments.models import Payment
from tests.orders.invoice_helpers import ALL_MONEY, authorizations, fresh, key, order_with_items
from tests.payments.money_helpers import staff

EDITOR = [*ALL_MONEY, "edit_order", "refund_online", "refund_offline"]


def editor(username: str = "finance", codenames: list[str] | None = None):
    return staff(username, EDITOR if codenames is None else codenames)


def one_unit_order(**fields) -> tuple[Order, OrderItem, Payment]:
    """1 × Simple product 1 at 56.00, shipping 5.00, one 61.00 sandbox authorization."""
    order, item = order_with_items(qty=1, shipping=500, **fields)
    OrderItem.objects.filter(pk=item.pk).update(name="Simple product 1")
    item.refresh_from_db()
    (payment,) = authorizations(order, 6100)
    return fresh(order), item, payment


def edit(order: Order, user, reason: str = "Customer asked for one more.", **changes):
    return order_edit(
        order=fresh(order),
        actor=user,
        changes=EditChanges(**changes),
        reason=reason,
        expected_version=fresh(order).version,
        idempotency_key=key(),
    )


def new_line(**fields) -> NewLine:
    values = {"sku": "SP2", "name": "Simple product 2", "qty": 1, "unit_price": 2000, **fields}
    return NewLine(**values)
