"""System checks (`manage.py check`): a Stripe account without its secret key, an OPPWA
account without its access token or entity."""

from typing import TYPE_CHECKING, Any

from django.core import checks
from django.db import DatabaseError

if TYPE_CHECKING:
    from payments.models import GatewayAccount


def _accounts(gateway: str) -> list["GatewayAccount"]:
    """The gateway's accounts, none before `migrate` (no table to read yet)."""
    from payments.models import GatewayAccount

    try:
        return list(GatewayAccount.objects.filter(gateway=gateway).select_related("store"))
    except DatabaseError:
        return []


@checks.register("payments")
def stripe_secrets(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from payments.gateways.stripe_config import secret_key, secret_key_name

    return [
        checks.Warning(
            f"The Stripe account of store {account.store.code} has no secret key.",
            hint=f"Set {secret_key_name(account)} (or STRIPE_SECRET_KEY) in the environment.",
            obj=account,
            id="payments.W001",
        )
        for account in _accounts("stripe")
        if not secret_key(account)
    ]


@checks.register("payments")
def oppwa_secrets(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from payments.gateways.oppwa_config import missing

    return [
        checks.Warning(
            f"The OPPWA account of store {account.store.code} is not configured.",
            hint=f"Set {' and '.join(missing(account))} in the environment.",
            obj=account,
            id="payments.W002",
        )
        for account in _accounts("oppwa")
        if missing(account)
    ]
