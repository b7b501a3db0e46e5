"""Steps 2 and 3 of invoicing: the money an invoice's Amount choice moves, then the invoice
settled from the ledger.

- Capture Online: one money-engine capture per authorization of the plan (soonest-expiring
  first), keyed "<invoice key>:<payment pk>"; the spread stops at the first that does not
  succeed.
- Capture Offline: an offline capture per authorization, and a manual payment ("<key>:manual")
  for what no authorization covers, booked inside step 1 (`invoice_capture_offline_locked`),
  under the lock that decided four-eyes: a concurrent Capture Offline on the same order then
  sees them in its cumulative total.
- Not Capture: nothing moves.

Each capture is one of the money engine's services, run outside any transaction of ours. Step 3
locks the order again: the invoice's paid amount from the ledger (paid once covered), one
history line saying exactly what happened, and the order's progress.
"""

from django.contrib.auth.models import User
from django.db import transaction

from backoffice.errors import DomainError
from orders.capture_plan import CapturePlan, CaptureStep, plan_capture
from orders.enums import CaptureMode, InvoiceState
from orders.history import comment_invoice
from orders.models import Invoice, Order
from orders.services.invoice_outcome import SpreadOutcome, StepOutcome, describe_spread
from orders.services.order_documents import acting_source, bump_version, order_progress
from payments.locks import lock_order_and_payments
from payments.models import Payment
from payments.recompute import order_payments_recompute
from payments.services import (
    MoneyRequest,
    OperationResult,
    capture_request,
    mark_as_paid_request,
    payment_capture,
    record_offline_in_locked_transaction,
)


def invoice_capture_plan(
    payments: list[Payment], *, mode: str, amount: int, user: User | None
) -> CapturePlan:
    """What the Amount choice takes from which authorization (under the caller's lock)."""
    if mode == CaptureMode.NOT_CAPTURE:
        return CapturePlan(amount=amount, steps=[])
    return plan_capture(payments, amount=amount, user=user, online=mode == CaptureMode.ONLINE)


def invoice_capture_and_settle(
    *,
    invoice: Invoice,
    mode: str,
    plan: CapturePlan,
    user: User | None,
    key: str,
    prepaid: int = 0,
    offline_steps: list[StepOutcome] | None = None,
) -> SpreadOutcome:
    """Steps 2 and 3: run the plan's captures, then lock the order and settle the invoice.

    Call it outside any transaction (the gateway is called in between).
    """
    if mode == CaptureMode.ONLINE:
        steps = _capture_online(invoice=invoice, plan=plan, user=user, key=key)
    else:  # Not Capture moves nothing; Capture Offline booked its rows in step 1
        steps = offline_steps or []
    return _lock_and_settle(
        invoice=invoice, mode=mode, amount=plan.amount, steps=steps, user=user, prepaid=prepaid
    )


def _capture_step(
    *, step: CaptureStep, invoice: Invoice, online: bool, user: User | None, key: str
) -> StepOutcome:
    try:
        result = payment_capture(
            payment=step.payment,
            amount=step.amount,
            online=online,
            actor=user,
            idempotency_key=f"{key}:{step.payment.pk}",
            invoice=invoice,
            source=acting_source(user),
        )
    except DomainError as exc:
        # Refused before anything was written: the authorization changed since the plan.
        return StepOutcome(payment=step.payment, amount=step.amount, refusal=exc.message)
    return StepOutcome(payment=step.payment, amount=step.amount, transaction=result.transaction)


def _capture_online(
    *, invoice: Invoice, plan: CapturePlan, user: User | None, key: str
) -> list[StepOutcome]:
    """One capture per authorization; stop at the first that does not succeed.

    Stopping keeps the history simple to act on: what was captured stays captured, the rest is
    still owed on the invoice and its Capture button takes it from wherever it is open then.
    An unknown outcome also puts the order in payment review, where nothing more may move.
    """
    steps: list[StepOutcome] = []
    for step in plan.steps:
        if steps and not steps[-1].succeeded:
            steps.append(StepOutcome(payment=step.payment, amount=step.amount))
            continue
        steps.append(_capture_step(step=step, invoice=invoice, online=True, user=user, key=key))
    return steps


def invoice_capture_offline_locked(
    *, invoice: Invoice, plan: CapturePlan, user: User | None, key: str
) -> list[StepOutcome]:
    """Magento's Capture Offline: an offline capture per authorization, and a manual payment for
    what no authorization covers (money received outside the gateway). Runs inside the caller's
    transaction, which holds the order lock; each row in its own savepoint."""
    source = acting_source(user)
    steps = [
        _offline_step(
            capture_request(
                payment=step.payment,
                amount=step.amount,
                online=False,
                actor=user,
                idempotency_key=f"{key}:{step.payment.pk}",
                invoice=invoice,
                source=source,
            ),
            payment=step.payment,
            amount=step.amount,
        )
        for step in plan.steps
    ]
    if plan.shortfall > 0:
        manual = mark_as_paid_request(
            order=invoice.order,
            amount=plan.shortfall,
            merchant_reference="",
            memo=f"Capture Offline of invoice #{invoice.number}.",
            actor=user,
            idempotency_key=f"{key}:manual",
            invoice=invoice,
            source=source,
        )
        steps.append(_offline_step(manual, payment=None, amount=plan.shortfall))
    return steps


def _offline_step(request: MoneyRequest, *, payment: Payment | None, amount: int) -> StepOutcome:
    try:
        with transaction.atomic():
            result: OperationResult = record_offline_in_locked_transaction(request)
    except DomainError as exc:
        return StepOutcome(payment=payment, amount=amount, refusal=exc.message)
    txn = result.transaction
    return StepOutcome(payment=txn.payment, amount=amount, transaction=txn)


def _lock_and_settle(
    *,
    invoice: Invoice,
    mode: str,
    amount: int,
    steps: list[StepOutcome],
    user: User | None,
    prepaid: int = 0,
) -> SpreadOutcome:
    """Locks the order: invoice paid or still open, order state, one clear history line."""
    with transaction.atomic(durable=True):
        order, _payments = lock_order_and_payments(invoice.order_id)
        invoice = invoice_settle_from_ledger(invoice=invoice, order=order)
        outcome = SpreadOutcome(
            invoice=invoice, mode=mode, amount=amount, steps=steps, prepaid=prepaid
        )
        if outcome.needs_history:
            comment_invoice(
                order=order,
                invoice=invoice,
                author=user,
                body=describe_spread(outcome),
                source=acting_source(user),
            )
        order_progress(order=order, user=user)
        bump_version(order)
    return outcome


def invoice_settle_from_ledger(*, invoice: Invoice, order: Order) -> Invoice:
    """The invoice's paid amount from the ledger, and paid once it is covered. The caller holds
    the order lock."""
    order_payments_recompute(order=order)
    invoice = Invoice.objects.get(pk=invoice.pk)
    invoice.order = order
    if invoice.state == InvoiceState.OPEN and invoice.amount_paid >= invoice.grand_total:
        invoice.state = InvoiceState.PAID
        invoice.save(update_fields=["state"])
    return invoice
