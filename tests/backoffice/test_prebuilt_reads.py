"""The session, the user and the second-factor device of each request are read by their keys
with a statement written once (backoffice/prebuilt_reads.py, issue 21), the user and the device
in one: the same rows as the ORM's, and every check of Django and django-otp still applies — on
PostgreSQL and SQLite. The list pages' reads (`rows_where`, `values_where`) load the fields
they name, in their own fields."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.prebuilt_reads import row_by_pk, rows_by_pk_pair, rows_where, values_where
from backoffice.signin.middleware import UNVERIFIED_MESSAGE
from payments.models import Payment
from tests.factories import PaymentFactory
from tests.orders.view_helpers import staff_user
from tests.signin_helpers import totp_device

pytestmark = pytest.mark.django_db
DASHBOARD = "/"


def fields_of(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


@pytest.fixture
def person(client):
    user = staff_user("view_orders", username="kira")
    client.force_login(user)
    return user


def signed_out(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_row_read_by_its_key_is_the_orms_row(client, person):
    person.last_login = timezone.now() - timedelta(days=2)
    person.save()
    device = totp_device(person)
    session = Session.objects.get(session_key=client.session.session_key)

    for model, pk in ((User, person.pk), (TOTPDevice, device.pk), (Session, session.pk)):
        read, orm = row_by_pk(model, pk), model.objects.get(pk=pk)
        assert fields_of(read) == fields_of(orm)
        # Dates are aware datetimes on SQLite too (the backend's converters ran).
        assert {k: type(v) for k, v in fields_of(read).items()} == {
            k: type(v) for k, v in fields_of(orm).items()
        }
        assert (read._state.adding, read._state.db) == (False, "default")
    assert row_by_pk(User, 987654) is None
    assert row_by_pk(User, str(person.pk)).username == "kira"  # as the session keeps it


def test_a_signed_in_page_reads_the_session_then_user_and_device_in_one_statement(client, person):
    client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(DASHBOARD)
        assert response.status_code == 200
        assert response.wsgi_request.user.is_verified()

    session, user_and_device, after = (q["sql"] for q in queries.captured_queries[:3])
    assert 'FROM "django_session" WHERE' in session
    assert 'FROM "auth_user" t1 LEFT JOIN "otp_totp_totpdevice" t2' in user_and_device
    assert "LIMIT" not in session + user_and_device  # the key reads, not the ORM's get()
    assert "otp_totp_totpdevice" not in after  # the device is not read again


def test_user_and_device_read_together_are_the_orms_rows(person, django_assert_num_queries):
    device = totp_device(person)

    with django_assert_num_queries(1):
        user, read = rows_by_pk_pair(User, str(person.pk), TOTPDevice, device.pk)
    assert fields_of(user) == fields_of(User.objects.get(pk=person.pk))
    assert fields_of(read) == fields_of(TOTPDevice.objects.get(pk=device.pk))
    assert {k: type(v) for k, v in fields_of(read).items()} == {
        k: type(v) for k, v in fields_of(TOTPDevice.objects.get(pk=device.pk)).items()
    }
    assert rows_by_pk_pair(User, person.pk, TOTPDevice, 987654) == (user, None)
    assert rows_by_pk_pair(User, 987654, TOTPDevice, device.pk) == (None, None)
    other = staff_user("view_orders", username="lars")
    assert rows_by_pk_pair(User, person.pk, User, other.pk) == (user, other)  # one table


def test_a_user_deactivated_after_signing_in_is_signed_out(client, person):
    User.objects.filter(pk=person.pk).update(is_active=False)

    response = client.get(DASHBOARD)

    assert signed_out(response)
    assert not response.wsgi_request.user.is_authenticated


def test_a_user_deleted_after_signing_in_is_signed_out(client, person):
    User.objects.filter(pk=person.pk).delete()

    assert signed_out(client.get(DASHBOARD))


def test_an_expired_session_is_no_session(client, person):
    key = client.session.session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))

    assert signed_out(client.get(DASHBOARD))
    assert client.session.session_key != key  # the old key is not taken up again


def test_an_unknown_session_key_is_no_session(client, person):
    Session.objects.all().delete()

    assert signed_out(client.get(DASHBOARD))


@pytest.mark.parametrize(
    "device_id",
    [
        "deleted",
        "unconfirmed",
        "someone_elses",
        "auth.user/{user}",  # a model that is no device
        "nowhere.device/1",
        "otp_totp.totpdevice/not-a-number",
    ],
)
def test_a_session_without_its_own_confirmed_device_is_signed_out(client, person, device_id):
    device = totp_device(person)
    stored = client.session
    if device_id == "deleted":
        device.delete()
    elif device_id == "unconfirmed":
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=False)
    elif device_id == "someone_elses":
        other = totp_device(staff_user("view_orders", username="lars"))
        stored[DEVICE_ID_SESSION_KEY] = other.persistent_id
    else:
        stored[DEVICE_ID_SESSION_KEY] = device_id.format(user=person.pk)
    stored.save()

    response = client.get(DASHBOARD)

    assert signed_out(response)
    assert UNVERIFIED_MESSAGE in client.get(response["Location"]).content.decode()


def test_the_own_confirmed_device_keeps_the_session(client, person):
    response = client.get(DASHBOARD)

    assert response.status_code == 200
    assert response.wsgi_request.user.otp_device == totp_device(person)


def test_rows_where_loads_the_named_fields_whatever_their_order(django_assert_num_queries):
    payment = PaymentFactory(amount_authorized=6100, amount_captured=2500)

    with django_assert_num_queries(1):
        (read,) = rows_where(
            Payment,
            "{order} IN (%s)",
            [payment.order_id, 987654],
            fields=("amount_captured", "order", "id", "amount_authorized", "expires_at"),
        )
        # Each value in its own field (Model.from_db reads them in the model's order).
        assert (read.pk, read.order_id) == (payment.pk, payment.order_id)
        assert (read.amount_authorized, read.amount_captured) == (6100, 2500)
        assert read.expires_at == payment.expires_at
    with django_assert_num_queries(1):  # the others deferred, as .only() leaves them
        assert read.currency == payment.currency


def test_rows_where_with_an_empty_list_sends_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert rows_where(Payment, "{order} IN (%s)", []) == []


def test_rows_where_refuses_a_count_of_parameters_its_statement_does_not_take():
    with pytest.raises(ValueError, match="takes 2 parameters, not 1"):
        rows_where(User, "{username} = %s AND {is_active} = %s", "kira")


def test_values_where_gives_the_named_fields_in_the_order_asked(django_assert_num_queries):
    payment = PaymentFactory(amount_authorized=6100, amount_captured=2500, is_expired=True)

    with django_assert_num_queries(1):
        rows = values_where(
            Payment,
            "{order} IN (%s)",
            [payment.order_id],
            fields=("amount_captured", "id", "is_expired", "expires_at", "order"),
        )

    # Booleans and dates as the ORM gives them (SQLite's converters ran).
    expected = (2500, payment.pk, True, payment.expires_at, payment.order_id)
    assert rows == [expected]
    assert type(rows[0][2]) is bool
    assert values_where(Payment, "{order} IN (%s)", [], fields=("id",)) == []
