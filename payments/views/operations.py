"""Operations of Transaction Details: one URL per operation, GET the dialog, POST to run it.

The registry (`payments.operations`) decides the buttons, their reasons and each POST's guard;
the services in `payments.services` do the work. This module only maps one to the other.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from backoffice.availability import Availability
from backoffice.confirmation import Confirmation, confirmation_response, is_preview
from backoffice.decorators import operation_view, staff_required
from backoffice.errors import DomainError, form_error, raise_for_http
from backoffice.http import StaffRequest
from backoffice.models import amount_locale
from backoffice.money import format_amount
from orders.models import Order
from payments import operations as ops
from payments import selectors, services
from payments.confirmations import operation_confirmation
from payments.forms import OperationForm, new_idempotency_key
from payments.hooks import (
    ApprovalAsk,
    ApprovalGate,
    AwaitingApproval,
    AwaitsApproval,
    order_hooks,
)
from payments.models import Transaction
from payments.reason_codes import ReasonApplies
from payments.services import OperationResult, Outcome

DETAIL = "payments/transaction_detail.html"
PAGE = "payments/transaction_operation.html"
UNPROCESSABLE = 422  # htmx swaps it (see base.html's responseHandling): errors stay in the dialog


def _capture(txn: Transaction, **kw: Any) -> OperationResult:
    return services.payment_capture(payment=txn.payment, parent=txn, online=True, **kw)


def _void(txn: Transaction, **kw: Any) -> OperationResult:
    return services.payment_void(payment=txn.payment, parent=txn, online=True, **kw)


def _refund(txn: Transaction, **kw: Any) -> OperationResult:
    return services.payment_refund(payment=txn.payment, parent=txn, online=True, **kw)


def _refund_offline(txn: Transaction, **kw: Any) -> OperationResult:
    return services.payment_refund(payment=txn.payment, parent=txn, online=False, **kw)


def _chargeback(txn: Transaction, **kw: Any) -> OperationResult:
    return services.payment_chargeback(payment=txn.payment, parent=txn, **kw)


def _chargeback_reversal(txn: Transaction, **kw: Any) -> OperationResult:
    return services.chargeback_reverse(chargeback=txn, **kw)


def _rebill(txn: Transaction, **kw: Any) -> OperationResult:
    return services.payment_rebill(parent=txn, **kw)


@dataclass(frozen=True)
class Door:
    """How Transaction Details reaches one registry operation: its URL and its service."""

    operation: ops.Operation
    slug: str
    run: Callable[..., OperationResult]
    reason_kind: str | None = None  # refunds and chargebacks: their form asks the Reason

    @property
    def url_name(self) -> str:
        return f"payments:transaction_{self.slug.replace('-', '_')}"


DOORS: dict[str, Door] = {
    door.operation.code: door
    for door in [
        Door(ops.CAPTURE, "capture", _capture),
        Door(ops.VOID, "reversal", _void),
        Door(ops.REFUND, "refund", _refund, ReasonApplies.REFUNDS),
        Door(ops.REFUND_OFFLINE, "refund-offline", _refund_offline, ReasonApplies.REFUNDS),
        Door(ops.CHARGEBACK, "chargeback", _chargeback, ReasonApplies.CHARGEBACKS),
        Door(
            ops.CHARGEBACK_REVERSAL,
            "chargeback-reversal",
            _chargeback_reversal,
            ReasonApplies.CHARGEBACKS,
        ),
        Door(ops.REBILL, "rebill", _rebill),
    ]
}


def _door_permission(kwargs: dict[str, Any]) -> tuple[str, ...]:
    return (DOORS[kwargs["operation"]].operation.permission,)


@dataclass(frozen=True)
class Button:
    code: str
    label: str
    url: str
    allowed: bool
    reason: str
    max_amount: int | None


def operation_buttons(*, user: User, transaction: Transaction) -> list[Button]:
    """The registry's operations for this transaction, each enabled or with its reason."""
    return [
        Button(
            code=op.code,
            label=op.label,
            url=reverse(DOORS[op.code].url_name, args=[transaction.uuid]),
            allowed=a.allowed,
            reason=a.reason,
            max_amount=a.max_amount,
        )
        for op, a in ops.available_operations(user=user, target=transaction)
        if op.code in DOORS
    ]


def _render(
    request: StaffRequest, partial: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    template = f"{DETAIL}#{partial}" if request.htmx else PAGE
    return render(request, template, {**context, "partial": partial}, status=status)


def _form(
    txn: Transaction,
    avail: Availability,
    data: Any = None,
    *,
    replay: bool = False,
    locale: str,
    reason_kind: str | None = None,
    wanted: int | None = None,
) -> OperationForm:
    # Rebill has no upper limit; offering the debit's amount is the usual case.
    suggested = avail.max_amount if avail.max_amount is not None else txn.amount
    if wanted and (avail.max_amount is None or wanted <= avail.max_amount):
        suggested = wanted  # a page that links here names the amount (Refund the difference)
    initial = {
        "amount": format_amount(suggested, txn.currency, locale=locale),
        "idempotency_key": new_idempotency_key(),
    }
    return OperationForm(
        data,
        initial=initial,
        transaction=txn,
        locale=locale,
        # A resubmitted form is answered by the service with its first result, whatever
        # is left now; only a new form is held to the current maximum.
        max_amount=None if replay else avail.max_amount,
        amount_editable=replay or avail.amount_editable,
        label=avail.label,
        reason_kind=reason_kind,
    )


@staff_required
@operation_view(from_kwargs=_door_permission)
@require_http_methods(["GET", "POST"])
def transaction_operation(request: StaffRequest, uuid: str, operation: str) -> HttpResponse:
    door = DOORS[operation]
    txn = selectors.transaction_get(user=request.user, uuid=uuid)
    avail = ops.availability(door.operation, user=request.user, target=txn)
    if avail.is_permission:
        raise_for_http(avail.error())
    context = {"transaction": txn, "door": door, "availability": avail}
    key = request.POST.get("idempotency_key", "")
    replay = request.method == "POST" and selectors.idempotency_key_used(key=key)
    if not (avail.allowed or replay):
        return _render(request, "operation_form", context, UNPROCESSABLE)
    data = request.POST if request.method == "POST" else None
    locale = amount_locale(request.user, txn.store)
    wanted = request.GET.get("amount", "")  # minor units, from a link (an order edit's page)
    form = _form(
        txn, avail, data, replay=replay, locale=locale, reason_kind=door.reason_kind,
        wanted=int(wanted) if wanted.isdigit() and len(wanted) < 16 else None,
    )  # fmt: skip
    if not form.is_bound:
        return _render(request, "operation_form", {**context, "form": form})
    if not form.is_valid():
        return _render(request, "operation_form", {**context, "form": form}, UNPROCESSABLE)
    if is_preview(request):  # the money as read, to confirm; a resubmitted form needs none
        return confirmation_response(None if replay else _confirmation(request, door, txn, form))
    gate = {} if replay else _approval_gate(request, door, txn, form)
    try:
        result = door.run(txn, actor=request.user, **form.service_arguments(), **gate)
    except AwaitsApproval as waiting:  # four-eyes: recorded as a request, nothing moved
        context = {**context, "approval": waiting.awaiting, "partial": "operation_awaiting"}
        return render(request, AWAITING if request.htmx else PAGE, context)
    except DomainError as error:
        raise_for_http(error)
        form_error(form, error)
        return _render(request, "operation_form", {**context, "form": form}, UNPROCESSABLE)
    return _render(request, "operation_result", result_context(request, door, txn, result))


# Four-eyes: these wait for a second person above the store's threshold (orders decides, under
# the money flow's lock: `payments.hooks.OrderHooks.operation_approval`).
APPROVABLE = frozenset(
    {ops.REFUND.code, ops.REFUND_OFFLINE.code, ops.REBILL.code, ops.CHARGEBACK_REVERSAL.code}
)
AWAITING = "payments/_approval_awaiting.html"


def _ask(request: StaffRequest, door: Door, txn: Transaction, form: OperationForm) -> ApprovalAsk:
    return ApprovalAsk(
        operation=door.operation.code, transaction=txn, user=request.user,
        **form.service_arguments(),
    )  # fmt: skip


def _approval_gate(
    request: StaffRequest, door: Door, txn: Transaction, form: OperationForm
) -> dict[str, ApprovalGate]:
    """The service's four-eyes gate (`approval=`), for the operations it applies to."""
    if door.operation.code not in APPROVABLE:
        return {}
    ask = _ask(request, door, txn, form)

    def gate(order: Order, amount: int) -> AwaitingApproval | None:
        return order_hooks().operation_approval(replace(ask, amount=amount), order=order)

    return {"approval": gate}


def _confirmation(
    request: StaffRequest, door: Door, txn: Transaction, form: OperationForm
) -> Confirmation:
    """What the operation will do, read only; one that the gate would make wait for a second
    person says so, and why."""
    why = None
    if door.operation.code in APPROVABLE:
        why = order_hooks().operation_approval_reason(_ask(request, door, txn, form))
    amount = form.cleaned_data["amount"]
    return operation_confirmation(
        operation=door.operation, transaction=txn, amount=amount, approval_why=why
    )


def result_context(
    request: StaffRequest, door: Door, txn: Transaction, result: OperationResult
) -> dict[str, Any]:
    """The outcome, plus the panels it changed (swapped out of band into the page)."""
    fresh = selectors.transaction_get(user=request.user, uuid=txn.uuid)
    headline = {
        Outcome.SUCCESS: f"{door.operation.label} succeeded",
        Outcome.DECLINED: f"{door.operation.label} was declined",
        Outcome.UNKNOWN: f"{door.operation.label}: outcome unknown",
        Outcome.PENDING: f"{door.operation.label} is pending",
    }[result.outcome]
    return {
        "transaction": fresh,
        "door": door,
        "result": result,
        "created": result.transaction,
        "headline": headline,
        "tree": selectors.transaction_tree(transaction=fresh),
        "operations": operation_buttons(user=request.user, transaction=fresh),
        # The Transaction Details page's panels follow; the operation's own page has none.
        "oob": request.POST.get("_standalone") != "1",
    }
