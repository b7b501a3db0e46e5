"""Issue 16: sessions end 15 minutes after the last request and 12 hours after signing in; a
money operation 15 minutes after the second factor was last given asks for it again; the
password rules; the security headers (PCI DSS 4.0 8.2.8, 8.3.6; OWASP ASVS V3)."""

import itertools
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from backoffice.signin import session as signin_session
from payments.models import Transaction
from tests.factories import OrderFactory, OrderItemFactory
from tests.orders.invoice_helpers import fresh, key
from tests.orders.view_helpers import staff_user
from tests.signin_helpers import fresh_code

pytestmark = pytest.mark.django_db
DASHBOARD = "/"


@pytest.fixture
def person(client):
    user = staff_user("view_orders", "mark_as_paid", username="frank")
    client.force_login(user)
    return user


def at(minutes: float):
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False)


def signed_out(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_15_minutes_idle_signs_out(client, person):
    with at(16):
        response = client.get(DASHBOARD)

    assert signed_out(response)
    assert "_auth_user_id" not in client.session


def test_each_request_pushes_the_idle_end_out(client, person):
    for minutes in (10, 20, 30):
        with at(minutes):
            assert client.get(DASHBOARD).status_code == 200


def test_12_hours_after_signing_in_signs_out_however_active(client, person):
    stored = client.session
    stored[signin_session.SIGNED_IN_AT] = signin_session.now() - 12 * 3600 - 1
    stored.save()

    assert signed_out(client.get(DASHBOARD))


def test_a_money_operation_asks_for_the_code_again_after_15_minutes(client, person):
    order = OrderFactory(subtotal=5000)
    OrderItemFactory(order=order, qty_ordered=1, unit_price=5000)
    url = reverse("orders:mark_as_paid", kwargs={"number": order.number})
    data = {"version": fresh(order).version, "idempotency_key": key(), "amount": "50.00"}
    with at(10):
        assert client.get(DASHBOARD).status_code == 200
    with at(20):
        page = client.get(url)
        response = client.post(url, data, HTTP_REFERER=f"http://testserver{url}")
        htmx = client.post(url, data, headers={"HX-Request": "true", "HX-Current-URL": url})
        confirm = client.post(
            reverse("confirm_identity"), {"code": fresh_code(person), "next": url}
        )
        after = client.post(url, data)

    confirm_url = f"{reverse('confirm_identity')}?next="
    assert page.status_code == 302 and page["Location"].startswith(confirm_url)
    assert response.status_code == 302 and response["Location"].startswith(confirm_url)
    assert htmx["HX-Redirect"].startswith(confirm_url)
    assert confirm["Location"] == url
    assert after.status_code == 302
    assert Transaction.objects.filter(order=order).count() == 1


def test_the_confirm_page_refuses_a_wrong_code(client, person):
    response = client.post(reverse("confirm_identity"), {"code": "12345x", "next": "/"})

    assert "That code is not valid." in response.content.decode()
    assert '<label for="id_code">Code</label>' in response.content.decode()


def test_signed_in_pages_and_exports_are_not_stored(client, person):
    export = staff_user("view_orders", "export_data", username="maria")
    page = client.get(DASHBOARD)
    client.force_login(export)
    csv = client.get(reverse("payments:transaction_export"))

    for response in (page, csv):
        assert "no-store" in response["Cache-Control"]
        assert "camera=()" in response["Permissions-Policy"]
    client.post(reverse("logout"))
    login = client.get(reverse("login"))
    assert "camera=()" in login["Permissions-Policy"]
    assert "'unsafe-inline'" not in login["Content-Security-Policy"]


def test_passwords_need_12_characters_and_not_one_of_the_last_4(client, person):
    def change(old: str, new: str):
        data = {"old_password": old, "new_password1": new, "new_password2": new}
        return client.post(reverse("password_change"), data)

    short = change("pass-1234", "Tr0ub4dor&3")  # 11 characters
    assert short.status_code == 200
    assert "at least 12 characters" in short.content.decode()

    passwords = ["pass-1234", "first-Long-pw-1", "second-Long-pw-2", "third-Long-pw-3"]
    for old, new in itertools.pairwise(passwords):
        assert change(old, new).status_code == 302
    reused = change("third-Long-pw-3", "first-Long-pw-1")
    assert "one of your last 4" in reused.content.decode()
    assert change("third-Long-pw-3", "fourth-Long-pw-4").status_code == 302
