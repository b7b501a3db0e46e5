"""The export permission: `export_data` ("Can export orders and transactions") for finance and
managers, replacing `export_transactions` with every existing grant carried over."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from guardian.shortcuts import get_perms

from backoffice.models import Store
from backoffice.roles import role_codenames
from tests.backoffice.roles_helpers import role_user
from tests.factories import StoreFactory, UserFactory
from tests.payments.money_helpers import captured_payment

BEFORE = [("backoffice", "0008_store_print_fields_profile_time_zone")]
EXPORT = reverse("payments:transaction_export")


@pytest.mark.django_db
def test_finance_and_managers_may_export_support_and_viewers_may_not(client):
    store = StoreFactory(code="us")
    captured_payment(5000, store=store)
    roles = ("viewer", "support", "finance", "manager")
    assert {r for r in roles if "export_data" in role_codenames(r)} == {"finance", "manager"}

    for role, status in (("finance", 200), ("manager", 200), ("support", 403), ("viewer", 403)):
        client.force_login(role_user(role))
        assert client.get(EXPORT).status_code == status, role
        assert client.get(reverse("payments:transaction_export_xlsx")).status_code == status

    client.force_login(role_user("support", username="support2"))
    page = client.get(reverse("payments:transaction_list")).content.decode()
    assert "Export CSV" not in page and "Export Excel" not in page


@pytest.mark.django_db
def test_finance_on_one_store_exports_that_store_only(client):
    us, eu = StoreFactory(code="us"), StoreFactory(code="eu", currency="EUR")
    captured_payment(5000, store=us)
    euro = captured_payment(700, store=eu)
    client.force_login(role_user("finance", store=eu))

    text = b"".join(client.get(EXPORT).streaming_content).decode()

    assert str(euro.order.number) in text
    assert "USD" not in text


@pytest.mark.django_db(transaction=True)
def test_the_migration_renames_the_permission_and_keeps_every_grant():
    executor = MigrationExecutor(connection)
    old_apps = executor.migrate(BEFORE).apps
    perms = old_apps.get_model("auth", "Permission").objects
    assert not perms.filter(codename="export_data").exists()
    old = perms.get(codename="export_transactions", content_type__model="store")
    store = old_apps.get_model("backoffice", "Store").objects.create(
        code="eu", name="EU", currency="EUR", timezone="UTC", locale="de_DE"
    )
    group = old_apps.get_model("auth", "Group").objects.create(name="finance@eu")
    group.permissions.add(old)
    user = old_apps.get_model("auth", "User").objects.create(username="maria", is_staff=True)
    old_apps.get_model("backoffice", "StoreUserObjectPermission").objects.create(
        user=user, permission=old, content_object=store
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    new = Permission.objects.get(codename="export_data")
    assert new.pk == old.pk and new.name == "Can export orders and transactions"
    assert not Permission.objects.filter(codename="export_transactions").exists()
    assert list(Group.objects.get(name="finance@eu").permissions.all()) == [new]
    maria = UserFactory._meta.model.objects.get(username="maria")
    assert get_perms(maria, Store.objects.get(code="eu")) == ["export_data"]
