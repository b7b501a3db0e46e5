"""Edit an order (Save changes on the Edit page) and authorize what the edit left to collect.

`order_edit` locks the order (then its payments), re-checks permission, state and the form's
version, applies the plan (`orders.order_edit_plan`, the same the page's live totals show),
stores the edit as a version (`OrderEdit`: lines and totals before and after, author, reason),
writes the order's history and recomputes its payment status ("Partially authorized" when the
authorizations now fall short of the new grand total), all in one transaction.

`order_authorize_difference` takes a new authorization for the positive Outstanding on the
payment method on file (the money engine's `payment_authorize`, with its own lock and history).
"""

from django.contrib.auth.models import User
from django.db import transaction

from backoffice.audit.events import ORDER_EDIT, record_event
from backoffice.availability import ensure
from backoffice.errors import ErrorCode
from backoffice.money import format_money
from backoffice.users import user_label
from orders.enums import InvoiceState
from orders.history import comment_edit
from orders.models import InvoiceItem, Order, OrderEdit, OrderItem
from orders.operations import OrderOperation, order_operation_availability
from orders.order_edit_plan import EditChanges, EditPlan, PlannedLine, edit_plan
from orders.outstanding import payment_on_file
from orders.services.order_documents import (
    DocumentError,
    StaleOrder,
    bump_version,
    check_version,
    order_progress,
)
from payments.figures import figures_of
from payments.locks import lock_order_and_payments
from payments.models import Payment, Transaction
from payments.recompute import order_payments_recompute
from payments.services import OperationResult, payment_authorize

NOTHING_CHANGED = "Nothing was changed: change a quantity, a line or the shipping first."


def shipping_invoiced(order: Order) -> bool:
    """The shipping goes on the first invoice: it is invoiced once an open or paid one exists."""
    return any(inv.state != InvoiceState.CANCELED for inv in order.invoices.all())


def order_edit(
    *,
    order: Order,
    actor: User,
    changes: EditChanges,
    reason: str,
    expected_version: int,
    idempotency_key: str,
) -> OrderEdit:
    """Apply `changes` to the order as one stored version; locks the order then its payments.

    The same form submitted twice (its one-time key) returns the first edit, changing nothing.
    Raises `OperationUnavailable` (permission: 403; state: 409), `StaleOrder` when the order
    changed since the form was drawn, `DomainError` naming the field for bad changes.
    """
    with transaction.atomic(durable=True):
        locked, _payments = lock_order_and_payments(order.pk)
        if done := OrderEdit.objects.filter(idempotency_key=idempotency_key).first():
            return done
        ensure(
            order_operation_availability(user=actor, order=locked, operation=OrderOperation.EDIT)
        )
        check_version(locked, expected_version)
        plan = edit_plan(
            order=locked,
            items=locked.items.all(),
            shipping_invoiced=shipping_invoiced(locked),
            changes=changes,
        )
        if not plan.changed:
            raise DocumentError(ErrorCode.INVALID, NOTHING_CHANGED)
        _check_removable(plan)
        edit = _store(locked, plan, actor=actor, reason=reason, idempotency_key=idempotency_key)
        _apply(locked, plan)
        grand = f"grand total {_money(locked, plan.before.grand_total)} → "
        grand += _money(locked, plan.after.grand_total)
        body = f"Order edited by {user_label(actor)}: {plan.summary()}; {grand}.\nReason: {reason}"
        comment_edit(order=locked, author=actor, body=body)
        record_event(
            type=ORDER_EDIT,
            user=actor,
            obj=edit,
            store_code=locked.store.code,
            order_number=locked.number,
            message=f"{plan.summary()}; {grand}",
            details={"reason": reason, "before": edit.before, "after": edit.after},
        )
        order_payments_recompute(order=locked)
        order_progress(order=locked, user=actor)  # lowered to what is invoiced and paid: complete
        bump_version(locked)
    return edit


def _money(order: Order, amount: int) -> str:
    return format_money(amount, order.currency)


def _store(
    order: Order, plan: EditPlan, *, actor: User, reason: str, idempotency_key: str
) -> OrderEdit:
    before = [line for line in plan.lines if line.item is not None]
    after = [line for line in plan.lines if line.qty]
    return OrderEdit.objects.create(
        order=order,
        number=OrderEdit.objects.filter(order=order).count() + 1,
        author=actor,
        author_label=user_label(actor),
        reason=reason,
        summary=plan.summary(),
        before={
            "lines": [_before_json(line) for line in before],
            "totals": plan.before.as_json(),
        },
        after={"lines": [line.as_json() for line in after], "totals": plan.after.as_json()},
        grand_total_before=plan.before.grand_total,
        grand_total_after=plan.after.grand_total,
        idempotency_key=idempotency_key,
    )


def _check_removable(plan: EditPlan) -> None:
    """A removed line may still be named by a canceled invoice's items: it then stays."""
    removed = [line.item for line in plan.lines if line.item is not None and line.qty == 0]
    for item in removed:
        if InvoiceItem.objects.filter(order_item=item).exists():
            raise DocumentError(
                ErrorCode.INVALID,
                f"{item.name} is on a canceled invoice: lower its quantity instead.",
                field=f"remove_{item.pk}",
            )


def _before_json(line: PlannedLine) -> dict[str, object]:
    item = line.item
    assert item is not None
    return {
        "sku": item.sku,
        "name": item.name,
        "qty": item.qty_ordered,
        "qty_invoiced": item.qty_invoiced,
        "unit_price": item.unit_price,
        "tax": item.tax_amount,
        "discount": item.discount_amount,
    }


def _apply(order: Order, plan: EditPlan) -> None:
    """Write the plan's lines and totals (the order's CHECK constraints hold them)."""
    for line in plan.lines:
        if line.item is None:
            OrderItem.objects.create(
                order=order,
                sku=line.sku,
                name=line.name,
                qty_ordered=line.qty,
                unit_price=line.unit_price,
                tax_amount=line.tax,
                discount_amount=line.discount,
                row_total=line.row_total,
            )
        elif line.qty == 0:
            line.item.delete()
        elif line.qty != line.qty_before:
            OrderItem.objects.filter(pk=line.item.pk).update(
                qty_ordered=line.qty,
                row_total=line.row_total,
                tax_amount=line.tax,
                discount_amount=line.discount,
            )
    after = plan.after
    order.subtotal, order.shipping_amount = after.subtotal, after.shipping
    order.tax_amount, order.discount_amount = after.tax, after.discount
    order.grand_total = after.grand_total
    order.save(
        update_fields=[
            "subtotal",
            "shipping_amount",
            "tax_amount",
            "discount_amount",
            "grand_total",
            "updated_at",
        ]
    )


def order_authorize_difference(
    *, order: Order, user: User, expected_version: int, idempotency_key: str
) -> OperationResult:
    """Authorize the positive Outstanding on the payment method on file (a new payment).

    The registry's answer (permission, state, amount, the gateway's ability) is checked under
    the order lock with the form's version; the money engine then runs its own skeleton.
    """
    with transaction.atomic(durable=True):
        locked, _payments = lock_order_and_payments(order.pk)
        repeated = Transaction.objects.filter(idempotency_key=idempotency_key).first()
        if repeated is None:  # the same form again: the engine answers with the first outcome
            answer = order_operation_availability(
                user=user, order=locked, operation=OrderOperation.AUTHORIZE_DIFFERENCE
            )
            ensure(answer)
            check_version(locked, expected_version)
        on_file = payment_on_file(locked)
    amount = repeated.amount if repeated is not None else answer.max_amount
    assert on_file is not None and amount  # the registry said so
    return payment_authorize(
        order=order,
        amount=amount,
        actor=user,
        idempotency_key=idempotency_key,
        gateway_account=on_file.gateway_account,
        card_brand=on_file.card_brand,
        card_last4=on_file.card_last4,
        method_title=on_file.method_title,
        on_file_reference=on_file.gateway_reference,
        memo="Authorize the difference after an order edit.",
        also_check=_still_outstanding,
    )


def _still_outstanding(locked: Order, _payment: Payment | None, amount: int) -> None:
    """Under the money flow's lock: the Outstanding is still what is being authorized (a
    concurrent authorization, payment or edit changed it: nothing is sent). An authorization
    still waiting for the gateway counts as taken."""
    payments = list(locked.payments.all())
    waiting = sum(p.pending_authorization for p in payments)
    if figures_of(locked, payments=payments).outstanding - waiting != amount:
        raise StaleOrder()
