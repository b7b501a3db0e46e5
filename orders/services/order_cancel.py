"""Void and Cancel on the order header.

- Void: voids every open authorization online (one money-engine void each), and only that: the
  order stays open with what it still owes (with nothing captured it awaits payment, state
  pending_payment, moved by the money state rules). Cancelling items or the order is Cancel,
  which needs its own permission (issue 15: Void ≠ Cancel).
- Cancel: the same voids, then the items not invoiced are canceled; the order is canceled when
  nothing was invoiced, otherwise it completes with what was invoiced.

When a void fails nothing else changes: the history says which authorization failed and why,
and the order stays as it was for staff to retry or resolve.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.template.defaultfilters import pluralize

from backoffice.availability import ensure
from backoffice.errors import DomainError
from backoffice.money import format_money
from orders.capture_plan import open_authorizations
from orders.enums import InvoiceState, OrderState
from orders.history import comment_status
from orders.models import Invoice, Order, OrderItem
from orders.operations import OrderOperation, order_operation_availability
from orders.services.invoice_outcome import authorization_label, failure_reason
from orders.services.order_documents import (
    bump_version,
    check_version,
    order_progress,
)
from orders.services.state import can_change_state, order_change_state
from payments.locks import lock_order_and_payments
from payments.models import Payment, Transaction
from payments.services import payment_void


@dataclass(frozen=True)
class VoidStep:
    payment: Payment
    transaction: Transaction | None = None
    # The money engine refused before writing anything (the authorization changed meanwhile).
    refusal: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.transaction is not None and self.transaction.is_settled

    @property
    def reason(self) -> str:
        if self.refusal is not None:
            return self.refusal.rstrip(".")
        assert self.transaction is not None
        return failure_reason(self.transaction)


@dataclass(frozen=True)
class VoidOutcome:
    order: Order
    operation: str
    steps: list[VoidStep] = field(default_factory=list)
    repeated: bool = False
    canceled: bool = False
    items_canceled: int = 0

    @property
    def voided(self) -> int:
        return sum(
            step.transaction.amount
            for step in self.steps
            if step.transaction is not None and step.succeeded
        )

    @property
    def failures(self) -> list[VoidStep]:
        return [step for step in self.steps if not step.succeeded]

    @property
    def level(self) -> int:
        if self.failures:
            return messages.WARNING if self.voided else messages.ERROR
        return messages.SUCCESS

    def message(self) -> str:
        if self.repeated:
            return f"{self.operation} was already submitted with this form; nothing more was done."

        def fmt(minor: int) -> str:
            return format_money(minor, self.order.currency)

        parts = []
        if self.voided:
            parts.append(f"Voided {fmt(self.voided)} online.")
        for step in self.failures:
            parts.append(f"The void of {authorization_label(step.payment)} failed: {step.reason}.")
        if self.failures and self.operation == "Cancel":
            parts.append("The order was not canceled.")
        if self.items_canceled:
            units = self.items_canceled
            verb = "is" if units == 1 else "are"
            parts.append(f"{units} item unit{pluralize(units)} not invoiced {verb} canceled.")
        if self.canceled:
            parts.append("The order is canceled.")
        elif self.operation == "Void" and self.voided:
            parts.append("The order stays open with what it still owes; Cancel cancels it.")
        return " ".join(parts) or f"{self.operation}: nothing was left to do."


def _repeated(key: str) -> bool:
    return Transaction.objects.filter(idempotency_key__startswith=f"{key}:").exists()


def _void_all(*, payments: list[Payment], user: User, key: str) -> list[VoidStep]:
    steps = []
    for payment in payments:
        try:
            result = payment_void(
                payment=payment, actor=user, idempotency_key=f"{key}:{payment.pk}"
            )
        except DomainError as exc:
            steps.append(VoidStep(payment=payment, refusal=exc.message))
        else:
            steps.append(VoidStep(payment=payment, transaction=result.transaction))
    return steps


def _start(
    *,
    order: Order,
    user: User,
    operation: OrderOperation,
    expected_version: int,
    key: str,
) -> list[Payment] | None:
    """Step 1 under the lock: None for a repeated submit, else the authorizations to void."""
    with transaction.atomic(durable=True):
        locked, payments = lock_order_and_payments(order.pk)
        if _repeated(key) or (
            operation == OrderOperation.CANCEL and locked.state == OrderState.CANCELED
        ):
            return None
        check_version(locked, expected_version)
        ensure(order_operation_availability(user=user, order=locked, operation=operation))
        bump_version(locked)
        return open_authorizations(payments)


def _cancel_items(order: Order) -> int:
    """Cancel every unit not invoiced; returns how many."""
    count = 0
    for item in order.items.all():
        left = item.qty_to_invoice
        if left > 0:
            OrderItem.objects.filter(pk=item.pk).update(qty_canceled=F("qty_canceled") + left)
            count += left
    return count


def _change_state(order: Order, to: str, user: User, reason: str) -> bool:
    """Move the order unless the money engine's own state sync already did."""
    if order.state == to or not can_change_state(order, to):
        return order.state == to
    return order_change_state(order=order, to=to, actor=user, reason=reason)


def order_void(
    *, order: Order, user: User, expected_version: int, idempotency_key: str
) -> VoidOutcome:
    """Void every open authorization; the order stays open with its outstanding amount."""
    targets = _start(
        order=order,
        user=user,
        operation=OrderOperation.VOID,
        expected_version=expected_version,
        key=idempotency_key,
    )
    if targets is None:
        return VoidOutcome(order=order, operation="Void", repeated=True)
    steps = _void_all(payments=targets, user=user, key=idempotency_key)
    with transaction.atomic(durable=True):
        locked, _payments = lock_order_and_payments(order.pk)
        bump_version(locked)
    return VoidOutcome(order=locked, operation="Void", steps=steps)


def order_cancel(
    *, order: Order, user: User, expected_version: int, idempotency_key: str
) -> VoidOutcome:
    """Void what is open, then cancel the items not invoiced (nothing, if a void failed)."""
    targets = _start(
        order=order,
        user=user,
        operation=OrderOperation.CANCEL,
        expected_version=expected_version,
        key=idempotency_key,
    )
    if targets is None:
        return VoidOutcome(order=order, operation="Cancel", repeated=True)
    steps = _void_all(payments=targets, user=user, key=idempotency_key)
    canceled, items = False, 0
    with transaction.atomic(durable=True):
        locked, _payments = lock_order_and_payments(order.pk)
        if all(step.succeeded for step in steps):
            items = _cancel_items(locked)
            comment_status(
                order=locked,
                author=user,
                body=f"Canceled {items} item unit{pluralize(items)} not invoiced.",
            )
            invoiced = Invoice.objects.filter(order=locked).exclude(state=InvoiceState.CANCELED)
            if invoiced.exists():
                order_progress(order=locked, user=user)
            else:
                canceled = _change_state(locked, OrderState.CANCELED, user, "Canceled by staff.")
        bump_version(locked)
    return VoidOutcome(
        order=locked, operation="Cancel", steps=steps, canceled=canceled, items_canceled=items
    )
