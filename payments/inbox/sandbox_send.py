"""The sandbox acting on its own side and telling us by webhook (`manage.py sandbox_event`).

`sandbox_side_operation` performs the operation at the sandbox PSP, as if done in its
dashboard (a refund, a capture, a void), by the acquirer (a chargeback, its reversal) or by the
clock (the authorization expiring); `deliver` sends the signed event to the inbox: over HTTP to
a running server (`url`), or in-process through the very same webhook view.
"""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.test import RequestFactory
from django.urls import resolve, reverse

from backoffice.errors import DomainError, ErrorCode
from orders.models import Order
from payments.gateways import get_gateway
from payments.gateways.base import WebhookEventType
from payments.gateways.sandbox import SandboxGateway
from payments.gateways.sandbox_webhooks import event_of, webhook_request
from payments.models import GatewayAccount, Payment, SandboxCharge, SandboxOperation

Kind = SandboxOperation.Kind
E = WebhookEventType
KINDS: dict[str, str] = {
    E.CAPTURE: Kind.CAPTURE,
    E.VOID: Kind.VOID,
    E.REFUND: Kind.REFUND,
    E.CHARGEBACK: Kind.CHARGEBACK,
    E.CHARGEBACK_REVERSAL: Kind.CHARGEBACK_REVERSAL,
    E.AUTHORIZATION_EXPIRED: Kind.EXPIRE,
}


@dataclass(frozen=True)
class Delivered:
    status: int
    body: str


def sandbox_payment(order: Order) -> tuple[Payment, SandboxCharge]:
    """The order's latest sandbox payment that the sandbox knows, with its charge there."""
    payments = Payment.objects.filter(order=order, gateway="sandbox").exclude(gateway_reference="")
    for payment in payments.order_by("-pk"):
        charge = SandboxCharge.objects.filter(reference=payment.gateway_reference).first()
        if charge is not None:
            return payment, charge
    raise DomainError(
        ErrorCode.NOT_AVAILABLE, f"Order #{order.number} has no payment at the sandbox."
    )


def available_at_sandbox(charge: SandboxCharge, event_type: str) -> int:
    """What the sandbox lets the operation take when no amount is given: all of it."""
    c = charge
    if event_type in {E.CAPTURE, E.VOID, E.AUTHORIZATION_EXPIRED}:
        return c.amount_authorized - c.amount_captured - c.amount_voided
    if event_type == E.CHARGEBACK_REVERSAL:
        return c.amount_charged_back
    return c.amount_captured - c.amount_refunded - c.amount_charged_back


def account_of(payment: Payment) -> GatewayAccount:
    account = payment.gateway_account
    if account is None or account.gateway != "sandbox":
        account = GatewayAccount.objects.filter(
            store_id=payment.order.store_id, gateway="sandbox"
        ).first()
    if account is None:
        raise DomainError(ErrorCode.NOT_AVAILABLE, "The store has no sandbox account.")
    return account


def sandbox_side_operation(
    *, account: GatewayAccount, charge: SandboxCharge, event_type: str, amount: int
) -> SandboxOperation:
    """Apply the operation at the sandbox (its own rules: over-refunds are refused there too);
    raises DomainError with the sandbox's reason when it declines."""
    gateway = get_gateway(account)
    assert isinstance(gateway, SandboxGateway)
    op = gateway.apply_on_own_side(
        kind=KINDS[event_type], reference=charge.reference, amount=amount, currency=charge.currency
    )
    if op.status != SandboxOperation.Status.SUCCESS:
        raise DomainError(ErrorCode.NOT_AVAILABLE, f"The sandbox declined: {op.message}")
    return op


def deliver(account: GatewayAccount, op: SandboxOperation, *, url: str = "") -> Delivered:
    """POST the signed event to the inbox: to `url` (a running server's base URL or the full
    webhook URL), or in-process through the webhook view."""
    headers, body = webhook_request(account, [event_of(op)])
    path = reverse(
        "webhook_receive", kwargs={"gateway": account.gateway, "account_code": account.store.code}
    )
    if url:
        target = url if "/webhooks/" in url else url.rstrip("/") + path
        request = urllib.request.Request(
            target,
            data=body,
            method="POST",
            headers={**headers, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Delivered(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Delivered(error.code, error.read().decode())
    in_process = RequestFactory().post(
        path, data=body, content_type="application/json", headers=headers
    )
    match = resolve(path)
    response = match.func(in_process, *match.args, **match.kwargs)
    return Delivered(response.status_code, response.content.decode())


def describe(delivered: Delivered) -> str:
    try:
        answer = json.loads(delivered.body)
    except ValueError:
        answer = delivered.body[:200]
    return f"HTTP {delivered.status}: {answer}"
