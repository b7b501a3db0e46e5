"""Refund and Refund Offline for an amount: whether each button can take it now, and the plan
that says what it will do (which captures, which cards).

Answers are `backoffice.availability.Availability` (operation = the `RefundMode` value); the
credit memo and goodwill refund pages draw them and their POST guards enforce them.
"""

from dataclasses import dataclass

from django.contrib.auth.models import User

from backoffice.availability import (
    Availability,
    Reason,
    allowed,
    permission_missing,
    unavailable,
)
from backoffice.money import format_money
from backoffice.permissions import permission_reason
from orders.enums import RefundMode
from orders.models import Invoice, Order
from orders.order_amounts import order_payments
from orders.refundable import RefundPlan, attach_payments, plan_refund, refundable_captures
from payments import operations as ops

_BUTTONS = (
    (RefundMode.ONLINE, "Refund", "refund_online"),
    (RefundMode.OFFLINE, "Refund Offline", "refund_offline"),
)


@dataclass(frozen=True)
class RefundChoice:
    """One refund button (Refund or Refund Offline) for an amount: allowed or why not, and
    the plan that says what it will do."""

    mode: str
    label: str
    availability: Availability
    plan: RefundPlan

    @property
    def allowed(self) -> bool:
        return self.availability.allowed


def _answer(*, mode: str, label: str, plan: RefundPlan, amount: int, currency: str) -> Availability:
    """The button's answer for a user who holds its permission."""
    if plan.is_complete:
        return allowed(mode, label)
    if (refusal := plan.permission_refusal) is not None:
        return refusal.as_operation(mode, label)
    if not plan.steps:
        if plan.refused:
            return plan.refused[0].as_operation(mode, label)
        return unavailable(mode, label, Reason("no capture is left to refund"))
    covered, asked = format_money(plan.covered, currency), format_money(amount, currency)
    rest = "Use Refund Offline for the rest." if mode == RefundMode.ONLINE else ""
    return unavailable(
        mode, label, Reason(f"the captures can take {covered} of the {asked} asked", rest)
    )


def refund_choices(
    *, user: User, order: Order, invoice: Invoice | None, amount: int
) -> list[RefundChoice]:
    """Refund (online, over the captures) and Refund Offline for `amount`, each with its reason.

    `invoice` None: over the whole order's captures (goodwill refunds, order-level memos).
    """
    codenames = ops.store_codenames(user, order.store)
    rows = attach_payments(order.transactions.all(), order_payments(order), order)
    captures = refundable_captures(rows, invoice=invoice)
    choices = []
    for mode, label, codename in _BUTTONS:
        plan = plan_refund(
            captures=captures,
            amount=amount,
            online=mode == RefundMode.ONLINE,
            user=user,
            currency=order.currency,
        )
        if codename not in codenames:
            reason = permission_reason(codename, store=order.store)
            answer = permission_missing(mode, label, reason)
        else:
            answer = _answer(
                mode=mode, label=label, plan=plan, amount=amount, currency=order.currency
            )
        choices.append(RefundChoice(mode, label, answer, plan))
    return choices


def refund_modes(
    *, user: User, order: Order, invoice: Invoice | None, amount: int
) -> dict[str, Availability]:
    """Each refund mode's availability for `amount` (the POST guard of each button)."""
    choices = refund_choices(user=user, order=order, invoice=invoice, amount=amount)
    return {choice.mode: choice.availability for choice in choices}
