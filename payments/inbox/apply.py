"""One inbound event applied to the ledger: what the PSP did on its side, recorded once.

A money event (a capture, void, refund, chargeback or its reversal made at the PSP, an
authorization expiring there) becomes an offline-style ledger row with status success, source
`webhook`, the PSP's reference and `is_online` (the money moved at the gateway), written under
the order → payments lock by the money flow (`open_in_transaction`): recompute, history comment
("Refunded $20.00 in the PSP's dashboard, reference …"), order version and state.

Idempotent and order-independent:
- the row's idempotency key names the PSP's operation (`event_key`): the same operation never
  writes twice, even from two events processed at once, and an operation the ledger already
  holds under the PSP's reference (one we sent ourselves) is not recorded again;
- money events are facts that add up, so any order gives the same ledger, except that an
  event may need another first (a refund before the capture it refunds, a payment we don't
  know yet): it doesn't fit the ledger now, raises `NotYet`, and is tried again later;
- state only moves forward: an authorization's expiry is set, never cleared or moved later,
  so an older event never overrides a newer state.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from backoffice.errors import DomainError, ErrorCode
from backoffice.money import format_money
from orders.models import Order
from payments.enums import TransactionSource, TransactionStatus, TransactionType
from payments.gateways.base import WebhookEventType
from payments.inbox_models import InboundEvent
from payments.models import Payment, Transaction
from payments.services._flow import MoneyRequest, OperationResult, open_in_transaction
from payments.services._result import result_of

T = TransactionType
E = WebhookEventType
S = TransactionStatus

TRANSACTION_TYPES: dict[str, TransactionType] = {
    E.CAPTURE: T.CAPTURE,
    E.VOID: T.REVERSAL,
    E.REFUND: T.REFUND,
    E.CHARGEBACK: T.CHARGEBACK,
    E.CHARGEBACK_REVERSAL: T.CHARGEBACK_REVERSAL,
    E.AUTHORIZATION_EXPIRED: T.REVERSAL,
}
# The row a refund or chargeback acts on, and the one a chargeback reversal reverses.
PARENT_TYPES: dict[str, tuple[str, ...]] = {
    T.REFUND: (T.CAPTURE, T.DEBIT, T.REBILL),
    T.CHARGEBACK: (T.CAPTURE, T.DEBIT, T.REBILL),
    T.CHARGEBACK_REVERSAL: (T.CHARGEBACK,),
}


class NotYet(DomainError):
    """The event can't apply now (its payment or the money it acts on isn't known yet)."""

    def __init__(self, message: str) -> None:
        super().__init__(ErrorCode.NOT_AVAILABLE, message)


class Unprocessable(DomainError):
    """The event can never apply (an unknown type, another currency): for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(ErrorCode.NOT_AVAILABLE, message)


@dataclass(frozen=True)
class Applied:
    message: str
    transaction: Transaction | None


def event_key(event: InboundEvent) -> str:
    """The ledger row's idempotency key: the PSP's operation (its type and reference, per
    gateway and account), else the event's id.

    Two events about the same operation (Stripe's `refund.created` and `refund.updated`, a
    PaymentIntent's two events for one capture) then share one key, and the money flow's
    "same key → the first answer" check runs under the order lock: processed at the same
    moment by two workers, they still write one row.
    """
    what = f"{event.type}:{event.reference}" if event.reference else event.event_id
    key = f"webhook:{event.gateway}:{event.account_id}:{what}"
    if len(key) <= 120:
        return key
    return f"webhook:{hashlib.sha256(key.encode()).hexdigest()}"


def apply_event(event: InboundEvent) -> Applied:
    """Record `event` in the ledger, inside the caller's transaction (the caller locked the
    event row). Raises NotYet (try again later) or Unprocessable (a person looks)."""
    txn_type = TRANSACTION_TYPES.get(event.type)
    if txn_type is None:
        raise Unprocessable(f"Unknown event type {event.type!r}.")
    payment = _payment_of(event)
    if payment.currency != event.currency:
        raise Unprocessable(
            f"The event is in {event.currency}; the payment is in {payment.currency}."
        )
    known = (
        Transaction.objects.filter(
            payment=payment, gateway_reference=event.reference, status=S.SUCCESS
        )
        .exclude(idempotency_key=event_key(event))
        .first()
    )
    if known is not None:
        return Applied(f"Already in the ledger: {known} (reference {event.reference}).", known)
    request = _request(event, payment, txn_type)
    with transaction.atomic():  # a refusal rolls back to here; the caller saves the event
        if event.type == E.AUTHORIZATION_EXPIRED:
            _expire(payment, event)
        opened = open_in_transaction(request)
    txn = opened.transaction if isinstance(opened, OperationResult) else opened
    return Applied(txn_message(txn), txn)


def txn_message(txn: Transaction) -> str:
    return result_of(txn).message


def _payment_of(event: InboundEvent) -> Payment:
    payment = (
        Payment.objects.filter(
            Q(gateway_account=event.account_id) | Q(gateway_account__isnull=True),
            gateway=event.gateway,
            gateway_reference=event.payment_reference,
            order__store_id=event.account.store_id,
        )
        .order_by("pk")
        .first()
    )
    if payment is None:
        raise NotYet(f"No payment with the PSP reference {event.payment_reference} yet.")
    return payment


def _expire(payment: Payment, event: InboundEvent) -> None:
    """The authorization expired at the PSP: expired here too, never later than it says."""
    at = event.occurred_at or event.received_at
    expires_at = min(payment.expires_at, at) if payment.expires_at else at
    Payment.objects.filter(pk=payment.pk).update(is_expired=True, expires_at=expires_at)


def _parent(payment: Payment, txn_type: str) -> Transaction | None:
    types = PARENT_TYPES.get(txn_type)
    if not types:
        return None  # captures and reversals: the money flow names the authorization
    rows = Transaction.objects.filter(payment=payment, type__in=types, status=S.SUCCESS)
    return rows.order_by("-created_at", "-pk").first()


def _request(event: InboundEvent, payment: Payment, txn_type: TransactionType) -> MoneyRequest:
    return MoneyRequest(
        type=txn_type,
        order_id=payment.order_id,
        payment_id=payment.pk,
        parent=_parent(payment, txn_type),
        amount=event.amount,
        online=False,
        recorded_online=True,
        actor=None,
        idempotency_key=event_key(event),
        source=TransactionSource.WEBHOOK,
        gateway_reference=event.reference[:120],
        gateway_request=_told(event),
        check=_fits(txn_type),
    )


def _told(event: InboundEvent) -> dict[str, str]:
    """What the row keeps of the event: its type and id, the gateway (the history names it)
    and the PSP's own reason where its object carries one (Stripe: `data.object.reason`)."""
    told = {"event": event.type, "event_id": event.event_id, "gateway": event.gateway}
    data = event.payload.get("data") if isinstance(event.payload, dict) else None
    obj = data.get("object") if isinstance(data, dict) else None
    reason = obj.get("reason") if isinstance(obj, dict) else None
    # OPPWA: the chargeback's result code and description (`oppwa_webhooks`).
    reason = reason or (
        event.payload.get("psp_reason") if isinstance(event.payload, dict) else None
    )
    if reason:
        told["psp_reason"] = str(reason)[:80]
    return told


def _fits(txn_type: str) -> Callable[[Order, Payment | None, int], None]:
    """The check run under the lock, against the ledger: the PSP's operation must fit what we
    know, or an event it depends on hasn't arrived yet (NotYet: tried again later)."""

    def check(order: Order, payment: Payment | None, amount: int) -> None:
        assert payment is not None
        fits(txn_type, payment, amount)

    return check


def fits(txn_type: str, p: Payment, amount: int) -> None:
    open_auth = p.amount_authorized - p.amount_captured - p.amount_voided
    open_auth -= p.pending_capture + p.pending_void
    kept = p.amount_captured - p.amount_refunded - p.pending_refund - p.amount_charged_back
    rooms: dict[str, tuple[int, str]] = {
        T.CAPTURE: (open_auth, "open to capture"),
        T.REVERSAL: (open_auth, "left uncaptured"),
        T.REFUND: (kept, "refundable"),
        T.CHARGEBACK: (kept, "kept by the merchant"),
        T.CHARGEBACK_REVERSAL: (p.amount_charged_back, "charged back"),
    }
    room, what = rooms[txn_type]
    if amount > room:
        money = format_money(amount, p.currency)
        left = format_money(max(room, 0), p.currency)
        raise NotYet(
            f"{money} doesn't fit the ledger yet ({left} {what}): waiting for the events "
            "it depends on."
        )
