"""Store scoping: a store role sees and acts on its store only; lists cost the same whatever the
number of stores and orders; permissions are read once per request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm

from backoffice.permissions import store_permissions, stores_with_perm, visible_store_ids
from orders.models import Order
from payments.models import Transaction
from tests.backoffice.roles_helpers import (
    HX,
    T,
    capture_of,
    fresh,
    key,
    refund_on_transaction_page,
    role_user,
    snapshot,
)
from tests.factories import OrderFactory, StoreFactory, UserFactory
from tests.orders.view_helpers import authorize
from tests.payments.money_helpers import captured_payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def stores():
    return StoreFactory(code="us"), StoreFactory(code="eu", currency="EUR")


@pytest.fixture
def finance_eu(stores):
    return role_user("finance", store=stores[1], username="finance_eu")


def listed_orders(response) -> set[str]:
    return {order.number for order in response.context["page"].rows}


# ---- finance_eu sees and acts on store EU only -----------------------------------------------


def test_finance_eu_lists_only_eu_orders(client, stores, finance_eu):
    us_order, eu_order = OrderFactory(store=stores[0]), OrderFactory(store=stores[1])
    client.force_login(finance_eu)

    response = client.get(reverse("orders:list"))

    assert listed_orders(response) == {eu_order.number}
    assert us_order.number not in response.text


def test_finance_eu_lists_only_eu_transactions(client, stores, finance_eu):
    us_payment = captured_payment(5000, store=stores[0])
    eu_payment = captured_payment(5000, store=stores[1])
    client.force_login(finance_eu)

    response = client.get(reverse("payments:transaction_list"))

    shown = {t.uuid for t in response.context["page"].rows}
    assert shown == set(eu_payment.transactions.values_list("uuid", flat=True))
    assert not shown & set(us_payment.transactions.values_list("uuid", flat=True))


def test_finance_eu_dashboard_counts_only_eu(client, stores, finance_eu):
    OrderFactory(store=stores[0])
    eu_order = OrderFactory(store=stores[1])
    client.force_login(finance_eu)

    response = client.get(reverse("dashboard"))

    assert [o.number for o in response.context["recent_orders"]] == [eu_order.number]


def test_a_us_order_and_its_transaction_are_404_for_finance_eu(client, stores, finance_eu):
    capture = capture_of(captured_payment(5000, store=stores[0]))
    order = capture.order
    client.force_login(finance_eu)
    before = snapshot()

    assert client.get(order.get_absolute_url()).status_code == 404
    assert (
        client.get(reverse("payments:transaction_detail", args=[capture.uuid])).status_code == 404
    )
    assert client.post(reverse("orders:hold", args=[order.number]), {}).status_code == 404
    assert refund_on_transaction_page(client, capture, "10.00").status_code == 404
    assert snapshot() == before


def test_finance_eu_refunds_an_eu_transaction(client, stores, finance_eu):
    capture = capture_of(captured_payment(5000, store=stores[1]))
    client.force_login(finance_eu)

    response = refund_on_transaction_page(client, capture, "10.00")

    assert response.status_code == 200
    assert Transaction.objects.filter(parent=capture, type=T.REFUND, status="success").exists()


def test_a_store_role_does_not_reach_other_operations(client, stores):
    support_eu = role_user("support", store=stores[1], username="support_eu")
    capture = capture_of(captured_payment(5000, store=stores[1]))
    client.force_login(support_eu)

    response = client.get(capture.order.get_absolute_url())
    refused = refund_on_transaction_page(client, capture, "10.00")

    assert response.status_code == 200
    assert refused.status_code == 403
    assert "Requires the Refund online permission for store EU" in refused.text


def test_an_object_permission_granted_to_a_user_scopes_like_a_group(client, stores):
    user = UserFactory()
    assign_perm("backoffice.view_orders", user, stores[0])
    us_order, eu_order = OrderFactory(store=stores[0]), OrderFactory(store=stores[1])
    client.force_login(fresh(user))

    assert listed_orders(client.get(reverse("orders:list"))) == {us_order.number}
    assert client.get(eu_order.get_absolute_url()).status_code == 404


def test_a_superuser_sees_every_store(client, stores):
    admin = UserFactory(is_superuser=True)
    orders = {OrderFactory(store=s).number for s in stores}
    client.force_login(admin)

    assert listed_orders(client.get(reverse("orders:list"))) == orders


# ---- permissions are read once per request -----------------------------------------------------


def test_every_permission_of_a_user_is_one_query(stores, django_assert_num_queries):
    user = role_user("finance", store=stores[1], username="finance_eu")
    assign_perm("backoffice.view_orders", user, stores[0])
    user = fresh(user)

    with django_assert_num_queries(1):
        perms = store_permissions(user)
        answers = [
            perms.has(codename, store)
            for store in stores
            for codename in ("view_orders", "refund_online", "approve_refund", "hold_order")
        ]
        visible = perms.store_ids_with("view_orders")

    assert answers == [True, False, False, False, True, True, False, True]
    assert visible == sorted(s.pk for s in stores)


def test_permission_reads_are_shared_by_every_check_of_a_request(stores, django_assert_num_queries):
    user = fresh(role_user("support"))
    store_permissions(user)

    with django_assert_num_queries(0):
        stores_with_perm(user, "hold_order")  # a lazy queryset: no permission query in it
        visible_store_ids(user)
        for store in stores:
            assert store_permissions(user).has("hold_order", store)


def test_order_page_permission_checks_cost_one_query(client, stores):
    """Every button, panel and reason of the order page reads the one permission query."""
    user = role_user("finance", store=stores[1], username="finance_eu")
    capture = capture_of(captured_payment(5000, store=stores[1]))
    client.force_login(user)
    client.get(capture.order.get_absolute_url())  # warm caches (content types, session)

    with CaptureQueriesContext(connection) as queries:
        assert client.get(capture.order.get_absolute_url()).status_code == 200

    permission_queries = [
        q["sql"] for q in queries.captured_queries if "auth_permission" in q["sql"]
    ]
    assert len(permission_queries) == 1, permission_queries


# ---- list pages cost the same for 1 store and 5 orders as for 3 stores and 30 ----------------


def populate(stores: list, orders_per_store: int) -> None:
    for store in stores:
        for _ in range(orders_per_store):
            authorize(OrderFactory(store=store), 5000)


def count_queries(client, url: str) -> int:
    client.get(url)  # warm per-process caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def grant_store_role(user, stores) -> None:
    for store in stores:
        for codename in ("view_orders", "refund_online", "export_data"):
            assign_perm(f"backoffice.{codename}", user, store)


@pytest.mark.parametrize("scoped", [False, True], ids=["global role", "store-scoped grants"])
@pytest.mark.parametrize(
    "url", [reverse("orders:list"), reverse("payments:transaction_list"), reverse("dashboard")]
)
def test_list_query_count_does_not_depend_on_stores_or_orders(client, url, scoped):
    one = [StoreFactory(code="us")]
    user = UserFactory() if scoped else role_user("manager")
    if scoped:
        grant_store_role(user, one)
    populate(one, 5)
    client.force_login(fresh(user))
    small = count_queries(client, url)

    more = [StoreFactory(code="eu", currency="EUR"), StoreFactory(code="jp", currency="JPY")]
    if scoped:
        grant_store_role(user, more)
    populate(one, 3)
    populate(more, 11)  # 30 orders over 3 stores
    assert Order.objects.count() == 30
    client.force_login(fresh(user))
    large = count_queries(client, url)

    assert large == small


def test_the_dashboard_approvals_list_is_one_query(client, stores, django_assert_max_num_queries):
    """Requests awaiting approval across the user's stores: one query, any number of rows."""
    manager = role_user("manager")
    for store in stores:
        store.refund_approval_threshold = 100
        store.save()
        for _ in range(3):
            capture = capture_of(captured_payment(5000, store=store))
            asker = role_user("finance", username=f"asker{capture.pk}")
            client.force_login(asker)
            refund_on_transaction_page(client, capture, "20.00", idempotency_key=key())
    client.force_login(manager)
    url = reverse("dashboard")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=HX)
    assert len(response.context["approvals"]) == 6
    # The list's rows (the money card's sum per store and currency is one GROUP BY apart).
    approval_queries = [
        q
        for q in queries.captured_queries
        if "approvalrequest" in q["sql"] and "GROUP BY" not in q["sql"]
    ]
    assert len(approval_queries) == 1
