"""Issue 15: a locked-down admin. Money, state and identity fields are read-only for everyone,
superusers included; what the admin may still change writes the order's history.

A superuser once changed a Payment's gateway reference and the next refund of that order went
to another customer's card; invoices could be set to paid and orders to closed with no trace.
"""

import io
import re

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from backoffice.admin_policy import is_locked
from backoffice.models import Store
from orders.enums import CommentSource
from orders.models import CreditMemo, Invoice, Order, OrderAddress
from payments.models import GatewayAccount, Payment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
FIELD = re.compile(r"<(?:input|select|textarea)\b[^>]*>")
NAME = re.compile(r'\bname="([\w-]+)"')


@pytest.fixture(scope="module", autouse=True)
def demo(module_rows: None) -> None:
    call_command("seed_demo", "--orders", "12", stdout=io.StringIO())


@pytest.fixture
def root(client):
    client.force_login(UserFactory(username="root-admin", is_superuser=True))
    return client


def change_url(obj) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def editable_names(html: str) -> set[str]:
    names = set()
    for tag in FIELD.findall(html):
        name = NAME.search(tag)
        if name and 'type="hidden"' not in tag:  # hidden: an inline's own keys, not a field
            names.add(name.group(1))
    # Inline forms are prefixed ("addresses-0-city"): the field is the last part.
    return {name.rsplit("-", 1)[-1] for name in names}


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m.__name__)
def test_no_money_state_or_identity_field_is_editable_in_any_admin_form(root, model):
    obj = model._default_manager.first()
    meta = model._meta
    # Without a row in the demo, the add form shows what a new row could be given.
    url = change_url(obj) if obj else reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
    response = root.get(url)
    assert response.status_code in {200, 403}
    html = response.content.decode()
    editable = editable_names(html)
    locked = sorted(name for name in editable if is_locked(name))
    assert locked == [], f"{model.__name__} lets the admin edit {locked}"


def test_the_demo_has_every_money_model_the_walk_needs():
    for model in (Order, Payment, Invoice, CreditMemo, GatewayAccount, Store, OrderAddress):
        assert model._default_manager.exists(), model


def test_a_posted_gateway_reference_or_state_is_ignored(root):
    payment = Payment.objects.exclude(gateway_reference="").first()
    before = payment.gateway_reference
    response = root.post(change_url(payment), {"gateway_reference": "someone-elses-card"})
    assert response.status_code == 403
    payment.refresh_from_db()
    assert payment.gateway_reference == before

    invoice = Invoice.objects.first()
    response = root.post(change_url(invoice), {"state": "paid", "amount_paid": "1"})
    assert response.status_code == 403
    assert Invoice.objects.get(pk=invoice.pk).state == invoice.state


def test_money_objects_are_never_added_or_deleted_in_the_admin(root):
    for model in (Order, Payment, Invoice, CreditMemo):
        meta = model._meta
        add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
        assert root.get(add).status_code == 403, model
        obj = model.objects.first()
        delete = reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[obj.pk])
        assert root.get(delete).status_code == 403, model


def form_data(client, obj) -> dict[str, str]:
    """The change form as the browser would post it untouched (inputs, selects, textareas)."""
    html = client.get(change_url(obj)).content.decode()
    start = html.index(f'id="{obj._meta.model_name}_form"')
    html = html[start : html.index("</form>", start)]
    data: dict[str, str] = {}
    for tag in FIELD.findall(html):
        name = NAME.search(tag)
        if not name or 'type="submit"' in tag or 'type="checkbox"' in tag:
            continue
        value = re.search(r'\bvalue="([^"]*)"', tag)
        data[name.group(1)] = value.group(1) if value else ""
    for name, options in re.findall(r'<select[^>]*name="([\w-]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        data[name] = chosen.group(1) if chosen else ""
    for name, text in re.findall(
        r'<textarea[^>]*name="([\w-]+)"[^>]*>(.*?)</textarea>', html, re.S
    ):
        data[name] = text.strip()
    return data


def test_a_contact_change_writes_history_with_old_and_new_values_and_nothing_else(root):
    order = Order.objects.first()
    before = (order.state, order.grand_total)
    old_email = order.customer_email

    data = form_data(root, order)
    # Locked fields posted anyway are ignored.
    data |= {"customer_email": "new@example.com", "state": "closed", "grand_total": "1"}
    response = root.post(change_url(order), data)

    assert response.status_code == 302, re.findall(
        r"errorlist[^<]*<li>([^<]*)|ManagementForm[^<]*", response.content.decode()
    )
    order.refresh_from_db()
    assert order.customer_email == "new@example.com"
    assert (order.state, order.grand_total) == before
    entry = order.comments.order_by("-pk").first()
    assert entry.source == CommentSource.ADMIN
    assert entry.body == (
        f"Changed in the Django admin (order): Customer email from “{old_email}” to "
        "“new@example.com”."
    )
    assert entry.author_label


def test_an_address_change_writes_history(root):
    address = OrderAddress.objects.select_related("order").first()
    old_city = address.city
    data = form_data(root, address) | {"city": "Springfield"}

    response = root.post(change_url(address), data)

    assert response.status_code == 302, re.findall(
        r"errorlist[^<]*<li>([^<]*)|ManagementForm[^<]*", response.content.decode()
    )
    body = address.order.comments.order_by("-pk").first().body
    assert body.startswith("Changed in the Django admin (order address")
    assert f"City from “{old_city}” to “Springfield”" in body


def test_a_store_threshold_change_is_audited_and_its_currency_locked(root, caplog):
    store = Store.objects.get(code="us")
    html = root.get(change_url(store)).content.decode()
    assert "currency" not in editable_names(html) and "code" not in editable_names(html)
    assert "refund_approval_threshold" in editable_names(html)
