"""Payment links, staff side: make (Copy payment link), list, e-mail, revoke; who may."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from api.tokens import api_token_create
from orders.enums import CommentKind
from orders.models import OrderComment, PaymentLink
from orders.payment_link_tokens import link_path
from orders.services.payment_links import payment_link_create, payment_link_revoke
from tests.api.helpers import ORDERS, get
from tests.factories import StoreFactory
from tests.orders.invoice_helpers import authorizations, order_with_items
from tests.orders.payment_link_helpers import (
    card,
    finance_user,
    mailed_url,
    make_link,
    owing_order,
)
from tests.orders.view_helpers import staff_user

pytestmark = pytest.mark.django_db


def create_url(order) -> str:
    return reverse("orders:payment_link_create", args=[order.number])


def test_copy_payment_link_makes_a_link_for_the_outstanding_and_the_page_lists_it(client):
    order = owing_order()
    client.force_login(finance_user())

    response = client.post(create_url(order), follow=True)

    link = PaymentLink.objects.get()
    assert (link.amount, link.currency, link.created_by.username) == (6100, "USD", "fin")
    assert timedelta(days=6, hours=23) < link.expires_at - timezone.now() <= timedelta(days=7)
    page = response.content.decode()
    assert "Payment link ready" in page
    assert f"http://testserver{link_path(link)}" in page
    assert 'data-status="open"' in page
    history = OrderComment.objects.get(order=order, kind=CommentKind.STATUS)
    assert history.body.startswith("Payment link for $61.00 made")
    assert history.author_label == "fin"


def test_copy_again_hands_out_the_open_link_instead_of_a_second_one(client):
    order = owing_order()
    first = make_link(order)
    client.force_login(finance_user())
    response = client.post(create_url(order), follow=True)
    assert PaymentLink.objects.get() == first
    assert "The open payment link for this amount" in response.content.decode()


def test_the_link_host_is_the_setting_when_set(client, settings):
    settings.PAYMENT_LINK_BASE_URL = "https://pay.example.com"
    order = owing_order()
    link = make_link(order)
    client.force_login(finance_user())
    page = client.get(order.get_absolute_url()).content.decode()
    assert f"https://pay.example.com{link_path(link)}" in page


@pytest.mark.parametrize(
    "codenames", [("view_orders", "edit_order"), ("view_orders", "mark_as_paid")]
)
def test_edit_order_or_mark_as_paid_may_make_a_link(client, codenames):
    order = owing_order()
    client.force_login(staff_user(*codenames))
    assert client.post(create_url(order)).status_code == 302
    assert PaymentLink.objects.count() == 1


def test_without_the_permission_the_button_is_disabled_with_the_reason_and_the_post_is_403(client):
    order = owing_order()
    client.force_login(staff_user("view_orders", "invoice_order"))
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Requires the Edit orders or Mark as paid permission for store US" in page
    assert client.post(create_url(order)).status_code == 403
    assert not PaymentLink.objects.exists()


def test_the_permission_on_another_store_only_is_403_and_another_stores_order_is_404(client):
    order = owing_order()
    eu = StoreFactory(code="eu", currency="EUR")
    sees_all = staff_user("view_orders", username="sees_all")
    assign_perm("backoffice.mark_as_paid", sees_all, eu)
    client.force_login(type(sees_all).objects.get(pk=sees_all.pk))
    assert client.post(create_url(order)).status_code == 403
    client.force_login(staff_user("view_orders", "mark_as_paid", store=eu, username="eu_only"))
    assert client.post(create_url(order)).status_code == 404
    assert not PaymentLink.objects.exists()


def test_nothing_outstanding_no_panel_and_the_post_is_refused(client):
    order = owing_order()
    authorizations(order, 6100)  # the rest is authorized too: nothing outstanding
    client.force_login(finance_user())
    assert (
        'data-testid="payment-links"' not in client.get(order.get_absolute_url()).content.decode()
    )
    response = client.post(create_url(order), follow=True)
    assert "nothing is outstanding on this order" in response.content.decode()
    assert not PaymentLink.objects.exists()


def test_a_link_for_an_old_amount_shows_outdated_once_the_outstanding_changes(client):
    order = owing_order()
    link = make_link(order)
    authorizations(order, 1000)  # $10.00 more authorized: $51.00 outstanding now
    client.force_login(finance_user())
    page = client.get(order.get_absolute_url()).content.decode()
    assert f'data-payment-link="{link.pk}" data-status="outdated"' in page
    # Copy payment link now makes a new one for the new amount.
    client.post(create_url(order))
    assert sorted(PaymentLink.objects.values_list("amount", flat=True)) == [5100, 6100]


def test_revoke_ends_the_link_writes_history_and_a_second_revoke_changes_nothing(client):
    order = owing_order()
    link = make_link(order)
    client.force_login(finance_user())
    url = reverse("orders:payment_link_revoke", args=[order.number, link.pk])
    response = client.post(url, follow=True)
    assert "Payment link revoked" in response.content.decode()
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by.username == "fin"
    assert client.post(url).status_code == 302
    revoked = OrderComment.objects.filter(body="Payment link for $61.00 revoked.")
    assert revoked.count() == 1
    assert client.get(link_path(link)).status_code == 410


def test_a_link_of_another_order_is_404(client):
    order, other = owing_order(), owing_order(number="200000001")
    link = make_link(other)
    client.force_login(finance_user())
    for name in ("orders:payment_link_revoke", "orders:payment_link_send"):
        assert client.post(reverse(name, args=[order.number, link.pk])).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None and link.last_sent_at is None


def test_email_sends_the_link_to_the_customer_with_an_email_history_entry(
    client, django_capture_on_commit_callbacks
):
    order = owing_order(customer_email="ann@example.com")
    link = make_link(order)
    client.force_login(finance_user())
    url = reverse("orders:payment_link_send", args=[order.number, link.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert "Payment link e-mailed to ann@example.com" in response.content.decode()
    assert mail.outbox[0].to == ["ann@example.com"]
    assert mailed_url() == f"http://testserver{link_path(link)}"
    assert "$61.00" in mail.outbox[0].body
    entry = OrderComment.objects.get(kind=CommentKind.EMAIL)
    assert entry.is_customer_notified and "e-mailed to ann@example.com" in entry.body
    link.refresh_from_db()
    assert link.last_sent_at is not None


def test_email_of_a_revoked_link_is_refused(client):
    order = owing_order()
    link = make_link(order)
    client.force_login(finance_user())
    client.post(reverse("orders:payment_link_revoke", args=[order.number, link.pk]))
    response = client.post(
        reverse("orders:payment_link_send", args=[order.number, link.pk]), follow=True
    )
    assert "This payment link is revoked: make a new one." in response.content.decode()
    assert mail.outbox == []


def test_the_service_refuses_a_viewer():
    order = owing_order()
    with pytest.raises(Exception) as caught:
        payment_link_create(order=order, user=staff_user("view_orders"))
    assert "Requires the Edit orders or Mark as paid permission" in str(caught.value)


def test_the_api_lists_the_open_payment_links(client, settings):
    settings.PAYMENT_LINK_BASE_URL = "https://pay.example.com"
    order = owing_order()
    revoked = make_link(order)
    payment_link_revoke(link=revoked, user=finance_user("revoker"))
    link = make_link(order)
    _row, token = api_token_create(store=order.store, name="storefront us")

    body = get(client, token, f"{ORDERS}{order.number}/").json()

    [shown] = body["payment_links"]
    assert shown["url"] == f"https://pay.example.com{link_path(link)}"
    assert shown["amount"] == {"amount": "61.00", "minor": 6100, "currency": "USD"}


def test_a_paid_link_cannot_be_revoked(client):
    order = owing_order()
    link = make_link(order)
    client.post(link_path(link), card())
    client.force_login(finance_user())
    url = reverse("orders:payment_link_revoke", args=[order.number, link.pk])
    response = client.post(url, follow=True)
    assert "This payment link is paid already." in response.content.decode()
    link.refresh_from_db()
    assert link.revoked_at is None and link.paid_at is not None


def test_a_store_without_an_online_gateway_gets_the_reason_instead_of_a_link(client):
    order, _item = order_with_items()  # nothing authorized, and no gateway account
    client.force_login(finance_user())
    page = client.get(order.get_absolute_url()).content.decode()
    assert "the order&#x27;s gateway can&#x27;t take a payment on a link" in page
    response = client.post(create_url(order), follow=True)
    assert "take a payment on a link. Use Mark as paid instead." in response.content.decode()
    assert not PaymentLink.objects.exists()
