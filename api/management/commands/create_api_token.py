from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.tokens import api_token_create
from backoffice.models import Store


class Command(BaseCommand):
    help = """Create a storefront API token for one store and print it once.

Only a hash of the token is stored: copy it from the last line of the output now (it is that
line alone). Managers revoke tokens on the API tokens page (/api/tokens/).
"""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", required=True, help="the store's code, e.g. us")
        parser.add_argument("--name", required=True, help="what uses it, e.g. 'main storefront'")

    def handle(self, *args: Any, **options: Any) -> None:
        code, name = options["store"].strip(), options["name"].strip()
        store = Store.objects.filter(code=code).first()
        if store is None:
            known = ", ".join(Store.objects.order_by("code").values_list("code", flat=True))
            raise CommandError(f"Unknown store {code!r} (stores: {known or 'none'}).")
        if not name or len(name) > 100:
            raise CommandError("--name must have 1 to 100 characters.")
        row, token = api_token_create(store=store, name=name)
        self.stdout.write(
            f"API token {name!r} for store {store.code} ({row.prefix}…). "
            "Only its hash is stored: copy it now, it is not shown again."
        )
        self.stdout.write(token)
