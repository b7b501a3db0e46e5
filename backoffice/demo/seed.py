"""`seed_demo`: stores, roles, staff and orders for a local demo or a benchmark.

The first REALISTIC_ORDERS orders tell the stories of `demo.generator.Scenario` and go through
the merchant's import path, then `demo.stories` plays what happened after checkout. Orders
beyond that are benchmark filler from `demo.bulk`. Re-running skips what already exists.
"""

import random
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.utils import timezone

from backoffice.demo.accounts import (
    USERS,
    demo_stores_ensure,
    demo_totp_ensure,
    demo_users_ensure,
)
from backoffice.demo.bulk import demo_orders_bulk_create
from backoffice.demo.generator import demo_orders
from backoffice.demo.replay import demo_gateway_replay
from backoffice.demo.stories import Staff, demo_story_apply
from backoffice.roles import RolesReport, roles_setup
from orders.models import Order
from orders.services.importing import ImportReport, orders_import_lines

REALISTIC_ORDERS = 200
SEED = 42


class ProgressHook(Protocol):
    def start(self, label: str, total: int) -> None: ...

    def advance(self, steps: int = 1) -> None: ...


class _NoProgress:
    def start(self, label: str, total: int) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass


class DemoSeedError(Exception):
    """The generator produced a line the importer refused: a bug in the demo data."""


@dataclass
class SeedReport:
    roles: RolesReport
    imported: ImportReport
    bulk_created: int
    seconds: float
    totp_secrets: dict[str, str]

    def summary(self) -> str:
        users = ", ".join(u.username for u in USERS)
        return (
            f"Stores us, eu, jp; users {users} (password: <username>-pass). "
            f"Orders: {self.imported.summary()}; bulk-created {self.bulk_created}. "
            f"Took {self.seconds:.1f} s."
        )

    def totp_lines(self) -> list[str]:
        """Demo only: each user's authenticator secret (README, "Demo logins")."""
        return [f"TOTP secret for {name}: {secret}" for name, secret in self.totp_secrets.items()]


def demo_seed(
    *, orders: int = REALISTIC_ORDERS, progress: ProgressHook | None = None
) -> SeedReport:
    started = time.monotonic()
    progress = progress or _NoProgress()
    now = timezone.now().replace(microsecond=0)
    stores = demo_stores_ensure()
    roles = roles_setup()
    users = demo_users_ensure(stores=stores)
    secrets = demo_totp_ensure(users=users)
    staff = Staff(support=users["support"], finance=users["finance"], manager=users["manager"])

    report = _stories_seed(
        count=min(orders, REALISTIC_ORDERS), staff=staff, now=now, progress=progress
    )
    bulk = max(orders - REALISTIC_ORDERS, 0)
    created = 0
    if bulk:
        progress.start("Benchmark orders", bulk)
        created = demo_orders_bulk_create(
            count=bulk, stores=stores, now=now, on_batch=progress.advance
        )
    return SeedReport(
        roles=roles,
        imported=report,
        bulk_created=created,
        seconds=time.monotonic() - started,
        totp_secrets=secrets,
    )


def _stories_seed(
    *, count: int, staff: Staff, now: datetime, progress: ProgressHook
) -> ImportReport:
    """Import the story orders, then play each one's history and tell the sandbox."""
    realistic = demo_orders(count=count, now=now, rng=random.Random(SEED))
    progress.start("Importing demo orders", len(realistic))
    report = orders_import_lines(
        lines=[order.line() for order in realistic],
        source_name="seed_demo",
        on_line=lambda _: progress.advance(),
        # Told after each story below: the sandbox must see the history in order.
        register_payments=False,
    )
    if report.failed:
        raise DemoSeedError("; ".join(m for e in report.failed for m in e.messages()))
    imported = set(report.imported)
    by_number = Order.objects.select_related("store").in_bulk(imported, field_name="number")
    progress.start("Demo order history", len(imported))
    for demo in realistic:
        if demo.number not in imported:
            continue
        order = by_number[demo.number]
        # Each story draws from its own Random, so orders skipped on a re-run don't change
        # what the others look like.
        story_rng = random.Random(f"{SEED}:{demo.number}")
        demo_story_apply(order=order, scenario=demo.scenario, staff=staff, now=now, rng=story_rng)
        demo_gateway_replay(order=order)
        progress.advance()
    return report
