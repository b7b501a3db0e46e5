"""`manage.py sandbox_event ORDER refund 20.00`: the sandbox PSP acts on its own side and tells
us by a signed webhook, as a real PSP does after a refund in its dashboard.

Kinds: capture, void, refund, chargeback, chargeback_reversal, authorization_expired. Without
an amount the operation takes all it can (the whole uncaptured rest, the whole refundable…).
`--url http://127.0.0.1:8000` posts the event over HTTP to a running server; without it the
event goes in-process through the same webhook view. Either way it is then processed as any
event is: at once with the immediate backend, by a worker (`manage.py db_worker`) otherwise;
the command waits `--wait` seconds for that and prints what became of it. `--no-deliver` sends
no webhook: an edit on the sandbox's side that never reached us, which
`reconcile_payments --against-gateway` reports.
"""

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from backoffice.errors import DomainError
from backoffice.money import MoneyError, format_money, parse_amount
from orders.models import Order
from payments.gateways.base import WebhookEventType
from payments.gateways.sandbox_webhooks import event_of
from payments.inbox import sandbox_send
from payments.inbox_models import InboundEvent


class Command(BaseCommand):
    help = "Make the sandbox PSP do an operation on its own side and send the signed webhook."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("order", help="The order number.")
        parser.add_argument("kind", choices=[t.value for t in WebhookEventType])
        parser.add_argument("amount", nargs="?", default="", help="e.g. 20.00 (default: all)")
        parser.add_argument("--url", default="", help="Post to this running server over HTTP.")
        parser.add_argument(
            "--wait", type=float, default=10.0, help="Seconds to wait for the processing."
        )
        parser.add_argument(
            "--no-deliver",
            action="store_true",
            help="Do it at the sandbox only and send no webhook: an edit on its side that "
            "never reached us (reconcile_payments --against-gateway finds it).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        order = Order.objects.select_related("store").filter(number=options["order"]).first()
        if order is None:
            raise CommandError(f"No order #{options['order']}.")
        kind = options["kind"]
        try:
            payment, charge = sandbox_send.sandbox_payment(order)
            account = sandbox_send.account_of(payment)
            amount = self._amount(options["amount"], charge, kind)
            op = sandbox_send.sandbox_side_operation(
                account=account, charge=charge, event_type=kind, amount=amount
            )
        except (DomainError, MoneyError) as error:
            raise CommandError(str(error)) from None
        money = format_money(op.amount, op.currency)
        self.stdout.write(f"Sandbox: {kind} of {money} on {charge.reference} ({op.reference}).")
        if options["no_deliver"]:
            self.stdout.write("Webhook not sent (--no-deliver).")
            return
        delivered = sandbox_send.deliver(account, op, url=options["url"])
        self.stdout.write(f"Webhook delivered: {sandbox_send.describe(delivered)}")
        if delivered.status != 200:
            raise CommandError("The inbox did not accept the event.")
        if not options["url"]:
            self._report(account.pk, event_of(op)["id"], options["wait"])

    def _amount(self, text: str, charge: Any, kind: str) -> int:
        if text:
            return parse_amount(text, charge.currency, locale=None)
        amount = sandbox_send.available_at_sandbox(charge, kind)
        if amount <= 0:
            raise CommandError(f"Nothing left at the sandbox for {kind}.")
        return int(amount)

    def _report(self, account_pk: int, event_id: str, wait: float) -> None:
        deadline = time.monotonic() + wait
        while True:
            event = InboundEvent.objects.get(account_id=account_pk, event_id=event_id)
            if not event.is_open or time.monotonic() >= deadline:
                break
            time.sleep(0.25)
        self.stdout.write(f"Event {event.event_id}: {event.get_status_display()}.")
        if event.outcome:
            self.stdout.write(event.outcome)
        if event.status == "received":
            self.stdout.write("Queued: a worker (`manage.py db_worker`, `make run`) applies it.")
