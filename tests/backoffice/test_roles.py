"""setup_roles and store-scoped roles: who may do what, on which store."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from backoffice import roles
from backoffice.models import OPERATION_PERMISSIONS, StoreGroupObjectPermission
from backoffice.permissions import stores_with_perm, user_has_store_perm
from backoffice.roles import MATRIX, role_grant, role_grant_for_store, roles_setup
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db

ALL_OPERATIONS = {codename for codename, _ in OPERATION_PERMISSIONS}


def group_codenames(name: str) -> set[str]:
    return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))


def fresh(user):
    # Permission caches live on the user object.
    return get_user_model().objects.get(pk=user.pk)


def test_matrix_covers_every_operation_permission():
    assert set(MATRIX) == ALL_OPERATIONS


def test_setup_roles_creates_the_four_roles_per_the_matrix():
    call_command("setup_roles", stdout=io.StringIO())

    assert group_codenames("viewer") == {"view_orders"}
    assert group_codenames("support") == {
        "view_orders",
        "comment_order",
        "notify_customer",
        "hold_order",
        "invoice_order",
    }
    assert group_codenames("finance") == group_codenames("support") | {
        "capture_online",
        "capture_offline",
        "void_payment",
        "refund_online",
        "refund_offline",
        "mark_as_paid",
        "record_chargeback",
        "export_data",
    }
    assert group_codenames("manager") == ALL_OPERATIONS


def test_setup_roles_twice_changes_nothing():
    call_command("setup_roles", stdout=io.StringIO())
    before = {g.name: group_codenames(g.name) for g in Group.objects.all()}
    out = io.StringIO()

    call_command("setup_roles", stdout=out)

    assert "nothing changed" in out.getvalue()
    assert {g.name: group_codenames(g.name) for g in Group.objects.all()} == before


def test_a_changed_matrix_is_applied_to_global_and_store_groups(monkeypatch):
    store = StoreFactory(code="eu", currency="EUR")
    roles_setup()
    role_grant_for_store(user=UserFactory(), role="support", store=store)
    changed = {**MATRIX, "hold_order": ("finance", "manager"), "export_data": ("support",)}
    monkeypatch.setattr(roles, "MATRIX", changed)

    report = roles_setup()

    assert ("support", "hold_order") in report.removed
    assert ("support", "export_data") in report.added
    assert "hold_order" not in group_codenames("support")
    assert "export_data" not in group_codenames("manager")
    scoped = set(
        StoreGroupObjectPermission.objects.filter(group__name="support@eu").values_list(
            "permission__codename", flat=True
        )
    )
    assert "hold_order" not in scoped and "export_data" in scoped


def test_setup_roles_leaves_other_permissions_of_a_group_alone():
    roles_setup()
    group = Group.objects.get(name="viewer")
    extra = group.permissions.model.objects.get(codename="view_group")
    group.permissions.add(extra)

    roles_setup()

    assert "view_group" in group_codenames("viewer")


def test_global_role_applies_to_every_store():
    us, eu = StoreFactory(code="us"), StoreFactory(code="eu", currency="EUR")
    roles_setup()
    user = UserFactory()
    role_grant(user=user, role="finance")

    user = fresh(user)
    assert set(stores_with_perm(user, "refund_online")) == {us, eu}
    assert not stores_with_perm(user, "cancel_order").exists()


def test_store_scoped_role_applies_to_that_store_only():
    us, eu = StoreFactory(code="us"), StoreFactory(code="eu", currency="EUR")
    roles_setup()
    user = UserFactory()

    group = role_grant_for_store(user=user, role="finance", store=eu)

    user = fresh(user)
    assert group.name == "finance@eu"
    assert list(stores_with_perm(user, "view_orders")) == [eu]
    assert list(stores_with_perm(user, "capture_online")) == [eu]
    assert user_has_store_perm(user, "refund_online", eu)
    assert not user_has_store_perm(user, "refund_online", us)
    assert not user_has_store_perm(user, "approve_refund", eu)
    # Through guardian's own API as well (direct-FK StoreGroupObjectPermission rows).
    assert user.has_perm("backoffice.refund_online", eu)
    assert not user.has_perm("backoffice.refund_online", us)
    assert not user.has_perm("backoffice.refund_online")  # no global permission


def test_granting_a_store_role_twice_is_harmless():
    eu = StoreFactory(code="eu", currency="EUR")
    user = UserFactory()

    role_grant_for_store(user=user, role="viewer", store=eu)
    role_grant_for_store(user=user, role="viewer", store=eu)

    assert StoreGroupObjectPermission.objects.filter(group__name="viewer@eu").count() == 1
    assert list(user.groups.values_list("name", flat=True)) == ["viewer@eu"]


def test_unknown_role_is_refused():
    with pytest.raises(ValueError, match="Unknown role"):
        role_grant(user=UserFactory(), role="owner")
