"""The Django admin for superusers: every model listed, the ledger and history read-only."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from backoffice.models import SignedInSession, Store
from backoffice.permissions import store_permissions
from backoffice.roles import role_grant, role_grant_for_store, roles_setup
from orders.models import CreditMemoItem, InvoiceItem, OrderComment
from orders.services.importing import orders_import_lines
from payments.models import Transaction
from tests.backoffice.roles_helpers import fresh
from tests.factories import StoreFactory, UserFactory
from tests.orders.import_helpers import jpy_line, line

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    StoreFactory(code="us", currency="USD")
    StoreFactory(code="jp", currency="JPY")
    orders_import_lines(lines=[line(), jpy_line()], source_name="test")
    client.force_login(UserFactory(username="root", is_superuser=True))
    return client


def admin_url(model, view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m.__name__)
def test_every_registered_model_lists_and_opens(admin_client, model):
    response = admin_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200

    obj = model._default_manager.first()
    if obj is not None:
        assert admin_client.get(admin_url(model, "change", obj.pk)).status_code == 200


def test_every_app_model_is_registered():
    from django.apps import apps

    shown_as_inlines = {InvoiceItem, CreditMemoItem}
    # A session's key is a credential: no page shows one (as Django leaves its own sessions).
    never_shown = {SignedInSession}
    for app in ("backoffice", "orders", "payments"):
        for model in apps.get_app_config(app).get_models():
            assert admin.site.is_registered(model) or model in shown_as_inlines | never_shown, model
    assert not admin.site.is_registered(SignedInSession)


@pytest.mark.parametrize("model", [Transaction, OrderComment], ids=lambda m: m.__name__)
def test_ledger_and_history_are_read_only(admin_client, model):
    obj = model.objects.first()

    assert admin_client.get(admin_url(model, "add")).status_code == 403
    assert admin_client.get(admin_url(model, "delete", obj.pk)).status_code == 403
    page = admin_client.get(admin_url(model, "change", obj.pk)).content.decode()
    assert 'name="_save"' not in page
    before = model.objects.values().get(pk=obj.pk)
    admin_client.post(admin_url(model, "change", obj.pk), {"amount": "1", "body": "edited"})
    assert model.objects.values().get(pk=obj.pk) == before


def test_payment_amounts_are_read_only(admin_client):
    from payments.models import Payment

    payment = Payment.objects.first()
    page = admin_client.get(admin_url(Payment, "change", payment.pk)).content.decode()

    assert 'name="amount_captured"' not in page
    assert 'name="amount_authorized"' not in page


def test_user_list_shows_roles(admin_client):
    roles_setup()
    eu = StoreFactory(code="eu", currency="EUR")
    role_grant(user=UserFactory(username="fin"), role="finance")
    role_grant_for_store(user=UserFactory(username="fin_eu"), role="finance", store=eu)

    page = admin_client.get(reverse("admin:auth_user_changelist")).content.decode()

    assert "finance@eu" in page
    assert ">finance<" in page


def test_store_admin_offers_object_permissions(admin_client):

    store = Store.objects.get(code="us")
    response = admin_client.get(reverse("admin:backoffice_store_permissions", args=[store.pk]))

    assert response.status_code == 200


def test_only_superusers_open_the_admin(client):
    roles_setup()
    manager = UserFactory(username="manager")
    role_grant(user=manager, role="manager")
    client.force_login(manager)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_a_superuser_grants_a_store_permission_to_a_user(admin_client):
    store = Store.objects.get(code="jp")
    clerk = UserFactory(username="clerk")
    url = reverse("admin:backoffice_store_permissions_manage_user", args=[store.pk, clerk.pk])

    response = admin_client.post(url, {"permissions": ["view_orders", "refund_offline"]})

    assert response.status_code == 302
    perms = store_permissions(fresh(clerk))
    assert perms.has("refund_offline", store)
    assert not perms.has("refund_offline", Store.objects.get(code="us"))


def test_a_superuser_grants_a_store_permission_to_a_group(admin_client):
    store = Store.objects.get(code="jp")
    group = Group.objects.create(name="night shift")
    member = UserFactory(username="night")
    member.groups.add(group)
    url = reverse("admin:backoffice_store_permissions_manage_group", args=[store.pk, group.pk])

    admin_client.post(url, {"permissions": ["view_orders", "hold_order"]})

    assert store_permissions(fresh(member)).has("hold_order", store)
