"""The session, the user and the second-factor device of each request are read in one statement
written once (backoffice/prebuilt_reads.py, issue 21): the same rows as the ORM's, and every
check of Django and django-otp still applies — on PostgreSQL and SQLite. The list pages'
reads (`rows_where`, `values_where`) load the fields they name, in their own fields."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.prebuilt_reads import (
    Joined,
    prepared,
    row_by_pk,
    row_by_pk_joined,
    rows_where,
    values_where,
)
from backoffice.session_models import SignedInSession as Session
from backoffice.signin.middleware import UNVERIFIED_MESSAGE
from payments.models import Payment
from tests.factories import OrderFactory, PaymentFactory, StoreFactory
from tests.orders.view_helpers import add_comment, staff_user
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


def test_a_signed_in_page_reads_the_session_user_and_device_in_one_statement(client, person):
    client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(DASHBOARD)
        assert response.status_code == 200
        assert response.wsgi_request.user.is_verified()

    first, *after = (q["sql"] for q in queries.captured_queries)
    if connection.vendor == "postgresql":  # the statement prepared on this database session
        assert first.startswith("EXECUTE prebuilt_")
    else:
        assert 'FROM "signin_session" t0 LEFT JOIN "auth_user" t1' in first
        assert '"otp_totp_totpdevice"' in first
        assert "LIMIT" not in first  # the key read, not the ORM's get()
    assert not [sql for sql in after if '"auth_user"' in sql or "otp_totp_totpdevice" in sql]


def prepared_statements() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        return dict(cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # it closes the connection
def test_the_session_read_is_prepared_once_per_database_session(client, person):
    """Planning the join took longer than running it (issue 21): PostgreSQL prepares it once
    on each database session — again on a new one — and every request runs it by name."""
    connection.close()  # a new database session: nothing prepared on it
    client.get(DASHBOARD)
    (name,) = [n for n, sql in prepared_statements().items() if '"signin_session" t0' in sql]

    connection.close()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(DASHBOARD)

    assert response.status_code == 200 and response.wsgi_request.user == person
    assert response.wsgi_request.user.is_verified()
    assert queries.captured_queries[0]["sql"].startswith(f"EXECUTE {name}(")
    assert name in prepared_statements()  # prepared again on the new session
    assert client.get(DASHBOARD).status_code == 200


@pytest.mark.postgres
def test_without_prepared_reads_the_session_is_read_by_its_statement(client, person, settings):
    settings.DATABASE_PREPARED_READS = False  # PgBouncer in transaction mode

    with CaptureQueriesContext(connection) as queries:
        response = client.get(DASHBOARD)

    assert response.status_code == 200 and response.wsgi_request.user.is_verified()
    assert 'FROM "signin_session" t0 LEFT JOIN' in queries.captured_queries[0]["sql"]


def test_a_saved_session_names_its_user_and_device_in_its_columns(client, person):
    device = totp_device(person)

    row = Session.objects.get(pk=client.session.session_key)

    assert (row.user_pk, row.device_model, row.device_pk) == (
        person.pk,
        "otp_totp.totpdevice",
        device.pk,
    )


def test_a_session_whose_columns_name_someone_else_reads_who_its_data_names(client, person):
    """The data is the truth: columns left behind (a row written another way) are not used."""
    other = staff_user("view_orders", username="lars")
    totp_device(person)
    Session.objects.filter(pk=client.session.session_key).update(
        user_pk=other.pk, device_model="otp_totp.totpdevice", device_pk=totp_device(other).pk
    )

    with CaptureQueriesContext(connection) as queries:
        response = client.get(DASHBOARD)

    assert response.status_code == 200
    assert response.wsgi_request.user == person
    assert response.wsgi_request.user.otp_device == totp_device(person)
    separate = [q["sql"] for q in queries.captured_queries[1:3]]
    assert 'FROM "auth_user" WHERE' in separate[0] and "otp_totp_totpdevice" in separate[1]


def test_rows_joined_by_their_keys_are_the_orms_rows(person, django_assert_num_queries):
    device = totp_device(person)
    other = staff_user("view_orders", username="lars")
    session = Session.objects.create(
        session_key="k" * 32,
        session_data="",
        expire_date=timezone.now(),
        user_pk=person.pk,
        device_model="otp_totp.totpdevice",
        device_pk=device.pk,
    )
    joined = (
        Joined(User, "user_pk"),
        Joined(TOTPDevice, "device_pk", when=("device_model", "otp_totp.totpdevice")),
        Joined(StaticDevice, "device_pk", when=("device_model", "otp_static.staticdevice")),
    )

    with django_assert_num_queries(1):
        read, (user, totp, static) = row_by_pk_joined(Session, session.pk, joined)
    assert fields_of(read) == fields_of(session)
    assert fields_of(user) == fields_of(User.objects.get(pk=person.pk))
    assert fields_of(totp) == fields_of(TOTPDevice.objects.get(pk=device.pk))
    # Dates are aware datetimes on SQLite too (the backend's converters ran).
    assert {k: type(v) for k, v in fields_of(totp).items()} == {
        k: type(v) for k, v in fields_of(TOTPDevice.objects.get(pk=device.pk)).items()
    }
    assert static is None  # its condition does not hold (a static device may have that pk)

    Session.objects.filter(pk=session.pk).update(user_pk=other.pk, device_pk=987654)
    assert row_by_pk_joined(Session, session.pk, joined)[1] == (other, None, None)
    Session.objects.filter(pk=session.pk).update(user_pk=None, device_model="")
    assert row_by_pk_joined(Session, session.pk, joined)[1] == (None, None, None)
    assert row_by_pk_joined(Session, "nothere", joined) == (None, (None, None, None))


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


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_open_sessions_signed_in(client):
    """Sessions open in Django's table before `signin_session` existed are copied with their
    columns: nobody is signed out by the upgrade, an expired session is not taken along."""
    executor = MigrationExecutor(connection)
    before = executor.migrate([("backoffice", "0011_jobs")]).apps
    person = staff_user("view_orders", username="kira")
    device = totp_device(person)
    open_session, expired = SessionStore(), SessionStore()
    for stored in (open_session, expired):
        stored.update(
            {
                "_auth_user_id": str(person.pk),
                "_auth_user_backend": "backoffice.signin.request_reads.SignedInUserBackend",
                "_auth_user_hash": person.get_session_auth_hash(),
                DEVICE_ID_SESSION_KEY: f"django_otp.plugins.otp_totp.models.TOTPDevice/{device.pk}",
            }
        )
    old = before.get_model("sessions", "Session")
    for key, stored, expiry in (("open" * 8, open_session, 60), ("gone" * 8, expired, -60)):
        old.objects.create(
            session_key=key,
            session_data=stored.encode(stored._session),
            expire_date=timezone.now() + timedelta(seconds=expiry),
        )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    row = Session.objects.get()
    assert (row.pk, row.user_pk, row.device_model, row.device_pk) == (
        "open" * 8,
        person.pk,
        "otp_totp.totpdevice",
        device.pk,
    )
    client.cookies[settings.SESSION_COOKIE_NAME] = "open" * 8
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert response.wsgi_request.user == person
    assert response.wsgi_request.user.otp_device == device


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # it closes the connection
def test_the_order_page_reads_its_order_by_one_prepared_statement_for_every_order(client):
    """Planning the order page's order (counts, flags, addresses) took six times longer than
    running it: prepared once per database session, it is run by name for each order — and
    each person's stores still scope it."""
    connection.close()
    mine, other = OrderFactory(), OrderFactory(store=StoreFactory(code="eu", currency="EUR"))
    add_comment(mine, "Called the customer.")
    client.force_login(staff_user("view_orders", store=mine.store, username="kira"))

    page = client.get(mine.get_absolute_url())
    assert page.status_code == 200 and "Called the customer." in page.text
    assert client.get(other.get_absolute_url()).status_code == 404  # another store's
    reads = [name for name, sql in prepared_statements().items() if '"comment_count"' in sql]
    assert len(reads) == 1  # one statement for both orders

    with CaptureQueriesContext(connection) as queries:
        third = client.get(OrderFactory(store=mine.store).get_absolute_url())
    assert third.status_code == 200
    assert [q for q in queries.captured_queries if q["sql"].startswith(f"EXECUTE {reads[0]}(")]
    assert [n for n, sql in prepared_statements().items() if '"comment_count"' in sql] == reads


@pytest.mark.postgres
def test_each_statement_is_prepared_under_a_name_of_its_own_text(person):
    """A statement's name is a digest of its text: two threads naming statements at once
    cannot give one name to two statements (and run the wrong one)."""
    by_name = 'SELECT "username" FROM "auth_user" WHERE "id" = %s'
    by_username = 'SELECT "id" FROM "auth_user" WHERE "username" = %s'

    first, second = prepared(connection, by_name, 1), prepared(connection, by_username, 1)

    assert first != second and first == prepared(connection, by_name, 1)
    with connection.cursor() as cursor:
        cursor.execute(first, [person.pk])
        assert cursor.fetchone() == ("kira",)
        cursor.execute(second, ["kira"])
        assert cursor.fetchone() == (person.pk,)
