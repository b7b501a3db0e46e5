"""Receiving a webhook: verify first, then store every event raw before answering 200.

`inbox_receive` finds the gateway account (`/webhooks/<gateway>/<store code>/`: one account per
store and gateway), lets the adapter verify the signature and parse the events
(`Gateway.verify_webhook`), and stores each event (`InboundEvent`) unless its id is already
known for that gateway and account (a duplicate delivery: nothing happens). Each new event's
processing task is enqueued in the same transaction (`process.enqueue_event`).
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction

from payments.gateways import UnknownGateway, get_gateway
from payments.gateways.base import WebhookEvent, WebhookRejected
from payments.inbox.process import enqueue_event
from payments.inbox_models import InboundEvent
from payments.models import GatewayAccount

__all__ = ["Received", "UnknownAccount", "WebhookRejected", "inbox_receive"]


class UnknownAccount(LookupError):
    """No such gateway account: nothing to verify the webhook with."""


@dataclass(frozen=True)
class Received:
    stored: list[InboundEvent]
    duplicates: int


def inbox_receive(
    *, gateway: str, account_code: str, headers: Mapping[str, str], body: bytes
) -> Received:
    """Verify and store a webhook's events; raises UnknownAccount or WebhookRejected, having
    written nothing."""
    account = (
        GatewayAccount.objects.select_related("store")
        .filter(gateway=gateway, store__code=account_code)
        .first()
    )
    if account is None:
        raise UnknownAccount(f"No {gateway} account for store {account_code!r}.")
    try:
        adapter = get_gateway(account)
    except UnknownGateway as error:
        raise UnknownAccount(str(error)) from None
    events = adapter.verify_webhook(account=account, headers=headers, body=body)
    stored: list[InboundEvent] = []
    with transaction.atomic():
        for parsed in events:
            event, created = InboundEvent.objects.get_or_create(
                gateway=gateway,
                account=account,
                event_id=parsed.event_id,
                defaults=_fields(parsed),
            )
            if created:
                stored.append(event)
                enqueue_event(event)
    return Received(stored=stored, duplicates=len(events) - len(stored))


def _fields(parsed: WebhookEvent) -> dict[str, object]:
    return {
        "type": str(parsed.type),
        "payload": parsed.payload,
        "payment_reference": parsed.payment_reference[:120],
        "reference": parsed.reference[:120],
        "amount": parsed.amount,
        "currency": parsed.currency[:3],
        "occurred_at": parsed.occurred_at,
        "sequence": parsed.sequence,
    }
