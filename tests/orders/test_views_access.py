"""Who may open the back office: signed-in staff only; orders only of visible stores."""

import pytest
from django.urls import reverse

from tests.factories import OrderFactory, StoreFactory, UserFactory
from tests.orders.view_helpers import staff_user
from tests.signin_helpers import fresh_code, totp_device

pytestmark = pytest.mark.django_db

PAGES = ["/", "/orders/"]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitor_is_sent_to_the_login_page(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={path}"


def test_anonymous_visitor_cannot_open_an_order_or_post_a_comment(client):
    order = OrderFactory()

    assert client.get(order.get_absolute_url()).status_code == 302
    response = client.post(reverse("orders:comment_add", args=[order.number]), {"body": "x"})
    assert response.status_code == 302
    assert order.comments.count() == 0


@pytest.mark.parametrize("path", PAGES)
def test_signed_in_user_without_staff_status_gets_403_saying_why(client, path):
    client.force_login(UserFactory(is_staff=False))

    response = client.get(path)

    assert response.status_code == 403
    assert b"no access to the back office" in response.content


def test_non_staff_user_cannot_open_an_order(client):
    order = OrderFactory()
    client.force_login(UserFactory(is_staff=False))

    assert client.get(order.get_absolute_url()).status_code == 403


def test_staff_without_view_permission_sees_no_orders(client):
    order = OrderFactory()
    client.force_login(staff_user())

    assert order.number.encode() not in client.get("/orders/").content
    assert order.number.encode() not in client.get("/").content
    assert client.get(order.get_absolute_url()).status_code == 404


def test_store_scoped_viewer_sees_only_that_stores_orders(client):
    us, eu = StoreFactory(code="us"), StoreFactory(code="eu", currency="EUR")
    ours, theirs = OrderFactory(store=us), OrderFactory(store=eu)
    client.force_login(staff_user("view_orders", store=us))

    listing = client.get("/orders/").content.decode()

    assert f"#{ours.number}" in listing
    assert f"#{theirs.number}" not in listing
    assert client.get(ours.get_absolute_url()).status_code == 200
    assert client.get(theirs.get_absolute_url()).status_code == 404


def test_login_page_signs_staff_in_and_logout_is_a_post(client):
    ann = UserFactory(username="ann")
    totp_device(ann)

    page = client.get(reverse("login"))
    assert b"Sign in to Backoffice" in page.content

    response = client.post(reverse("login"), {"username": "ann", "password": "pass-1234"})
    assert response["Location"] == reverse("sign_in_code")  # then the second factor
    response = client.post(reverse("sign_in_code"), {"code": fresh_code(ann)})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")

    dashboard = client.get("/")
    assert b"ann" in dashboard.content
    assert b'action="/accounts/logout/"' in dashboard.content

    client.post(reverse("logout"))
    assert client.get("/").status_code == 302


def test_wrong_password_shows_an_error_on_the_login_page(client):
    UserFactory(username="ann")

    response = client.post(reverse("login"), {"username": "ann", "password": "nope"})

    assert response.status_code == 200
    assert b"alert--error" in response.content


def test_superuser_sees_the_django_admin_link_and_staff_do_not(client):
    client.force_login(UserFactory(is_superuser=True))
    assert b'href="/admin/"' in client.get("/").content

    client.force_login(staff_user("view_orders"))
    assert b'href="/admin/"' not in client.get("/").content
