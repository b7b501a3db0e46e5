"""When an authorization expires, and which ones expire soon (reads only).

An authorization expires at `Payment.expires_at`, set when it was authorized from its gateway
account's `authorization_validity_days` (or taken from the import). One without a date expires
that many days after `authorized_at` — 7 for a payment without an account: the 7-day rule.
Only an open one matters: an authorization (not a sale or a manual payment) with an uncaptured
remainder that no capture or void is reserving.

Used by expire_authorizations (what has expired, `--warn-hours`) and by the dashboard's
"Authorizations expiring soon" list, so both show the same thing.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from backoffice.models import Store
from orders.enums import OrderState
from payments.enums import PaymentAction
from payments.gateways import Capabilities, capabilities_for_payment
from payments.ledger import uncaptured_remainder
from payments.models import GatewayAccount, Payment

DEFAULT_VALIDITY_DAYS = Capabilities().authorization_validity_days
# Nothing more can happen to the money of a canceled or closed order.
FINAL_STATES = (OrderState.CANCELED, OrderState.CLOSED)


def open_authorization_q() -> Q:
    """An authorization whose uncaptured remainder is neither captured, voided nor reserved."""
    return Q(payment_action=PaymentAction.AUTHORIZE) & Q(
        amount_authorized__gt=F("amount_captured")
        + F("amount_voided")
        + F("pending_capture")
        + F("pending_void")
    )


def _validity_over_q(now: datetime) -> Q:
    """Authorized longer ago than its gateway account's validity (one term per account)."""
    default = now - timedelta(days=DEFAULT_VALIDITY_DAYS)
    over = Q(gateway_account__isnull=True, authorized_at__lte=default)
    for pk, days in GatewayAccount.objects.values_list("pk", "authorization_validity_days"):
        over |= Q(gateway_account_id=pk, authorized_at__lte=now - timedelta(days=days))
    return over


def expired_q(now: datetime) -> Q:
    undated = Q(expires_at__isnull=True, authorized_at__isnull=False) & _validity_over_q(now)
    return Q(is_expired=True) | Q(expires_at__lte=now) | undated


def expiry_of(payment: Payment) -> datetime | None:
    if payment.expires_at is not None or payment.authorized_at is None:
        return payment.expires_at
    days = capabilities_for_payment(payment).authorization_validity_days
    return payment.authorized_at + timedelta(days=days)


def is_open_authorization(payment: Payment) -> bool:
    return payment.payment_action == PaymentAction.AUTHORIZE and uncaptured_remainder(payment) > 0


def has_expired(payment: Payment, *, now: datetime) -> bool:
    expiry = expiry_of(payment)
    return payment.is_expired or (expiry is not None and expiry <= now)


def gateway_still_holds(payment: Payment, *, now: datetime) -> bool:
    """May the gateway still release it? Online gateway, and within the account's validity.

    Our expiry date can come earlier than the gateway's own (an imported date, a shortened
    validity); then an online void still releases the cardholder's hold. Past the account's
    validity the gateway has dropped it: asking would only earn a decline.
    """
    caps = capabilities_for_payment(payment)
    if not caps.online or payment.is_expired or payment.authorized_at is None:
        return False
    return payment.authorized_at + timedelta(days=caps.authorization_validity_days) > now


def authorizations_expiring(*, within: timedelta, now: datetime | None = None) -> QuerySet[Payment]:
    """Open authorizations that have not expired yet but will within `within`, soonest first.

    Scope it with `.filter(order__store__in=…)`; rows come with their order, store and account.
    """
    now = now or timezone.now()
    return (
        Payment.objects.filter(
            open_authorization_q(),
            is_expired=False,
            expires_at__gt=now,
            expires_at__lte=now + within,
        )
        .exclude(order__state__in=FINAL_STATES)
        .select_related("order__store", "gateway_account")
        .order_by("expires_at", "pk")
    )


def local_date(moment: datetime, store: Store) -> str:
    """ "8 Nov 2026" in the store's time zone, as staff read dates elsewhere."""
    local = moment.astimezone(ZoneInfo(store.timezone or "UTC"))
    return f"{local.day} {local:%b %Y}"


def local_time(moment: datetime, store: Store) -> str:
    local = moment.astimezone(ZoneInfo(store.timezone or "UTC"))
    return f"{local.day} {local:%b %Y %H:%M} {local.tzname()}"
