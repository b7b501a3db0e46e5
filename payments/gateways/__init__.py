"""Gateway adapters by code. `gateway_for_payment(payment)` is what services use.

Adding a real adapter (Stripe, OPPWA, Adyen): subclass `payments.gateways.base.Gateway`,
register its code in `GATEWAYS`, and test it against a local fake of its HTTP API.
"""

from dataclasses import replace

from django.conf import settings

from payments.gateways.base import (
    Capabilities,
    CaptureRequest,
    Gateway,
    GatewayError,
    GatewayResult,
    GatewayStatus,
    GatewayTimeout,
    IdempotencyConflict,
)
from payments.gateways.manual import ManualGateway
from payments.gateways.oppwa_gateway import OppwaGateway
from payments.gateways.sandbox import SandboxGateway
from payments.gateways.stripe_gateway import StripeGateway
from payments.models import GatewayAccount, Payment

__all__ = [
    "GATEWAYS",
    "Capabilities",
    "CaptureRequest",
    "Gateway",
    "GatewayError",
    "GatewayResult",
    "GatewayStatus",
    "GatewayTimeout",
    "IdempotencyConflict",
    "UnknownGateway",
    "capabilities_for_payment",
    "gateway_for_payment",
    "get_gateway",
]

GATEWAYS: dict[str, type[Gateway]] = {
    SandboxGateway.code: SandboxGateway,
    ManualGateway.code: ManualGateway,
    StripeGateway.code: StripeGateway,
    OppwaGateway.code: OppwaGateway,
}


class UnknownGateway(LookupError):
    pass


def get_gateway(account_or_code: GatewayAccount | str) -> Gateway:
    """An adapter for a store's gateway account (or a bare code, with default capabilities)."""
    if isinstance(account_or_code, GatewayAccount):
        code, capabilities = account_or_code.gateway, Capabilities.from_account(account_or_code)
    else:
        code, capabilities = account_or_code, Capabilities()
    try:
        cls = GATEWAYS[code]
    except KeyError:
        raise UnknownGateway(f"No gateway adapter is registered for {code!r}.") from None
    if not cls.online:
        capabilities = replace(capabilities, online=False)
    gateway = cls(capabilities, timeout=settings.PAYMENT_GATEWAY_TIMEOUT_SECONDS)
    if isinstance(account_or_code, GatewayAccount):
        gateway.account = account_or_code
    return gateway


def capabilities_for_payment(payment: Payment) -> Capabilities:
    """What the payment's gateway can do; a payment without an account gets the defaults."""
    account = payment.gateway_account
    caps = Capabilities.from_account(account) if account is not None else Capabilities()
    cls = GATEWAYS.get(payment.gateway)
    if cls is None or not cls.online:
        caps = replace(caps, online=False)
    return caps


def gateway_for_payment(payment: Payment) -> Gateway:
    account = payment.gateway_account
    if account is not None and account.gateway == payment.gateway:
        return get_gateway(account)
    return get_gateway(payment.gateway)
