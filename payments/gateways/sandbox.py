"""The built-in sandbox PSP: a faithful fake with its own state (SandboxCharge/SandboxOperation).

It is "the outside world": call it outside any application transaction. Each request runs in
its own `transaction.atomic()` and locks the charge row, so it refuses over-capture and
over-refund on its own side even when our ledger is bypassed or raced. Idempotent by key.

Faults (see payments/gateways/README.md for the table staff and testers use):
- magic amounts: the last two digits of the amount in minor units (USD 10.51 → 51);
- `settings.SANDBOX_FORCED_FAULT`: "timeout_after" for every request, or "refund:timeout_after"
  for one kind of request, several separated by commas. Tests set it with the `settings`
  fixture. Timeouts are simulated by raising `GatewayTimeout`, never by sleeping.
"""

import hashlib
import json
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from backoffice.money import format_money
from payments.gateways.base import (
    CaptureRequest,
    Gateway,
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


def _fingerprint(kind: str, reference: str, amount: int, currency: str) -> str:
    payload = json.dumps([kind, reference, amount, currency])
    return hashlib.sha256(payload.encode()).hexdigest()


def _new_reference(prefix: str) -> str:
    return f"sbx_{prefix}_{secrets.token_hex(8)}"


def _result(op: SandboxOperation) -> GatewayResult:
    charge_ref = op.charge.reference if op.charge_id else ""
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


class _Decline(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _early_error(fault: Fault | None) -> GatewayError | None:
    """The error answered before the PSP touches anything (nothing applied), if any."""
    if fault == Fault.TIMEOUT_BEFORE:
        return GatewayTimeout(TIMEOUT_BEFORE_MESSAGE)
    if fault == Fault.SERVER_ERROR:
        return GatewayError(SERVER_ERROR_MESSAGE)
    return None


def _replay_of(op: SandboxOperation, fingerprint: str) -> GatewayResult:
    """The answer to a request whose key `op` already used: the same, or a conflict."""
    if op.fingerprint != fingerprint:
        raise IdempotencyConflict(CONFLICT_MESSAGE)
    return _result(op)


def _pending_totals(charges: Iterable[SandboxCharge]) -> dict[int, dict[str, int]]:
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


def _new_operation(
    kind: str, amount: int, currency: str, key: str, fingerprint: str
) -> SandboxOperation:
    return SandboxOperation(
        idempotency_key=key,
        fingerprint=fingerprint,
        reference=_new_reference("op"),
        kind=kind,
        amount=amount,
        currency=currency,
    )


def _screen(
    kind: str, reference: str, charge: SandboxCharge | None, amount: int, fault: Fault | None
) -> None:
    """The refusals that come before the charge's own rules (raises `_Decline`)."""
    if amount <= 0:
        raise _Decline("The amount must be positive.")
    if fault == Fault.DECLINE:
        raise _Decline("Declined by the issuer (sandbox magic amount or forced fault).")
    if kind not in {Kind.AUTHORIZE, Kind.SALE} and charge is None:
        raise _Decline(f"Unknown payment reference {reference!r}.")


def _accept(op: SandboxOperation, fault: Fault | None, pending: dict[str, int]) -> bool:
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
    _effect(op.charge, op.kind, op.amount)
    return True


def _check(charge: SandboxCharge, kind: str, amount: int, pending: dict[str, int]) -> None:
    """Refuse what the PSP itself would refuse, given the charge's pending amounts by kind;
    the caller holds the charge lock."""
    money = lambda value: format_money(value, charge.currency)  # noqa: E731
    if kind in {Kind.CAPTURE, Kind.VOID}:
        if charge.expires_at and timezone.now() >= charge.expires_at:
            raise _Decline("The authorization has expired.")
        remaining = (
            charge.amount_authorized
            - charge.amount_captured
            - charge.amount_voided
            - pending.get(Kind.CAPTURE, 0)
            - pending.get(Kind.VOID, 0)
        )
        what = "capturable" if kind == Kind.CAPTURE else "uncaptured"
        if amount > remaining:
            raise _Decline(f"The amount exceeds the {what} amount ({money(remaining)}).")
        if kind == Kind.CAPTURE:
            if not charge.allows_multicapture and (
                charge.capture_count or pending.get(Kind.CAPTURE)
            ):
                raise _Decline("Multiple captures are not supported.")
            if not charge.allows_partial_capture and amount != remaining:
                raise _Decline("Partial capture is not supported.")
    elif kind == Kind.REFUND:
        refundable = charge.amount_captured - charge.amount_refunded - pending.get(Kind.REFUND, 0)
        if amount > refundable:
            raise _Decline(f"The amount exceeds the refundable amount ({money(refundable)}).")
        if not charge.allows_partial_refund and (
            charge.amount_refunded or amount != charge.amount_captured
        ):
            raise _Decline("Partial refund is not supported.")
    elif kind == Kind.REBILL and not charge.is_sale:
        raise _Decline("Rebill needs a debit (sale) to reference.")


def _effect(charge: SandboxCharge, kind: str, amount: int) -> None:
    """The arithmetic of an applied operation on its charge, in memory (the caller saves)."""
    if kind in {Kind.AUTHORIZE, Kind.SALE, Kind.REBILL}:
        charge.amount_authorized += amount
    if kind in {Kind.SALE, Kind.REBILL, Kind.CAPTURE}:
        charge.amount_captured += amount
        charge.capture_count += 1
    if kind == Kind.VOID:
        charge.amount_voided += amount
    if kind == Kind.REFUND:
        charge.amount_refunded += amount


class SandboxGateway(Gateway):
    code = "sandbox"
    # A pending operation settles when it is looked up this long after it was accepted.
    SETTLE_AFTER = timedelta(0)

    # -- the interface ---------------------------------------------------------------------

    def authorize(
        self, *, amount: int, currency: str, idempotency_key: str, capture: bool = False
    ) -> GatewayResult:
        kind = Kind.SALE if capture else Kind.AUTHORIZE
        return self._request(kind, "", amount, currency, idempotency_key)

    def capture(
        self, *, reference: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        return self._request(Kind.CAPTURE, reference, amount, currency, idempotency_key)

    def void(
        self, *, reference: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        return self._request(Kind.VOID, reference, amount, currency, idempotency_key)

    def refund(
        self, *, reference: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        return self._request(Kind.REFUND, reference, amount, currency, idempotency_key)

    def rebill(
        self, *, reference: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        return self._request(Kind.REBILL, reference, amount, currency, idempotency_key)

    def capture_many(
        self, requests: Sequence[CaptureRequest]
    ) -> list[GatewayResult | GatewayError]:
        # Imported here: the batch module builds on this one's helpers.
        from payments.gateways.sandbox_batch import capture_many

        return capture_many(self, requests)

    def lookup(self, *, idempotency_key: str) -> GatewayResult | None:
        op = SandboxOperation.objects.select_related("charge").filter(
            idempotency_key=idempotency_key
        )
        found = op.first()
        if found is None:
            return None
        if found.status == Status.PENDING and timezone.now() >= found.created_at + (
            self.SETTLE_AFTER
        ):
            found = self._settle(found.pk)
        return _result(found)

    def register_checkout_payment(
        self,
        *,
        reference: str,
        amount: int,
        currency: str,
        captured: bool,
        expires_at: datetime | None,
    ) -> None:
        with transaction.atomic():
            SandboxCharge.objects.get_or_create(
                reference=reference,
                defaults={
                    "currency": currency,
                    "is_sale": captured,
                    "amount_authorized": amount,
                    "amount_captured": amount if captured else 0,
                    "capture_count": 1 if captured else 0,
                    "expires_at": None if captured else expires_at,
                    **self._capability_flags(),
                },
            )

    # -- request handling ------------------------------------------------------------------

    def _request(
        self, kind: str, reference: str, amount: int, currency: str, key: str
    ) -> GatewayResult:
        fingerprint = _fingerprint(kind, reference, amount, currency)
        replay = self._replay(key, fingerprint)
        if replay is not None:
            return replay
        fault = fault_for(kind, amount)
        early = _early_error(fault)
        if early is not None:
            raise early
        try:
            with transaction.atomic():
                op = self._apply(kind, reference, amount, currency, key, fingerprint, fault)
        except IntegrityError:
            # A concurrent request with the same key inserted first: answer as it did.
            replay = self._replay(key, fingerprint)
            if replay is None:
                raise
            return replay
        if fault == Fault.TIMEOUT_AFTER:
            raise GatewayTimeout(TIMEOUT_AFTER_MESSAGE)
        return _result(op)

    def _replay(self, key: str, fingerprint: str) -> GatewayResult | None:
        op = SandboxOperation.objects.select_related("charge").filter(idempotency_key=key).first()
        return None if op is None else _replay_of(op, fingerprint)

    def _apply(
        self,
        kind: str,
        reference: str,
        amount: int,
        currency: str,
        key: str,
        fingerprint: str,
        fault: Fault | None,
    ) -> SandboxOperation:
        charge = None
        if kind not in {Kind.AUTHORIZE, Kind.SALE}:
            # The charge row lock serialises every request on one payment, so two concurrent
            # refunds can't both pass the remaining-amount check.
            charge = (
                SandboxCharge.objects.select_for_update()
                .filter(reference=reference, currency=currency)
                .first()
            )
        op = _new_operation(kind, amount, currency, key, fingerprint)
        pending: dict[str, int] = {}
        try:
            _screen(kind, reference, charge, amount, fault)
            if kind in {Kind.AUTHORIZE, Kind.SALE}:
                charge = self._new_charge(kind, currency)
            else:
                pending = _pending_totals([charge])[charge.pk]
                _check(charge, kind, amount, pending)
        except _Decline as decline:
            op.charge, op.status, op.message = charge, Status.DECLINED, decline.message
            op.save()
            return op
        op.charge = charge
        if _accept(op, fault, pending):
            charge.save(update_fields=AMOUNT_FIELDS)
        op.save()
        return op

    def _new_charge(self, kind: str, currency: str) -> SandboxCharge:
        sale = kind == Kind.SALE
        days = self.capabilities.authorization_validity_days
        return SandboxCharge.objects.create(
            reference=_new_reference("ch"),
            currency=currency,
            is_sale=sale,
            expires_at=None if sale else timezone.now() + timedelta(days=days),
            **self._capability_flags(),
        )

    def _capability_flags(self) -> dict[str, bool]:
        caps = self.capabilities
        return {
            "allows_partial_capture": caps.partial_capture,
            "allows_multicapture": caps.multicapture,
            "allows_partial_refund": caps.partial_refund,
        }

    def _settle(self, op_pk: int) -> SandboxOperation:
        with transaction.atomic():
            op = SandboxOperation.objects.select_related("charge").get(pk=op_pk)
            # Lock the charge first, as every request does, then re-read the operation.
            charge = SandboxCharge.objects.select_for_update().get(pk=op.charge_id)
            op = SandboxOperation.objects.select_for_update().get(pk=op_pk)
            if op.status == Status.PENDING:
                op.status = op.settles_as or Status.SUCCESS
                op.message = "Approved." if op.status == Status.SUCCESS else "Declined."
                op.settled_at = timezone.now()
                if op.status == Status.SUCCESS:
                    _effect(charge, op.kind, op.amount)
                    charge.save(update_fields=AMOUNT_FIELDS)
                op.save()
            op.charge = charge
            return op
