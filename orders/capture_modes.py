"""The Amount choices of an invoice (Capture Online, Capture Offline, Not Capture): whether each
can take an amount on this order now, and what Capture Online would take from where.

Answers are `backoffice.availability.Availability` (operation = the `CaptureMode` value), the
same type as every registry's: the New Invoice page draws them, its POST guard enforces them.
"""

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.dateformat import format as date_format

from backoffice.availability import (
    Availability,
    Reason,
    allowed,
    permission_missing,
    unavailable,
)
from backoffice.money import format_money
from backoffice.permissions import permission_reason
from orders.capture_plan import is_authorization, plan_capture
from orders.enums import CaptureMode
from orders.models import Order
from orders.order_amounts import captured_at_checkout, order_payments
from payments import operations as ops

ONLINE, OFFLINE, NOT_CAPTURE = CaptureMode.ONLINE, CaptureMode.OFFLINE, CaptureMode.NOT_CAPTURE
_CODENAMES = {ONLINE: "capture_online", OFFLINE: "capture_offline", NOT_CAPTURE: "invoice_order"}
AT_CHECKOUT = Reason("the payment was captured at checkout")
CAPTURED_AT_CHECKOUT = unavailable(ONLINE, ONLINE.label, AT_CHECKOUT).reason


def _fmt(order: Order) -> Callable[[int], str]:
    return lambda minor: format_money(minor, order.currency)


def _ok(mode: CaptureMode) -> Availability:
    return allowed(mode, mode.label)


def _no(mode: CaptureMode, why: str) -> Availability:
    return unavailable(mode, mode.label, Reason(why))


def _requires(mode: CaptureMode, order: Order) -> Availability:
    reason = permission_reason(_CODENAMES[mode], store=order.store)
    return permission_missing(mode, mode.label, reason)


def capture_online_availability(*, user: User | None, order: Order, amount: int) -> Availability:
    if captured_at_checkout(order):
        return unavailable(ONLINE, ONLINE.label, AT_CHECKOUT)
    payments = order_payments(order)
    if not any(map(is_authorization, payments)):
        return _no(ONLINE, "the order has no authorization")
    plan = plan_capture(payments, amount=amount, user=user, online=True)
    if plan.is_complete:
        return _ok(ONLINE)
    if (refusal := plan.permission_refusal) is not None:
        return refusal.as_operation(ONLINE, ONLINE.label)
    fmt = _fmt(order)
    if not plan.steps:
        why = f" ({plan.refused[0][1].why})" if plan.refused else ""
        return _no(ONLINE, f"no authorization is open for capture{why}")
    return _no(
        ONLINE,
        f"the open authorizations cover {fmt(plan.covered)} of {fmt(amount)} "
        f"(short by {fmt(plan.shortfall)})",
    )


def capture_offline_availability(
    *, user: User | None, order: Order, amount: int, codenames: frozenset[str]
) -> Availability:
    """Offline captures on the open authorizations, a manual payment for what they don't cover."""
    if _CODENAMES[OFFLINE] not in codenames:
        return _requires(OFFLINE, order)
    plan = plan_capture(order_payments(order), amount=amount, user=user, online=False)
    if plan.is_complete:
        return _ok(OFFLINE)
    manual = ops.availability(ops.MARK_AS_PAID, user=user, target=order)
    if manual.is_permission:
        return manual.as_operation(OFFLINE, OFFLINE.label)
    most = (manual.max_amount or 0) if manual.allowed else 0
    if most >= plan.shortfall:
        return _ok(OFFLINE)
    fmt = _fmt(order)
    return _no(
        OFFLINE,
        f"{fmt(plan.shortfall)} is not covered by an authorization and only {fmt(most)} of the "
        "order is outstanding",
    )


def capture_online_plan_lines(*, user: User, order: Order, amount: int) -> list[str]:
    """What Capture Online would take from each authorization, for staff to see beforehand."""
    plan = plan_capture(order_payments(order), amount=amount, user=user, online=True)
    if not plan.is_complete:
        return []
    fmt = _fmt(order)
    lines = []
    for step in plan.steps:
        payment = step.payment
        card = f"{payment.card_brand.title()} ····{payment.card_last4}, " * bool(payment.card_last4)
        expiry = "no expiry"
        if payment.expires_at:
            local = timezone.localtime(payment.expires_at, ZoneInfo(order.store.timezone or "UTC"))
            expiry = f"expires {date_format(local, 'M j, H:i')}"
        note = f"; {step.note}" if step.note else ""
        lines.append(
            f"{fmt(step.amount)} from authorization {payment.gateway_reference} "
            f"({card}{expiry}{note})"
        )
    return lines


def capture_modes(
    *, user: User | None, order: Order, amount: int, with_not_capture: bool = True
) -> dict[str, Availability]:
    """Each Amount choice for capturing `amount` on this order, with its reason if unavailable
    (`user` None: the system, a batch job, which holds every permission)."""
    codenames = ops.store_codenames(user, order.store)
    modes: dict[str, Availability]
    if amount <= 0:
        # Already captured money pays all of it: either choice only records the invoice.
        modes = {
            mode: _ok(mode) if _CODENAMES[mode] in codenames else _requires(mode, order)
            for mode in (ONLINE, OFFLINE)
        }
        if captured_at_checkout(order):
            modes[ONLINE] = unavailable(ONLINE, ONLINE.label, AT_CHECKOUT)
    else:
        modes = {
            ONLINE: capture_online_availability(user=user, order=order, amount=amount),
            OFFLINE: capture_offline_availability(
                user=user, order=order, amount=amount, codenames=codenames
            ),
        }
    if with_not_capture:
        modes[NOT_CAPTURE] = (
            _ok(NOT_CAPTURE)
            if _CODENAMES[NOT_CAPTURE] in codenames
            else _requires(NOT_CAPTURE, order)
        )
    return modes
