"""Issue 16: 10 failed sign-ins per username and per address lock for 30 minutes, with the
same words whether the username exists or not; a manager unlocks (PCI DSS 4.0 8.3.4)."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from backoffice.audit.events import LOCKOUT, SIGN_IN_FAILED, UNLOCK
from backoffice.audit.models import AuditEvent
from backoffice.signin.lockout import LOCKED_MESSAGE
from tests.backoffice.signin_flow import code_step, password_step, sign_in
from tests.orders.view_helpers import staff_user
from tests.signin_helpers import fresh_code, totp_code, totp_device

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    user = staff_user("view_orders", username="sam")
    totp_device(user)
    return user


def fail(client, username: str, times: int, ip: str = "127.0.0.1"):
    response = None
    for _ in range(times):
        response = password_step(client, username, "wrong-password", ip=ip)
    return response


def test_ten_failures_lock_and_the_eleventh_with_the_right_password_is_refused(client, person):
    ninth = fail(client, "sam", 9)
    assert ninth.status_code == 200 and LOCKED_MESSAGE not in ninth.content.decode()

    tenth = fail(client, "sam", 1)
    assert tenth.status_code == 429
    assert LOCKED_MESSAGE in tenth.content.decode()

    right = password_step(client, "sam")
    assert right.status_code == 429
    assert LOCKED_MESSAGE in right.content.decode()
    assert client.get(reverse("sign_in_code")).status_code == 302  # no half-done sign-in
    lock = AuditEvent.objects.filter(type=LOCKOUT).order_by("id").first()
    assert (lock.user_label, lock.outcome) == ("sam", "denied")
    assert AuditEvent.objects.filter(type=SIGN_IN_FAILED, user_label="sam").count() == 11


def test_the_lock_says_the_same_whether_the_user_exists(client, person):
    known = fail(client, "sam", 10).content.decode()
    unknown = fail(client, "nobody", 10, ip="10.0.0.9").content.decode()

    def alert(page: str) -> str:
        return page.split('data-testid="locked">', 1)[1].split("<", 1)[0]

    assert alert(known) == alert(unknown) == LOCKED_MESSAGE


def test_the_lock_ends_after_30_minutes(client, person):
    fail(client, "sam", 10)
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):
        assert password_step(client, "sam")["Location"] == reverse("sign_in_code")


def test_ten_failures_from_one_address_lock_it_for_every_username(client, person):
    for n in range(10):
        password_step(client, f"guess{n}", "wrong-password", ip="10.0.0.7")

    assert password_step(client, "sam", ip="10.0.0.7").status_code == 429
    assert password_step(client, "sam", ip="10.0.0.8")["Location"] == reverse("sign_in_code")


def test_wrong_codes_count_as_failed_sign_ins(client, person):
    password_step(client, "sam")
    wrong = f"{(int(totp_code()) + 1) % 1_000_000:06d}"
    for _ in range(9):
        assert code_step(client, wrong).status_code == 200

    assert code_step(client, wrong).status_code == 429
    assert password_step(client, "sam").status_code == 429


def test_a_manager_unlocks(client, person):
    fail(client, "sam", 10)
    manager = staff_user("view_orders", "manage_staff", username="maria")
    manager_client = type(client)()
    manager_client.force_login(manager)
    page = manager_client.get(reverse("staff_sign_in")).content.decode()
    assert "<strong>Locked</strong>" in page

    assert manager_client.post(reverse("staff_unlock", args=[person.pk])).status_code == 302

    row = AuditEvent.objects.get(type=UNLOCK)
    assert (row.user_id, row.object_id) == (manager.pk, str(person.pk))
    assert sign_in(client, person)["Location"] == reverse("dashboard")


def test_a_store_manager_manages_only_the_staff_of_their_stores(client):
    from backoffice.roles import MANAGER, role_grant, role_grant_for_store, roles_setup
    from tests.factories import StoreFactory

    roles_setup()
    eu, us = StoreFactory(code="eu", currency="EUR"), StoreFactory(code="us")
    manager = staff_user(username="maria_eu")
    role_grant_for_store(user=manager, role=MANAGER, store=eu)
    in_eu = staff_user(username="elena")
    role_grant_for_store(user=in_eu, role="finance", store=eu)
    in_us = staff_user(username="uma")
    role_grant_for_store(user=in_us, role="finance", store=us)
    everywhere = staff_user(username="frank")
    role_grant(user=everywhere, role="finance")
    client.force_login(manager)

    page = client.get(reverse("staff_sign_in")).content.decode()

    assert "staff-elena" in page
    assert "staff-uma" not in page and "staff-frank" not in page
    assert client.post(reverse("staff_unlock", args=[in_us.pk])).status_code == 404
    fresh_code(in_eu)
    assert client.post(reverse("staff_factor_reset", args=[in_eu.pk])).status_code == 302
