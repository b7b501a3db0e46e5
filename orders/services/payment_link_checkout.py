"""Payment links on Stripe: the customer authorizes on Stripe's hosted Checkout page.

Start: a Checkout Session for the link's amount (manual capture), made with a key from the
link and its count of sessions so far (a double click is one session at Stripe; after one
expired, the next gets a new key); an open session is handed out again. Finish (the customer
is back on the return URL): once Stripe says the session is complete and its PaymentIntent
waits for capture, the authorization is recorded as a payment made at checkout
(`payment_record_checkout`, keyed by the session: recording it twice is one payment) and the
link is paid (`payment_link_pay.link_settle`).
"""

from django.db import transaction
from django.utils import timezone

from backoffice.errors import DomainError, ErrorCode
from orders.models import PaymentLink, PaymentLinkStatus
from orders.payment_link_selectors import LinkGateway, link_gateway
from orders.services.payment_link_pay import (
    DEAD_MESSAGES,
    LinkNotPayable,
    PayOutcome,
    ensure_payable,
    link_settle,
)
from payments.enums import TransactionSource
from payments.gateways.base import GatewayError
from payments.gateways.stripe_checkout import (
    CheckoutSession,
    checkout_session_create,
    checkout_session_get,
)
from payments.services import payment_record_checkout

UNREACHABLE = "The payment provider can't be reached right now. Please try again in a moment."
NOT_COMPLETED = "The payment was not completed on the payment page. Nothing was charged."


def _stripe(link: PaymentLink) -> LinkGateway:
    gateway = link_gateway(link.order, link.order.payments.all())
    if gateway is None or gateway.mode != "stripe_checkout":
        raise LinkNotPayable(PaymentLinkStatus.OPEN, "This payment link is paid on this page.")
    return gateway


def _session(gateway: LinkGateway, session_id: str) -> CheckoutSession:
    try:
        return checkout_session_get(gateway.account, session_id)
    except GatewayError as exc:
        raise DomainError(ErrorCode.NOT_AVAILABLE, UNREACHABLE) from exc


def payment_link_checkout_start(
    *, link: PaymentLink, return_url: str, cancel_url: str
) -> CheckoutSession:
    """The Checkout Session to send the customer to (the open one, or a new one)."""
    order = link.order
    gateway = _stripe(link)
    ensure_payable(link, order=order, payments=list(order.payments.all()), now=timezone.now())
    if link.checkout_session_id:
        session = _session(gateway, link.checkout_session_id)
        if session.status == "open" or session.authorized:
            return session
    try:
        session = checkout_session_create(
            gateway.account,
            amount=link.amount,
            currency=link.currency,
            idempotency_key=f"payment-link:{link.pk}:checkout:{link.attempts}",
            product=f"{order.store.name}: order #{order.number}",
            success_url=f"{return_url}?session_id={{CHECKOUT_SESSION_ID}}",
            cancel_url=cancel_url,
            metadata={"backoffice_payment_link": str(link.pk), "order": order.number},
        )
    except GatewayError as exc:
        raise DomainError(ErrorCode.NOT_AVAILABLE, UNREACHABLE) from exc
    with transaction.atomic():
        locked = PaymentLink.objects.select_for_update().get(pk=link.pk)
        if locked.checkout_session_id != session.id:
            locked.checkout_session_id = session.id
            locked.attempts += 1
            locked.save(update_fields=["checkout_session_id", "attempts"])
    return session


def payment_link_checkout_finish(*, link: PaymentLink) -> PayOutcome:
    """Record the authorization of a completed session (once), paying the link."""
    if link.paid_at is not None:
        return PayOutcome("paid", DEAD_MESSAGES[PaymentLinkStatus.PAID])
    gateway = _stripe(link)
    if not link.checkout_session_id:
        return PayOutcome("declined", NOT_COMPLETED)
    session = _session(gateway, link.checkout_session_id)
    if not session.authorized:
        return PayOutcome("declined", NOT_COMPLETED)
    result = payment_record_checkout(
        order=link.order,
        amount=link.amount,
        reference=session.payment_intent,
        idempotency_key=f"payment-link:{link.pk}:session:{session.id}",
        gateway="stripe",
        card_brand=session.card_brand,
        card_last4=session.card_last4,
        method_title=f"{gateway.account.name} (payment link)",
        source=TransactionSource.API,
    )
    return link_settle(link_pk=link.pk, result=result, attempt=link.attempts)
