"""The built-in sandbox PSP: a faithful fake with its own state (SandboxCharge/SandboxOperation).

It is "the outside world": call it outside any application transaction. Each request runs in
its own `transaction.atomic()` and locks the charge row, so it refuses over-capture and
over-refund on its own side even when our ledger is bypassed or raced. Idempotent by key.

Faults (see payments/gateways/README.md for the table staff and testers use):
- magic amounts: the last two digits of the amount in minor units (USD 10.51 → 51);
- `settings.SANDBOX_FORCED_FAULT`: "timeout_after" for every request, or "refund:timeout_after"
  for one kind of request, several separated by commas. Tests set it with the `settings`
  fixture. Timeouts are simulated by raising `GatewayTimeout`, never by sleeping.

The rules themselves (faults, checks, effects, replies) are in `sandbox_rules.py`.
"""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from payments.gateways import sandbox_batch, sandbox_snapshot, sandbox_webhooks
from payments.gateways import sandbox_rules as rules
from payments.gateways.base import (
    CaptureRequest,
    CardDetails,
    Gateway,
    GatewayError,
    GatewayResult,
    GatewaySnapshot,
    GatewayTimeout,
    WebhookEvent,
)
from payments.gateways.sandbox_cards import test_card
from payments.gateways.sandbox_rules import Fault, Kind, Status
from payments.models import GatewayAccount, SandboxCharge, SandboxOperation


class SandboxGateway(Gateway):
    code = "sandbox"
    takes_card_form = True
    # A pending operation settles when it is looked up this long after it was accepted.
    SETTLE_AFTER = timedelta(0)

    # -- the interface ---------------------------------------------------------------------

    def authorize(
        self, *, amount: int, currency: str, idempotency_key: str, capture: bool = False
    ) -> GatewayResult:
        kind = Kind.SALE if capture else Kind.AUTHORIZE
        return self._request(kind, "", amount, currency, idempotency_key)

    can_authorize_on_file = True

    def authorize_on_file(
        self,
        *,
        reference: str,
        amount: int,
        currency: str,
        idempotency_key: str,
        capture: bool = False,
    ) -> GatewayResult:
        """The sandbox's own authorization, "on the same card" (its cards are all test cards)."""
        return self.authorize(
            amount=amount, currency=currency, idempotency_key=idempotency_key, capture=capture
        )

    def authorize_card(
        self,
        *,
        amount: int,
        currency: str,
        idempotency_key: str,
        card: CardDetails,
        capture: bool = False,
    ) -> GatewayResult:
        """An authorization (or sale) on a test card (`sandbox_cards`): the card chooses the
        outcome."""
        outcome = test_card(card.number)
        return self._request(
            Kind.SALE if capture else Kind.AUTHORIZE,
            "",
            amount,
            currency,
            idempotency_key,
            card_fault=outcome.fault,
            decline=outcome.decline_message,
        )

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
        return sandbox_batch.capture_many(self, requests)

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
        return rules.result_of(found)

    def snapshot(self, *, reference: str) -> GatewaySnapshot | None:
        return sandbox_snapshot.snapshots([reference]).get(reference)

    def snapshot_many(
        self, references: Sequence[str]
    ) -> dict[str, GatewaySnapshot | GatewayError | None]:
        found = sandbox_snapshot.snapshots(references)
        return {reference: found.get(reference) for reference in references}

    def verify_webhook(
        self, *, account: GatewayAccount, headers: Mapping[str, str], body: bytes
    ) -> list[WebhookEvent]:
        return sandbox_webhooks.verify(account, headers, body)

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

    def apply_on_own_side(
        self, *, kind: str, reference: str, amount: int, currency: str
    ) -> SandboxOperation:
        """An operation done on the sandbox's own side, as in its dashboard (a refund, a
        capture, a void), by the acquirer (a chargeback, its reversal) or by the clock (an
        authorization expiring): no caller's key, no injected fault. It is then told to the
        back office by webhook (`sandbox_webhooks`, `manage.py sandbox_event`)."""
        key = f"sandbox-side:{uuid.uuid4()}"
        fingerprint = rules.fingerprint_of(kind, reference, amount, currency)
        with transaction.atomic():
            op = self._apply(kind, reference, amount, currency, key, fingerprint, None)
            if op.status == Status.SUCCESS and kind == Kind.EXPIRE and op.charge is not None:
                op.charge.expires_at = min(op.charge.expires_at or timezone.now(), timezone.now())
                op.charge.save(update_fields=["expires_at"])
        return op

    # -- request handling ------------------------------------------------------------------

    def _request(
        self,
        kind: str,
        reference: str,
        amount: int,
        currency: str,
        key: str,
        *,
        card_fault: Fault | None = None,
        decline: str = "",
    ) -> GatewayResult:
        fingerprint = rules.fingerprint_of(kind, reference, amount, currency)
        replay = self._replay(key, fingerprint)
        if replay is not None:
            return replay
        fault = card_fault or rules.fault_for(kind, amount)
        early = rules.early_error(fault)
        if early is not None:
            raise early
        try:
            with transaction.atomic():
                op = self._apply(
                    kind, reference, amount, currency, key, fingerprint, fault, decline
                )
        except IntegrityError:
            # A concurrent request with the same key inserted first: answer as it did.
            replay = self._replay(key, fingerprint)
            if replay is None:
                raise
            return replay
        if fault == Fault.TIMEOUT_AFTER:
            raise GatewayTimeout(rules.TIMEOUT_AFTER_MESSAGE)
        return rules.result_of(op)

    def _replay(self, key: str, fingerprint: str) -> GatewayResult | None:
        op = SandboxOperation.objects.select_related("charge").filter(idempotency_key=key).first()
        return None if op is None else rules.replay_of(op, fingerprint)

    def _apply(
        self,
        kind: str,
        reference: str,
        amount: int,
        currency: str,
        key: str,
        fingerprint: str,
        fault: Fault | None,
        decline: str = "",
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
        op = rules.new_operation(kind, amount, currency, key, fingerprint)
        pending: dict[str, int] = {}
        try:
            if decline and fault == Fault.DECLINE:
                raise rules.Decline(decline)  # a declining test card says why
            rules.screen(kind, reference, charge, amount, fault)
            if kind in {Kind.AUTHORIZE, Kind.SALE}:
                charge = self._new_charge(kind, currency)
            else:
                assert charge is not None  # `screen` declined an unknown reference
                pending = rules.pending_totals([charge])[charge.pk]
                rules.check(charge, kind, amount, pending)
        except rules.Decline as decline:
            op.charge, op.status, op.message = charge, Status.DECLINED, decline.message
            op.save()
            return op
        op.charge = charge
        if rules.accept(op, fault, pending):
            charge.save(update_fields=rules.AMOUNT_FIELDS)
        op.save()
        return op

    def _new_charge(self, kind: str, currency: str) -> SandboxCharge:
        sale = kind == Kind.SALE
        days = self.capabilities.authorization_validity_days
        return SandboxCharge.objects.create(
            reference=rules.new_reference("ch"),
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
            assert op.charge_id is not None  # only an accepted operation is pending
            charge = SandboxCharge.objects.select_for_update().get(pk=op.charge_id)
            op = SandboxOperation.objects.select_for_update().get(pk=op_pk)
            if op.status == Status.PENDING:
                op.status = op.settles_as or Status.SUCCESS
                op.message = "Approved." if op.status == Status.SUCCESS else "Declined."
                op.settled_at = timezone.now()
                if op.status == Status.SUCCESS:
                    rules.effect(charge, op.kind, op.amount)
                    charge.save(update_fields=rules.AMOUNT_FIELDS)
                op.save()
            op.charge = charge
            return op
