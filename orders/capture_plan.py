"""How an invoice total is spread over the order's authorizations for Capture Online/Offline.

X-Payments' lesson: an edited order can hold several authorizations, and an invoice larger than
any one of them must still capture online. The plan takes the authorizations soonest-expiring
first (the money most at risk of lapsing is used first) and takes from each what the money
engine's registry (`payments.operations`) says may be captured from it now — its open
remainder, its gateway's abilities (partial capture, multiple captures), expiry, the user's
permission — one capture transaction per authorization, until the total is covered.

Reads rows already loaded (under the order lock when a service plans); prefetch the payments'
`transactions` and `gateway_account` for a page.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import User
from django.utils import timezone

from backoffice.availability import Availability
from payments import operations as ops
from payments.enums import PaymentAction
from payments.models import Payment


@dataclass(frozen=True)
class CaptureStep:
    payment: Payment
    amount: int
    # Said before staff submit: the registry's note ("one capture; the rest is released") when
    # this capture leaves part of the authorization, which the gateway then releases.
    note: str = ""


@dataclass(frozen=True)
class CapturePlan:
    amount: int
    steps: list[CaptureStep]
    # Authorizations the registry refused, with its reason (first one explains a shortfall).
    refused: list[tuple[Payment, Availability]] = field(default_factory=list)

    @property
    def covered(self) -> int:
        return sum(step.amount for step in self.steps)

    @property
    def shortfall(self) -> int:
        return max(self.amount - self.covered, 0)

    @property
    def is_complete(self) -> bool:
        return self.shortfall == 0

    @property
    def permission_refusal(self) -> Availability | None:
        return next((a for _p, a in self.refused if a.is_permission), None)


def _expiry_key(payment: Payment) -> tuple:
    # No expiry known sorts last: an authorization that never lapses is the safest to keep.
    return (payment.expires_at is None, payment.expires_at or datetime.max, payment.pk)


def is_authorization(payment: Payment) -> bool:
    """A payment authorized at checkout or by an edit, as opposed to a sale or manual payment."""
    return payment.payment_action == PaymentAction.AUTHORIZE


def plan_capture(
    payments: Iterable[Payment],
    *,
    amount: int,
    user: User | None,
    online: bool = True,
    now: datetime | None = None,
) -> CapturePlan:
    """Captures covering `amount` from the authorizations, soonest-expiring first.

    An authorization whose gateway can't capture part of it is used only when the rest of the
    amount takes all of it. When the plan can't cover the amount, `shortfall` says by how much.
    """
    operation = ops.CAPTURE if online else ops.CAPTURE_OFFLINE
    now = now or timezone.now()
    remaining = amount
    steps: list[CaptureStep] = []
    refused: list[tuple[Payment, Availability]] = []
    for payment in sorted(filter(is_authorization, payments), key=_expiry_key):
        if remaining <= 0:
            break
        availability = ops.availability(operation, user=user, target=payment, now=now)
        if not availability.allowed:
            refused.append((payment, availability))
            continue
        limit = availability.max_amount or 0
        take = min(limit, remaining)
        if take <= 0 or (take < limit and not availability.amount_editable):
            continue
        note = availability.note if take < limit else ""
        steps.append(CaptureStep(payment=payment, amount=take, note=note))
        remaining -= take
    return CapturePlan(amount=amount, steps=steps, refused=refused)


def open_authorizations(payments: Iterable[Payment], *, now: datetime | None = None) -> list:
    """Authorizations with money still open for capture (or void), soonest-expiring first."""
    now = now or timezone.now()
    return sorted(
        (p for p in payments if is_authorization(p) and ops.capturable_now(p, now=now) > 0),
        key=_expiry_key,
    )
