"""Payment links, customer side: paying the link's amount as a new authorization.

The sandbox's own card form: `payment_link_pay_card` runs the money skeleton through
`payments.services.payment_authorize` (a new Payment, pending row, gateway call, outcome) with
an idempotency key made from the link and its count of declined tries: a double submit (or two
tabs at once) sends the same key, so it is one authorization; after a decline the next try
gets a new key. Under the order lock the flow re-checks that the link still works and that the
order still owes exactly its amount, so a link made before an edit, a Mark as paid or another
link's payment can't collect twice. No staff user acts: the row's source is `api` (the
customer's side of the shop) and the history says the payment link did it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.db import transaction
from django.utils import timezone

from backoffice.errors import DomainError, ErrorCode
from backoffice.money import format_money
from orders.enums import CommentKind
from orders.history import comment_payment_link
from orders.models import Order, PaymentLink, PaymentLinkStatus
from orders.payment_link_selectors import link_gateway, link_status
from payments.enums import TransactionSource
from payments.figures import figures_of
from payments.gateways.base import CardDetails
from payments.gateways.sandbox_cards import card_brand
from payments.locks import lock_order_and_payments
from payments.models import Payment
from payments.services import OperationResult, Outcome, payment_authorize

S = PaymentLinkStatus
DEAD_MESSAGES = {
    S.PAID: "This payment link has been paid. Thank you!",
    S.PROCESSING: "Your payment is being confirmed by the payment provider. Thank you!",
    S.REVOKED: "This payment link is no longer valid: the shop withdrew it.",
    S.EXPIRED: "This payment link is no longer valid: it has expired.",
    S.OUTDATED: "This payment link is no longer valid: the amount due on the order changed.",
}


class LinkNotPayable(DomainError):
    """The link can't be paid (any more): `status` says why."""

    def __init__(self, status: str, message: str = "") -> None:
        super().__init__(ErrorCode.NOT_AVAILABLE, message or DEAD_MESSAGES[S(status)])
        self.status = status


@dataclass(frozen=True)
class PayOutcome:
    status: Literal["paid", "declined", "processing"]
    message: str


def link_key(link: PaymentLink, attempt: int) -> str:
    return f"payment-link:{link.pk}:{attempt}"


def ensure_payable(
    link: PaymentLink, *, order: Order, payments: list[Payment], now: datetime
) -> None:
    """Raise `LinkNotPayable` unless the link is open and the order may take money now."""
    status = link_status(
        link, outstanding=figures_of(order, payments=payments).outstanding, now=now
    )
    if status != S.OPEN:
        raise LinkNotPayable(status)
    if order.money_block() is not None:
        raise LinkNotPayable(S.OPEN, "This order can't be paid right now. Please contact the shop.")


def still_payable(link_pk: int) -> Callable[[Order, Payment | None, int], None]:
    """The flow's extra check under the order lock: the link, read again, still works."""

    def check(locked: Order, _payment: Payment | None, _amount: int) -> None:
        link = PaymentLink.objects.get(pk=link_pk)
        ensure_payable(link, order=locked, payments=list(locked.payments.all()), now=timezone.now())

    return check


def payment_link_pay_card(*, link: PaymentLink, card: CardDetails) -> PayOutcome:
    """Authorize the link's amount on the card the customer typed (gateways with a card form)."""
    order = link.order
    payments = list(order.payments.all())
    gateway = link_gateway(order, payments)
    if gateway is None or gateway.mode != "card":
        raise LinkNotPayable(S.OPEN, "This payment link is paid on the payment provider's page.")
    ensure_payable(link, order=order, payments=payments, now=timezone.now())
    attempt = link.attempts
    result = payment_authorize(
        order=order,
        amount=link.amount,
        actor=None,
        idempotency_key=link_key(link, attempt),
        gateway_account=gateway.account,
        card_brand=card_brand(card.number),
        card_last4=card.last4,
        method_title=f"{gateway.account.name} (payment link)",
        source=TransactionSource.API,
        card=card,
        also_check=still_payable(link.pk),
    )
    return link_settle(link_pk=link.pk, result=result, attempt=attempt)


def link_settle(*, link_pk: int, result: OperationResult, attempt: int) -> PayOutcome:
    """After the gateway answered: a success pays the link (once), a decline opens the next
    try, anything else leaves it being confirmed (reconciliation settles the payment)."""
    txn = result.transaction
    with transaction.atomic(durable=True):
        lock_order_and_payments(txn.order_id)
        link = PaymentLink.objects.select_for_update().get(pk=link_pk)
        if result.outcome == Outcome.DECLINED:
            if link.attempts == attempt:
                link.attempts = attempt + 1
                link.save(update_fields=["attempts"])
            reason = txn.error.rstrip(".") or "the payment was declined"
            return PayOutcome("declined", f"{reason[:1].upper()}{reason[1:]}.")
        if result.outcome != Outcome.SUCCESS and result.replayed:
            # Another request of the same try is still at the gateway: it settles the link.
            return PayOutcome("processing", DEAD_MESSAGES[S.PROCESSING])
        if link.payment_id is None:
            link.payment_id = txn.payment_id
            link.save(update_fields=["payment"])
        if result.outcome != Outcome.SUCCESS:
            return PayOutcome("processing", DEAD_MESSAGES[S.PROCESSING])
        if link.paid_at is None:
            link.paid_at = timezone.now()
            link.save(update_fields=["paid_at"])
            comment_payment_link(
                order=link.order,
                kind=CommentKind.AUTHORIZATION,
                transaction=txn,
                body=f"Authorization of {format_money(txn.amount, txn.currency)} "
                "through the payment link.",
            )
    return PayOutcome("paid", DEAD_MESSAGES[S.PAID])
