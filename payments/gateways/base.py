"""The gateway adapter interface: the only code that talks to the outside world.

Every method that moves money takes the caller's idempotency key. A gateway must treat the
same key with the same parameters as the same request (same answer, no second effect) and the
same key with other parameters as an error (`IdempotencyConflict`). `lookup(key)` answers what
became of a request whose answer we never received (timeouts): `None` means the gateway has no
record of it now; it is declared not applied only after the in-flight grace (see `lookup`).

Outcomes:
- a returned `GatewayResult` is the gateway's answer: success, declined, or pending (accepted,
  final answer later; ask again with `lookup`);
- `GatewayTimeout` / `GatewayError`: no usable answer. The request may or may not have been
  applied, so the caller keeps the amount reserved until `lookup` tells.

`capture_many(requests)` sends many captures in one call (batch jobs): one answer per request,
in order, each the result or the `GatewayError` instance that `capture` would have given.
"""

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from payments.models import GatewayAccount


class GatewayStatus(StrEnum):
    SUCCESS = "success"
    DECLINED = "declined"
    PENDING = "pending"


@dataclass(frozen=True)
class GatewayResult:
    status: GatewayStatus
    reference: str = ""
    message: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """What we store on the Transaction as the gateway's response."""
        return {
            "status": str(self.status),
            "reference": self.reference,
            "message": self.message,
            "raw": self.raw,
        }


@dataclass(frozen=True)
class CaptureRequest:
    """One capture of a `Gateway.capture_many` call: the arguments of `Gateway.capture`."""

    reference: str  # the authorization's gateway reference
    amount: int
    currency: str
    idempotency_key: str


class WebhookEventType(StrEnum):
    """What a PSP tells us happened on its side (its dashboard, the acquirer, the clock)."""

    CAPTURE = "capture"
    VOID = "void"
    REFUND = "refund"
    CHARGEBACK = "chargeback"
    CHARGEBACK_REVERSAL = "chargeback_reversal"
    AUTHORIZATION_EXPIRED = "authorization_expired"


@dataclass(frozen=True)
class WebhookEvent:
    """One event of a verified webhook, in the adapter-neutral form the inbox applies.

    `payment_reference` is the payment's reference at the PSP (what `Payment.gateway_reference`
    holds); `reference` is the PSP's own reference of the operation (a refund's id), unique at
    the PSP; `sequence` orders the events of one payment as the PSP applied them."""

    event_id: str
    type: WebhookEventType
    payment_reference: str
    reference: str
    amount: int
    currency: str
    occurred_at: datetime
    sequence: int
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GatewaySnapshot:
    """The PSP's own view of one payment (`Gateway.snapshot`), in minor units.

    `charged_back` is net of chargeback reversals. `in_flight`: what the PSP has accepted but
    not settled yet, by the same field names ("captured": a capture still pending there)."""

    reference: str
    currency: str
    authorized: int = 0
    captured: int = 0
    refunded: int = 0
    voided: int = 0
    charged_back: int = 0
    in_flight: Mapping[str, int] = field(default_factory=dict)


class SnapshotUnsupported(Exception):
    """The adapter can't tell what the PSP holds for a payment: reported as "cannot
    compare", never as a difference."""


class WebhookRejected(Exception):
    """The webhook failed verification (signature, timestamp, format): answer 400, store
    nothing."""


class GatewayError(Exception):
    """The gateway failed to answer properly (server error, bad response)."""


class GatewayTimeout(GatewayError):
    """No answer within the timeout: the request may or may not have been applied."""


class IdempotencyConflict(GatewayError):
    """The key was already used for a request with different parameters; nothing applied."""


@dataclass(frozen=True)
class Capabilities:
    """What a store's gateway account can do (see GatewayAccount)."""

    payment_action: str = "authorize"
    partial_capture: bool = True
    multicapture: bool = True
    partial_refund: bool = True
    authorization_validity_days: int = 7
    # False for the "manual" pseudo-gateway: its payments can only be handled offline.
    online: bool = True

    @classmethod
    def from_account(cls, account: "GatewayAccount") -> "Capabilities":
        return cls(
            payment_action=account.payment_action,
            partial_capture=account.supports_partial_capture,
            multicapture=account.supports_multicapture,
            partial_refund=account.supports_partial_refund,
            authorization_validity_days=account.authorization_validity_days,
        )


@dataclass(frozen=True)
class CardDetails:
    """A card the customer typed on a payment link's page, for a gateway that takes a card
    form (`Gateway.takes_card_form`: the sandbox; a real PSP takes cards on its own hosted
    page). Passed to the gateway and dropped: only the brand and last 4 digits are kept."""

    number: str
    expiry_month: int
    expiry_year: int
    cvc: str
    holder: str

    @property
    def last4(self) -> str:
        return self.number[-4:]

    def __repr__(self) -> str:  # never the number or the CVC in a log or a traceback
        return f"CardDetails(last4={self.last4!r})"


class Gateway(ABC):
    """One payment service provider. Instances are cheap; build one per operation."""

    code: ClassVar[str]
    online: ClassVar[bool] = True
    # Whether `authorize_card` works: the payment link page then shows our own card form.
    takes_card_form: ClassVar[bool] = False
    # Whether `authorize_on_file` works: Authorize the difference after an order edit.
    can_authorize_on_file: ClassVar[bool] = False

    def authorize_on_file(
        self,
        *,
        reference: str,
        amount: int,
        currency: str,
        idempotency_key: str,
        capture: bool = False,
    ) -> GatewayResult:
        """A new authorization (capture=True: a sale) on the payment method of the earlier
        payment `reference`, without the customer (off-session). Its answer's reference is the
        new payment's."""
        return GatewayResult(
            GatewayStatus.DECLINED,
            message=f"The {self.code} gateway can't charge a saved payment method.",
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
        """A new authorization (capture=True: a sale) on a card typed on the payment link page
        (see CardDetails)."""
        raise GatewayError(f"The {self.code} gateway takes cards on its own page only.")

    def __init__(self, capabilities: Capabilities, *, timeout: float) -> None:
        self.capabilities = capabilities
        self.timeout = timeout
        # The store's account when built for one (`get_gateway`): whose keys to use.
        self.account: GatewayAccount | None = None

    @abstractmethod
    def authorize(
        self, *, amount: int, currency: str, idempotency_key: str, capture: bool = False
    ) -> GatewayResult:
        """Authorize `amount` (capture=True: a debit, authorized and captured at once)."""

    @abstractmethod
    def capture(
        self, *, reference: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult: ...

    def capture_many(
        self, requests: Sequence[CaptureRequest]
    ) -> list[GatewayResult | GatewayError]:
        """One answer per request, in the same order: exactly what `capture()` would have
        returned, or the GatewayError (GatewayTimeout, IdempotencyConflict…) it would have
        raised, as an instance. The default sends them one by one; a gateway with a batch API
        overrides it."""
        answers: list[GatewayResult | GatewayError] = []
        for request in requests:
            try:
                answers.append(
                    self.capture(
                        reference=request.reference,
                        amount=request.amount,
                        currency=request.currency,
                        idempotency_key=request.idempotency_key,
                    )
                )
            except GatewayError as error:
                # One failed capture must not lose the answers of the others in the call.
                answers.append(error)
        return answers

    @abstractmethod
    def void(
        self, *, reference: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        """Release `amount` of the authorization's uncaptured remainder."""

    @abstractmethod
    def refund(
        self, *, reference: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult: ...

    @abstractmethod
    def rebill(
        self, *, reference: str, amount: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        """A new debit on the card of the debit `reference`."""

    @abstractmethod
    def lookup(self, *, idempotency_key: str) -> GatewayResult | None:
        """The final or current answer for the request sent with `idempotency_key`.

        None promises only that the gateway has no record of the request *now*. A request that
        timed out may still land a moment later, so callers treat None as "not applied" only
        once the in-flight grace has passed since the request was last sent
        (`payments.services.reconcile`), and never send it again under a new key.
        """

    def snapshot(self, *, reference: str) -> GatewaySnapshot | None:
        """What the PSP holds for the payment `reference` (None: it has no record of it), for
        `reconcile_payments --against-gateway`. Optional: an adapter that can't tell raises
        `SnapshotUnsupported`; `GatewayError` when the PSP didn't answer."""
        raise SnapshotUnsupported(f"The {self.code} gateway can't report its own records.")

    def snapshot_many(
        self, references: Sequence[str]
    ) -> dict[str, GatewaySnapshot | GatewayError | None]:
        """`snapshot` for many payments: {reference: snapshot, None or the GatewayError it
        raised}. The default asks one by one; a PSP with a search API overrides it."""
        answers: dict[str, GatewaySnapshot | GatewayError | None] = {}
        for reference in references:
            try:
                answers[reference] = self.snapshot(reference=reference)
            except GatewayError as error:
                answers[reference] = error
        return answers

    def verify_webhook(
        self, *, account: "GatewayAccount", headers: Mapping[str, str], body: bytes
    ) -> list[WebhookEvent]:
        """Check a webhook's signature (or decrypt it) and parse its events; raise
        `WebhookRejected` when it doesn't verify. Optional: a gateway that sends no webhooks
        rejects them all."""
        raise WebhookRejected(f"The {self.code} gateway sends no webhooks.")

    def register_checkout_payment(
        self,
        *,
        reference: str,
        amount: int,
        currency: str,
        captured: bool,
        expires_at: datetime | None,
    ) -> None:
        """Tell the gateway about a payment made at checkout (imports, demo data).

        Real gateways already know it: nothing to do. The sandbox creates its own record so
        that later captures and refunds against `reference` work.
        """
        return None
