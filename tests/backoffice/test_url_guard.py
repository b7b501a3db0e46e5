"""Every URL of the back office is either read-only or guarded by an explicit permission check.

The walk covers every URL pattern of the project (admin and login pages aside), so a view added
tomorrow is held to the same rules without anyone editing this file:

- a view that accepts POST must declare its permissions with
  `@operation_view(...)` (backoffice.decorators); views that only read use `@require_safe`;
- a declared view must answer 403, writing nothing, to a viewer, to a user holding every
  permission but the declared ones, and to one holding the declared ones on another store only;
- and must not answer 403 to a user holding the declared ones on the order's store (so the
  declaration names the permission the view really checks).
"""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.timezone import now
from guardian.shortcuts import assign_perm

from api.tokens import api_token_create
from backoffice.decorators import PERMISSION_GUARD, declared_permissions
from backoffice.job_models import Job
from backoffice.models import OPERATION_PERMISSIONS
from orders.enums import CaptureMode, CreditMemoState, RefundMode
from orders.models import CreditMemo, Order, PaymentLink
from orders.services.approval_requests import transaction_refund_request
from orders.services.invoicing import invoice_create
from payments.models import InboundEvent, Transaction
from tests.backoffice.roles_helpers import fresh, key, role_user, snapshot
from tests.factories import StoreFactory, UserFactory
from tests.orders.invoice_helpers import authorizations, order_with_items
from tests.payments.money_helpers import staff

pytestmark = pytest.mark.django_db

# webhooks/: the PSPs' door, signed instead of signed in (tests/payments/test_inbox.py).
# api/v1/: the storefront API, a store's token instead of a session (its own token and status
# code tests in tests/api/, with a schemathesis run).
# pay/: the customer's payment link page, a signed token instead of a session
# (tests/orders/test_payment_links_pay.py).
SKIPPED_PREFIXES = ("admin/", "accounts/", "webhooks/", "api/v1/", "pay/")
ALL_CODENAMES = [codename for codename, _ in OPERATION_PERMISSIONS]


@dataclass(frozen=True)
class Route:
    name: str  # "orders:hold"
    route: str  # "orders/<str:number>/hold/"
    pattern: URLPattern

    @property
    def view(self):
        return self.pattern.callback

    def declared(self) -> tuple[str, ...]:
        return declared_permissions(self.view, dict(self.pattern.default_args))

    def url(self, world: dict) -> str:
        names = list(self.pattern.pattern.converters)
        missing = [n for n in names if n not in world]
        assert not missing, f"{self.name}: add a value for {missing} to the test's world"
        return reverse(self.name, kwargs={n: world[n] for n in names})


def walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            route = prefix + str(entry.pattern)
            if route.startswith(SKIPPED_PREFIXES):
                continue
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            yield from walk(entry.url_patterns, route, inner)
        else:
            assert entry.name, f"{prefix}{entry.pattern} needs a name"
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield Route(name, prefix + str(entry.pattern), entry)


ROUTES = list(walk(get_resolver().url_patterns))
GUARDED = [r for r in ROUTES if hasattr(r.view, PERMISSION_GUARD)]


def test_the_walk_finds_the_back_office():
    names = {r.name for r in ROUTES}
    assert {"dashboard", "orders:list", "orders:hold", "payments:transaction_refund"} <= names
    assert {"orders:approval_approve", "orders:approval_reject"} <= {r.name for r in GUARDED}


# ---- the world every URL is tried against ------------------------------------------------


@pytest.fixture(scope="module")
def world(module_rows: None) -> dict:
    """Store US with an order: invoiced and captured online, a credit memo, a request awaiting
    approval. Store EU exists for the "other store" users."""
    StoreFactory(code="eu", currency="EUR")
    order, item = order_with_items()
    order.store.refund_approval_threshold = 100
    order.store.save()
    [payment] = authorizations(order, order.grand_total)
    invoice = invoice_create(
        order=order,
        user=staff("invoicer"),
        quantities={item.pk: 2},
        capture_mode=CaptureMode.ONLINE,
        expected_version=Order.objects.get(pk=order.pk).version,
        idempotency_key=key(),
    ).invoice
    capture = Transaction.objects.get(payment=payment, type="CP")
    memo = CreditMemo.objects.create(
        order=order,
        invoice=invoice,
        number=f"{order.number}-9",
        state=CreditMemoState.REFUNDED,
        mode=RefundMode.OFFLINE,
        grand_total=100,
        adjustment_refund=100,
    )
    approval = transaction_refund_request(
        transaction=capture,
        user=role_user("finance", username="asker"),
        online=True,
        amount=5000,
        idempotency_key=key(),
    )
    return {
        "token_id": api_token_create(store=order.store, name="storefront")[0].pk,
        "number": order.number,
        "invoice_number": invoice.number,
        "memo_number": memo.number,
        "uuid": capture.uuid,
        "approval_id": approval.pk,
        "event_pk": InboundEvent.objects.create(
            gateway="sandbox",
            account=payment.gateway_account,
            event_id="evt_world",
            type="refund",
            payload={},
        ).pk,
        "store": order.store,
        "code": order.store.code,
        # Jobs pages (backoffice/jobs/): read only; someone else's job is a 404.
        "job_id": Job.objects.create(
            kind="orders.hold", title="Hold", created_by=capture.actor or UserFactory()
        ).pk,
        "link_id": PaymentLink.objects.create(
            order=order, nonce="world", amount=100, currency=order.currency, expires_at=now()
        ).pk,
    }


def holding(*codenames: str, store=None, view_everywhere: bool = False):
    """A staff member holding `codenames` globally, or on `store` only."""
    user = UserFactory()
    if view_everywhere:
        user.user_permissions.add(Permission.objects.get(codename="view_orders"))
    for codename in codenames:
        if store is None:
            user.user_permissions.add(Permission.objects.get(codename=codename))
        else:
            assign_perm(f"backoffice.{codename}", user, store)
    return fresh(user)


def call(client, user, method: str, url: str):
    client.force_login(user)
    return client.get(url) if method == "GET" else client.post(url, {})


def accepts(client, method: str, url: str) -> bool:
    """Whether the view takes this method at all (asked as staff who can see nothing)."""
    return call(client, UserFactory(), method, url).status_code != 405


# ---- the rules -------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_a_view_that_accepts_post_declares_its_permissions(client, world, route):
    if hasattr(route.view, PERMISSION_GUARD):
        assert route.declared(), f"{route.name} declares no permission"
        assert set(route.declared()) <= set(ALL_CODENAMES), route.declared()
        return
    assert not accepts(client, "POST", route.url(world)), (
        f"{route.name} ({route.route}) accepts POST without @operation_view(...): declare the "
        "permissions it checks, or make it read-only with @require_safe"
    )


@pytest.mark.parametrize("route", GUARDED, ids=lambda r: r.name)
def test_without_the_declared_permission_the_answer_is_403_and_nothing_is_written(
    client, world, route
):
    url, declared = route.url(world), route.declared()
    store = world["store"]
    eu = StoreFactory(code="eu", currency="EUR")
    refused = {
        "viewer": role_user("viewer"),
        "every other permission": holding(*(c for c in ALL_CODENAMES if c not in declared)),
        "the permission on another store": holding(*declared, store=eu, view_everywhere=True),
    }
    methods = [m for m in ("GET", "POST") if accepts(client, m, url)]
    assert methods, f"{route.name} answers neither GET nor POST"
    for method in methods:
        for who, user in refused.items():
            before = snapshot()
            response = call(client, user, method, url)
            assert response.status_code == 403, (
                f"{method} {route.name} by a user with {who}: {response.status_code}"
            )
            assert snapshot() == before, f"{method} {route.name} by a user with {who} wrote data"
    allowed = holding("view_orders", *declared, store=store)
    for method in methods:
        response = call(client, allowed, method, url)
        assert response.status_code != 403, (
            f"{method} {route.name} refuses a user holding {declared} on store "
            f"{store.code.upper()}: the declaration doesn't match the view's check"
        )
