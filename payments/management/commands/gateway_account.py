"""`manage.py gateway_account --store CODE --gateway stripe|oppwa`: create or update a store's
gateway account. Secrets are never stored: Stripe's key and OPPWA's access token, entity and
webhook secret come from the environment."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backoffice.models import Store
from payments.gateways import GATEWAYS
from payments.gateways.oppwa_config import missing
from payments.gateways.stripe_config import secret_key, secret_key_name
from payments.services.gateway_accounts import gateway_account_save


class Command(BaseCommand):
    help = "Create or update a store's gateway account (secrets come from the environment)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", required=True, help="the store's code")
        parser.add_argument("--gateway", required=True, choices=sorted(GATEWAYS))
        parser.add_argument("--name", default="", help="the account's name shown to staff")
        parser.add_argument(
            "--multicapture",
            choices=["yes", "no"],
            help="whether the account may capture one authorization several times",
        )
        parser.add_argument(
            "--live",
            choices=["yes", "no"],
            help="live mode: the PSP's live host and real money (OPPWA); no: its test host",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        store = Store.objects.filter(code=options["store"]).first()
        if store is None:
            raise CommandError(f"No store with code {options['store']!r}.")
        multi = options["multicapture"]
        account, created = gateway_account_save(
            store=store,
            gateway=options["gateway"],
            name=options["name"],
            multicapture=None if multi is None else multi == "yes",
            live_mode=None if options["live"] is None else options["live"] == "yes",
        )
        self.stdout.write(f"{'Created' if created else 'Updated'} {account}.")
        if account.gateway == "stripe" and not secret_key(account):
            self.stdout.write(
                self.style.WARNING(f"No Stripe secret key: set {secret_key_name(account)}.")
            )
        if account.gateway == "oppwa" and missing(account):
            self.stdout.write(
                self.style.WARNING(
                    f"OPPWA is not configured: set {' and '.join(missing(account))}."
                )
            )
