"""Reads of the inbox for the managers' pages (never write)."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.http import Http404

from backoffice.permissions import stores_with_perm
from payments.inbox_models import InboundEvent

# Who reads the inbox and may retry an event: the managers (the same permission as exports).
INBOX_PERMISSION = "export_data"


def inbound_events_visible(*, user: User | AnonymousUser) -> QuerySet[InboundEvent]:
    """Events of the stores where the user holds the inbox permission, as the inbox lists them:
    with their store; the payload as received (a PSP's event can weigh kilobytes) is the
    event's own page's."""
    stores = stores_with_perm(user, INBOX_PERMISSION)
    return (
        InboundEvent.objects.filter(account__store__in=stores)
        .select_related("account__store")
        .defer("payload")
    )


def user_can_read_inbox(*, user: User | AnonymousUser) -> bool:
    return stores_with_perm(user, INBOX_PERMISSION).exists()


def inbound_events_filtered(
    events: QuerySet[InboundEvent], *, filters: dict[str, str]
) -> QuerySet[InboundEvent]:
    """`filters`: gateway, store (code), status, type: the cleaned form's non-empty values."""
    lookups = {"gateway": "gateway", "store": "account__store__code", "status": "status"}
    lookups["type"] = "type"
    for name, lookup in lookups.items():
        if filters.get(name):
            events = events.filter(**{lookup: filters[name]})
    return events.order_by("-received_at", "-pk")


def inbound_event_get(*, user: User | AnonymousUser, pk: int) -> InboundEvent:
    """An event of a store whose orders the user may view, or 404 (the Retry then checks the
    inbox permission: 403 with the reason)."""
    stores = stores_with_perm(user, "view_orders")
    event = (
        InboundEvent.objects.filter(pk=pk, account__store__in=stores)
        .select_related("account__store", "transaction__order")
        .first()
    )
    if event is None:
        raise Http404("No such event.")
    return event
