"""Adding a comment to an order's Comments History."""

import pytest
from django.core import mail
from django.urls import reverse
from guardian.shortcuts import assign_perm

from orders.enums import CommentKind, CommentSource
from orders.models import OrderComment
from tests.factories import OrderFactory, StoreFactory
from tests.orders.view_helpers import staff_user

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def url(order) -> str:
    return reverse("orders:comment_add", args=[order.number])


@pytest.fixture
def order():
    return OrderFactory(customer_email="ann@example.com", customer_name="Ann Lee")


@pytest.fixture
def support(client):
    user = staff_user(
        "view_orders",
        "comment_order",
        "notify_customer",
        username="sam",
        first_name="Sam",
        last_name="Ray",
    )
    client.force_login(user)
    return user


def test_htmx_post_returns_the_refreshed_comments_panel(client, support, order):
    response = client.post(url(order), {"body": "Called the customer."}, headers=HTMX)

    assert response.status_code == 200
    html = response.text
    assert html.lstrip().startswith('<section class="card" id="comments-history">')
    assert "<html" not in html
    assert "Called the customer." in html
    assert "Sam Ray (sam)" in html
    assert "Comment added." in html
    assert '<span class="tabs__count" id="comments-tab-count" hx-swap-oob="true">1</span>' in html
    assert "Called the customer.</textarea>" not in html  # the form is blank again
    comment = OrderComment.objects.get(order=order)
    assert comment.author == support
    assert comment.author_label == "Sam Ray (sam)"
    assert (comment.kind, comment.source) == (CommentKind.NOTE, CommentSource.UI)
    assert not comment.is_customer_notified
    assert not comment.is_visible_on_front


def test_plain_post_redirects_back_to_the_order_with_a_message(client, support, order):
    response = client.post(url(order), {"body": "  Gift wrap, please.  ", "visible_on_front": "on"})

    assert response.status_code == 302
    assert response["Location"] == f"{order.get_absolute_url()}#comments"
    page = client.get(response["Location"])
    assert "Comment added." in page.text
    comment = OrderComment.objects.get(order=order)
    assert comment.body == "Gift wrap, please."
    assert comment.is_visible_on_front


@pytest.mark.parametrize("body", ["", "   "])
def test_empty_comment_is_refused_next_to_the_field(client, support, order, body):
    response = client.post(url(order), {"body": body}, headers=HTMX)

    assert response.status_code == 422
    assert '<p class="field__error" id="id_body-error">Enter a comment.</p>' in response.text
    assert not OrderComment.objects.exists()


def test_empty_comment_without_javascript_shows_the_page_with_the_error(client, support, order):
    response = client.post(url(order), {"body": "", "visible_on_front": "on"})

    assert response.status_code == 422
    assert "Order #" in response.text
    assert "Enter a comment." in response.text
    assert 'data-active="comments"' in response.text
    assert not OrderComment.objects.exists()


def test_notify_customer_emails_the_customer_after_commit(
    client, support, order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            url(order), {"body": "Your parcel left today.", "notify_customer": "on"}, headers=HTMX
        )

    assert response.status_code == 200
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["ann@example.com"]
    assert order.number in email.subject
    assert "Hello Ann Lee" in email.body
    assert "Your parcel left today." in email.body
    assert OrderComment.objects.get(order=order).is_customer_notified
    assert "Customer notified" in response.text


def test_no_email_without_notify(client, support, order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(order), {"body": "Internal note."}, headers=HTMX)

    assert mail.outbox == []


def test_without_comment_permission_the_form_is_disabled_and_post_is_403(client, order):
    client.force_login(staff_user("view_orders"))

    page = client.get(order.get_absolute_url()).text
    response = client.post(url(order), {"body": "Sneaky."}, headers=HTMX)

    assert '<fieldset class="fieldset" disabled>' in page
    assert "Requires the Comment on orders permission for store US" in page
    assert response.status_code == 403
    assert not OrderComment.objects.exists()


def test_notify_needs_its_own_permission(client, order, django_capture_on_commit_callbacks):
    client.force_login(staff_user("view_orders", "comment_order"))

    page = client.get(order.get_absolute_url()).text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(order), {"body": "Hi!", "notify_customer": "on"}, headers=HTMX)

    assert 'name="notify_customer" disabled' in page
    assert "Requires the Notify the customer permission for store US" in page
    assert response.status_code == 403
    assert not OrderComment.objects.exists()
    assert mail.outbox == []


def test_comment_permission_on_another_store_does_not_count(client):
    us, eu = StoreFactory(code="us"), StoreFactory(code="eu", currency="EUR")
    order = OrderFactory(store=us)
    user = staff_user("view_orders", store=us)
    for codename in ("comment_order", "notify_customer"):
        assign_perm(f"backoffice.{codename}", user, eu)
    client.force_login(user)

    assert client.post(url(order), {"body": "x"}, headers=HTMX).status_code == 403


def test_store_scoped_comment_permission_is_enough(client):
    us = StoreFactory(code="us")
    order = OrderFactory(store=us)
    client.force_login(staff_user("view_orders", "comment_order", store=us))

    response = client.post(url(order), {"body": "Scoped note."}, headers=HTMX)

    assert response.status_code == 200
    assert OrderComment.objects.filter(order=order, body="Scoped note.").exists()


def test_cannot_comment_on_an_order_of_an_invisible_store(client):
    order = OrderFactory(store=StoreFactory(code="eu", currency="EUR"))
    client.force_login(staff_user("view_orders", store=StoreFactory(code="us")))

    assert client.post(url(order), {"body": "x"}).status_code == 404
    assert not OrderComment.objects.exists()


def test_get_is_not_allowed(client, support, order):
    assert client.get(url(order)).status_code == 405


def test_form_posts_with_htmx_to_the_comments_panel(client, support, order):
    html = client.get(order.get_absolute_url()).text

    assert f'hx-post="{url(order)}"' in html
    assert 'hx-target="#comments-history"' in html
    assert f'action="{url(order)}"' in html  # works without JavaScript too
