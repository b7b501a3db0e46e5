"""Issue 16: staff sign in with a password and a second factor (TOTP or a recovery code); the
first sign-in enrols an authenticator app; the admin asks for the same; a manager resets a
factor. PCI DSS 4.0 8.4 / OWASP ASVS V2."""

import re
from base64 import b32encode

import pytest
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.audit.events import MFA_ENROLLED, MFA_RESET, SIGN_IN, SIGN_IN_FAILED, SIGN_OUT
from backoffice.audit.models import AuditEvent
from backoffice.signin import session as signin_session
from tests.backoffice.signin_flow import code_step, password_step, sign_in
from tests.factories import UserFactory
from tests.orders.view_helpers import staff_user
from tests.signin_helpers import TEST_TOTP_KEY, fresh_code, totp_code, totp_device

pytestmark = pytest.mark.django_db
SECRET = re.compile(r'data-testid="totp-secret">([A-Z2-7 ]+)<')


@pytest.fixture
def person():
    user = staff_user("view_orders", username="sam")
    totp_device(user)
    return user


def test_a_password_alone_reaches_only_the_code_step(client, person):
    response = password_step(client, "sam")

    assert response["Location"] == reverse("sign_in_code")
    page = client.get(reverse("sign_in_code")).content.decode()
    assert '<label for="id_code">Code</label>' in page
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code == 302
    assert dashboard["Location"].startswith(reverse("login"))


def test_the_right_code_signs_in_and_is_audited(client, person):
    response = sign_in(client, person)

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200
    row = AuditEvent.objects.get(type=SIGN_IN)
    assert (row.user_id, row.outcome, row.ip) == (person.pk, "success", "127.0.0.1")
    assert row.details == {"factor": "authenticator app"}


def test_a_wrong_code_is_refused_and_audited(client, person):
    password_step(client, "sam")
    wrong = f"{(int(totp_code()) + 1) % 1_000_000:06d}"

    response = code_step(client, wrong)

    assert response.status_code == 200
    assert "That code is not valid." in response.content.decode()
    assert client.get(reverse("dashboard")).status_code == 302
    row = AuditEvent.objects.get(type=SIGN_IN_FAILED)
    assert (row.user_id, row.outcome, row.details["step"]) == (person.pk, "failed", "code")


def test_a_code_is_accepted_once(client, person):
    sign_in(client, person)
    client.post(reverse("logout"))
    used = totp_code()

    password_step(client, "sam")
    response = code_step(client, used)

    assert "That code is not valid." in response.content.decode()


def test_a_recovery_code_signs_in_once(client, person):
    device = StaticDevice.objects.create(user=person, name="Recovery codes", confirmed=True)
    StaticToken.objects.create(device=device, token="abcd2345")

    password_step(client, "sam")
    assert code_step(client, "ABCD 2345")["Location"] == reverse("dashboard")
    client.post(reverse("logout"))
    password_step(client, "sam")
    response = code_step(client, "abcd2345")

    assert "That code is not valid." in response.content.decode()
    assert not StaticToken.objects.filter(device=device).exists()
    assert AuditEvent.objects.filter(type=SIGN_IN, details__factor="recovery code").count() == 1


def test_the_first_sign_in_enrols_an_authenticator_app(client):
    user = staff_user("view_orders", username="newcomer")

    response = password_step(client, "newcomer")
    assert response["Location"] == reverse("sign_in_enrol")
    page = client.get(reverse("sign_in_enrol")).content.decode()
    assert "<svg" in page and '<label for="id_code">Code</label>' in page
    secret = SECRET.search(page).group(1).replace(" ", "")
    key = client.session[signin_session.ENROL_KEY]
    assert secret == b32encode(bytes.fromhex(key)).decode()
    assert not TOTPDevice.objects.filter(user=user).exists()  # the GET wrote nothing

    assert (
        "That code is not valid."
        in client.post(
            reverse("sign_in_enrol"), {"code": "000000" if totp_code(key) != "000000" else "111111"}
        ).content.decode()
    )
    response = client.post(reverse("sign_in_enrol"), {"code": totp_code(key)})

    codes = re.findall(r"<li>([a-z2-7]{8})</li>", response.content.decode())
    assert len(codes) == 10
    assert TOTPDevice.objects.get(user=user).confirmed
    assert client.get(reverse("dashboard")).status_code == 200
    assert AuditEvent.objects.filter(type=MFA_ENROLLED, user=user).exists()


def test_signing_out_is_audited_and_ends_the_session(client, person):
    sign_in(client, person)

    client.post(reverse("logout"))

    assert AuditEvent.objects.filter(type=SIGN_OUT, user=person).exists()
    assert client.get(reverse("dashboard")).status_code == 302


def test_the_admin_needs_the_second_factor(client):
    root = UserFactory(username="root", is_superuser=True)
    totp_device(root)

    password_step(client, "root")
    chain = client.get("/admin/", follow=True).redirect_chain
    assert chain[-1][0] == f"{reverse('login')}?next=/admin/"
    login = client.get("/admin/login/?next=/admin/")
    assert login["Location"] == f"{reverse('login')}?next=/admin/"
    code_step(client, fresh_code(root))
    assert client.get("/admin/").status_code == 200


def test_a_session_without_the_second_factor_is_signed_out(client, person):
    client.force_login(person)
    stored = client.session
    del stored[DEVICE_ID_SESSION_KEY]
    stored.save()

    for url in ("/admin/", reverse("dashboard")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_manager_resets_a_factor_and_the_person_enrols_again(client, person):
    other = type(client)()
    other.force_login(person)
    manager = staff_user("view_orders", "manage_staff", username="maria")
    client.force_login(manager)
    assert "staff-sam" in client.get(reverse("staff_sign_in")).content.decode()

    response = client.post(reverse("staff_factor_reset", args=[person.pk]))

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=person).exists()
    row = AuditEvent.objects.get(type=MFA_RESET)
    assert (row.user_id, row.object_id) == (manager.pk, str(person.pk))
    assert other.get(reverse("dashboard"))["Location"].startswith(reverse("login"))
    assert password_step(other, "sam")["Location"] == reverse("sign_in_enrol")


def test_the_staff_page_needs_manage_staff(client, person):
    finance = staff_user("view_orders", "refund_online", username="frank")
    client.force_login(finance)

    assert client.get(reverse("staff_sign_in")).status_code == 403
    assert client.post(reverse("staff_factor_reset", args=[person.pk])).status_code == 403
    assert TOTPDevice.objects.filter(user=person, key=TEST_TOTP_KEY).exists()


def test_password_reset_by_email_is_off(client):
    assert client.get("/accounts/password_reset/").status_code == 404
