"""The sandbox PSP's rules: the faults chosen by magic amounts (or forced by a setting), the
checks a request must pass against its charge, an applied operation's effect, and the replies.

Shared by the one-request gateway (`sandbox.py`) and the set-based batch capture
(`sandbox_batch.py`), so that both answer and act alike.
"""

import hashlib
import json
import secrets
from collections.abc import Iterable
from enum import StrEnum

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from backoffice.money import format_money
from payments.gateways.base import (
    GatewayError,
    GatewayResult,
    GatewayStatus,
    GatewayTimeout,
    IdempotencyConflict,
)
from payments.models import SandboxCharge, SandboxOperation

Kind = SandboxOperation.Kind
Status = SandboxOperation.Status
# The charge amounts an operation's effect may change (saved or bulk-updated together).
AMOUNT_FIELDS = [
    "amount_authorized",
    "amount_captured",
    "amount_voided",
    "amount_refunded",
    "amount_charged_back",
    "capture_count",
]
TIMEOUT_BEFORE_MESSAGE = "Sandbox: the request timed out before reaching the PSP."
SERVER_ERROR_MESSAGE = "Sandbox: server error (HTTP 500); nothing was applied."
TIMEOUT_AFTER_MESSAGE = "Sandbox: the request was applied but the answer timed out."
CONFLICT_MESSAGE = "Sandbox: this idempotency key was already used with different parameters."


class Fault(StrEnum):
    DECLINE = "decline"
    TIMEOUT_AFTER = "timeout_after"
    TIMEOUT_BEFORE = "timeout_before"
    SERVER_ERROR = "server_error"
    PENDING = "pending"
    PENDING_DECLINE = "pending_decline"


MAGIC_ENDINGS: dict[int, Fault] = {
    51: Fault.DECLINE,
    52: Fault.TIMEOUT_AFTER,
    53: Fault.TIMEOUT_BEFORE,
    54: Fault.SERVER_ERROR,
    55: Fault.PENDING,
    56: Fault.PENDING_DECLINE,
}


def fault_for(kind: str, amount: int) -> Fault | None:
    """The fault to inject for this request: the forced setting first, then magic amounts."""
    forced = getattr(settings, "SANDBOX_FORCED_FAULT", None) or ""
    for item in (part.strip() for part in forced.split(",")):
        if not item:
            continue
        scope, _, name = item.rpartition(":")
        # "authorize:…" also covers sales (authorize-and-capture), as staff think of them.
        if not scope or scope == kind or (scope == Kind.AUTHORIZE and kind == Kind.SALE):
            return Fault(name)
    return MAGIC_ENDINGS.get(amount % 100)


def fingerprint_of(kind: str, reference: str, amount: int, currency: str) -> str:
    payload = json.dumps([kind, reference, amount, currency])
    return hashlib.sha256(payload.encode()).hexdigest()


def new_reference(prefix: str) -> str:
    return f"sbx_{prefix}_{secrets.token_hex(8)}"


def result_of(op: SandboxOperation) -> GatewayResult:
    charge_ref = op.charge.reference if op.charge is not None else ""
    reference = charge_ref if op.kind in {Kind.AUTHORIZE, Kind.SALE} else op.reference
    return GatewayResult(
        status=GatewayStatus(op.status),
        reference=reference if op.status != Status.DECLINED else "",
        message=op.message,
        raw={
            "sandbox": True,
            "id": op.reference,
            "charge": charge_ref,
            "kind": op.kind,
            "amount": op.amount,
            "currency": op.currency,
            "status": op.status,
            "message": op.message,
        },
    )


class Decline(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def early_error(fault: Fault | None) -> GatewayError | None:
    """The error answered before the PSP touches anything (nothing applied), if any."""
    if fault == Fault.TIMEOUT_BEFORE:
        return GatewayTimeout(TIMEOUT_BEFORE_MESSAGE)
    if fault == Fault.SERVER_ERROR:
        return GatewayError(SERVER_ERROR_MESSAGE)
    return None


def replay_of(op: SandboxOperation, fingerprint: str) -> GatewayResult:
    """The answer to a request whose key `op` already used: the same, or a conflict."""
    if op.fingerprint != fingerprint:
        raise IdempotencyConflict(CONFLICT_MESSAGE)
    return result_of(op)


def pending_totals(charges: Iterable[SandboxCharge]) -> dict[int, dict[str, int]]:
    """Pending amounts by charge pk, then by kind: they reserve their amount at the PSP."""
    totals: dict[int, dict[str, int]] = {charge.pk: {} for charge in charges}
    rows = (
        SandboxOperation.objects.filter(charge__in=list(totals), status=Status.PENDING)
        .values("charge_id", "kind")
        .annotate(total=Sum("amount"))
        .values_list("charge_id", "kind", "total")
    )
    for charge_id, kind, total in rows:
        totals[charge_id][kind] = total
    return totals


def new_operation(
    kind: str, amount: int, currency: str, key: str, fingerprint: str
) -> SandboxOperation:
    return SandboxOperation(
        idempotency_key=key,
        fingerprint=fingerprint,
        reference=new_reference("op"),
        kind=kind,
        amount=amount,
        currency=currency,
    )


def screen(
    kind: str, reference: str, charge: SandboxCharge | None, amount: int, fault: Fault | None
) -> None:
    """The refusals that come before the charge's own rules (raises `Decline`)."""
    if amount <= 0:
        raise Decline("The amount must be positive.")
    if fault == Fault.DECLINE:
        raise Decline("Declined by the issuer (sandbox magic amount or forced fault).")
    if kind not in {Kind.AUTHORIZE, Kind.SALE} and charge is None:
        raise Decline(f"Unknown payment reference {reference!r}.")


def accept(op: SandboxOperation, fault: Fault | None, pending: dict[str, int]) -> bool:
    """Accept `op` on its charge, in memory: pending (reserving its amount in `pending`) or
    applied. True when the charge's amounts changed and must be saved."""
    if fault in {Fault.PENDING, Fault.PENDING_DECLINE}:
        op.status = Status.PENDING
        op.settles_as = Status.SUCCESS if fault == Fault.PENDING else Status.DECLINED
        op.message = "Accepted; the final answer will follow."
        pending[op.kind] = pending.get(op.kind, 0) + op.amount
        return False
    op.status = Status.SUCCESS
    op.message = "Approved."
    assert op.charge is not None  # `screen` declined the operations that have none
    effect(op.charge, op.kind, op.amount)
    return True


def check(charge: SandboxCharge, kind: str, amount: int, pending: dict[str, int]) -> None:
    """Refuse what the PSP itself would refuse, given the charge's pending amounts by kind;
    the caller holds the charge lock."""

    def money(value: int) -> str:
        return format_money(value, charge.currency)

    if kind in {Kind.CAPTURE, Kind.VOID}:
        if charge.expires_at and timezone.now() >= charge.expires_at:
            raise Decline("The authorization has expired.")
        remaining = (
            charge.amount_authorized
            - charge.amount_captured
            - charge.amount_voided
            - pending.get(Kind.CAPTURE, 0)
            - pending.get(Kind.VOID, 0)
        )
        what = "capturable" if kind == Kind.CAPTURE else "uncaptured"
        if amount > remaining:
            raise Decline(f"The amount exceeds the {what} amount ({money(remaining)}).")
        if kind == Kind.CAPTURE:
            if not charge.allows_multicapture and (
                charge.capture_count or pending.get(Kind.CAPTURE)
            ):
                raise Decline("Multiple captures are not supported.")
            if not charge.allows_partial_capture and amount != remaining:
                raise Decline("Partial capture is not supported.")
    elif kind == Kind.REFUND:
        refundable = (
            charge.amount_captured
            - charge.amount_refunded
            - charge.amount_charged_back
            - pending.get(Kind.REFUND, 0)
        )
        if amount > refundable:
            raise Decline(f"The amount exceeds the refundable amount ({money(refundable)}).")
        if not charge.allows_partial_refund and (
            charge.amount_refunded or amount != charge.amount_captured
        ):
            raise Decline("Partial refund is not supported.")
    elif kind == Kind.REBILL and not charge.is_sale:
        raise Decline("Rebill needs a debit (sale) to reference.")
    else:
        _check_own_side(charge, kind, amount)


def _check_own_side(charge: SandboxCharge, kind: str, amount: int) -> None:
    """What happens on the sandbox's own side (`manage.py sandbox_event`): chargebacks from the
    acquirer, their reversals, an authorization expiring (for its whole uncaptured rest)."""

    def money(value: int) -> str:
        return format_money(value, charge.currency)

    if kind == Kind.CHARGEBACK:
        kept = charge.amount_captured - charge.amount_refunded - charge.amount_charged_back
        if amount > kept:
            raise Decline(f"The amount exceeds what the merchant kept ({money(kept)}).")
    elif kind == Kind.CHARGEBACK_REVERSAL and amount > charge.amount_charged_back:
        raise Decline(f"The amount exceeds the chargebacks ({money(charge.amount_charged_back)}).")
    elif kind == Kind.EXPIRE:
        rest = charge.amount_authorized - charge.amount_captured - charge.amount_voided
        if charge.is_sale or amount != rest:
            raise Decline(f"Only the whole uncaptured rest ({money(rest)}) can expire.")


def effect(charge: SandboxCharge, kind: str, amount: int) -> None:
    """The arithmetic of an applied operation on its charge, in memory (the caller saves)."""
    if kind in {Kind.AUTHORIZE, Kind.SALE, Kind.REBILL}:
        charge.amount_authorized += amount
    if kind in {Kind.SALE, Kind.REBILL, Kind.CAPTURE}:
        charge.amount_captured += amount
        charge.capture_count += 1
    if kind in {Kind.VOID, Kind.EXPIRE}:
        charge.amount_voided += amount
    if kind == Kind.CHARGEBACK:
        charge.amount_charged_back += amount
    if kind == Kind.CHARGEBACK_REVERSAL:
        charge.amount_charged_back -= amount
    if kind == Kind.REFUND:
        charge.amount_refunded += amount
