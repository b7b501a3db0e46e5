"""Create or update a store's gateway account (configuration, audited; secrets stay in the
environment, see `payments.gateways.stripe_config`)."""

from django.db import transaction

from backoffice.audit.events import SETTINGS_CHANGE, record_event
from backoffice.models import Store
from payments.gateways.stripe_config import AUTHORIZATION_VALIDITY_DAYS
from payments.models import GatewayAccount

# Validity of an uncaptured authorization by gateway (Stripe cancels it after 7 days).
VALIDITY_DAYS = {"stripe": AUTHORIZATION_VALIDITY_DAYS}


def gateway_account_save(
    *,
    store: Store,
    gateway: str,
    name: str = "",
    multicapture: bool | None = None,
    live_mode: bool | None = None,
) -> tuple[GatewayAccount, bool]:
    """The store's account at `gateway`, created or updated; (account, created)."""
    with transaction.atomic():
        account, created = GatewayAccount.objects.select_for_update().get_or_create(
            store=store,
            gateway=gateway,
            defaults={"name": name or gateway.title()},
        )
        if name:
            account.name = name
        if multicapture is not None:
            account.supports_multicapture = multicapture
        if live_mode is not None:
            account.live_mode = live_mode
        if gateway in VALIDITY_DAYS:
            account.authorization_validity_days = VALIDITY_DAYS[gateway]
        account.save()
        record_event(
            type=SETTINGS_CHANGE,
            obj=account,
            store_code=store.code,
            message=f"Gateway account {'created' if created else 'updated'}: {account}",
            details={
                "gateway": gateway,
                "multicapture": account.supports_multicapture,
                "live_mode": account.live_mode,
            },
        )
    return account, created
