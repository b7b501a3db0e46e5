"""Shared set-up for the webhook inbox's tests: signed sandbox webhooks, PSP-side operations."""

from django.urls import reverse

from payments.gateways import get_gateway
from payments.gateways.sandbox_webhooks import event_of, webhook_request
from payments.models import GatewayAccount, Payment, SandboxCharge, SandboxOperation

Kind = SandboxOperation.Kind


def webhook_url(account: GatewayAccount) -> str:
    return reverse(
        "webhook_receive", kwargs={"gateway": account.gateway, "account_code": account.store.code}
    )


def at_sandbox(payment: Payment, kind: str, amount: int) -> SandboxOperation:
    """Do `kind` on the sandbox's own side (its dashboard): no webhook sent yet."""
    account = payment.gateway_account
    charge = SandboxCharge.objects.get(reference=payment.gateway_reference)
    op = get_gateway(account).apply_on_own_side(
        kind=kind, reference=charge.reference, amount=amount, currency=charge.currency
    )
    assert op.status == "success", op.message
    return op


def post_events(client, account: GatewayAccount, *ops: SandboxOperation, headers=None):
    """POST the signed webhook of `ops` as the sandbox sends it."""
    signed, body = webhook_request(account, [event_of(op) for op in ops])
    return client.post(
        webhook_url(account),
        data=body,
        content_type="application/json",
        headers=headers if headers is not None else signed,
    )
