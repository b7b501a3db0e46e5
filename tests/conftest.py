"""Shared fixtures and the rules that make the suite honest on CI.

- Tests using Playwright's `page` are marked `browser`; Django's async-safety check is relaxed
  only when such tests are selected (Playwright's sync API runs an event loop in this thread).
- Under CI=true a skipped PostgreSQL-only or browser test fails the run instead of passing.
- Reads never write: a GET or HEAD made with Django's test client fails the test when it runs
  an INSERT, UPDATE or DELETE on anything but `signin_session` (and the audit stream's own
  INSERT of a refused read) (see `_reads_never_write`).
"""

import os
import re
import shutil
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import pytest
from django.db import connection, connections

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CI = os.environ.get("CI", "").lower() == "true"


def pytest_report_header(config: pytest.Config) -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    return f"database: {db['ENGINE'].rsplit('.', 1)[-1]} ({db.get('HOST') or db['NAME']})"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if CI and not on_postgres:
        # CI runs the suite on PostgreSQL first, where these must pass; on the SQLite run they
        # are set aside explicitly rather than skipped, so a skip always means something broke.
        postgres_only = [i for i in items if i.get_closest_marker("postgres")]
        if postgres_only:
            config.hook.pytest_deselected(items=postgres_only)
            items[:] = [i for i in items if not i.get_closest_marker("postgres")]
    any_browser = False
    for item in items:
        if "page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
        if item.get_closest_marker("browser"):
            any_browser = True
    if any_browser:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    guarded = item.get_closest_marker("browser") or item.get_closest_marker("postgres")
    if CI and report.skipped and guarded:
        report.outcome = "failed"
        report.longrepr = f"Under CI=true this test must run, but it was skipped: {report.longrepr}"


@pytest.fixture(autouse=True)
def _require_postgres(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture(autouse=True)
def _fresh_table_sizes() -> None:
    """Each test's grids see its own tables' statistics, not a size or an estimate kept from an
    earlier test (`backoffice.counting` keeps the planner's answers a minute)."""
    from backoffice.counting import forget_planner_answers

    forget_planner_answers()


@pytest.fixture
def grid_statistics_from_this_test(db: None) -> None:
    """The grids' tables analyzed empty before the test, on PostgreSQL: `ANALYZE` writes a
    table's row count outside the test's transaction, so an earlier test's analyzed rows would
    make the planner estimate a total this test expects counted exactly."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE orders_order, payments_transaction")


@pytest.fixture(scope="module")
def module_rows(django_db_setup: None, django_db_blocker: Any) -> Any:
    """A transaction kept open for the whole module and rolled back after it. A module fixture
    that depends on this writes its rows once for all of the module's tests (not one test
    each: the URL walk's world, the admin's demo data); each test's own transaction nests
    inside as a savepoint, so what a test writes still goes at its end. Not for a module with
    `transaction=True` tests."""
    from django.db import transaction

    kept = transaction.atomic()
    # Marked as TestCase marks its class-wide transaction, so that the services' durable
    # blocks (money writes) may run inside it as they do inside a test's.
    kept._from_testcase = True
    with django_db_blocker.unblock(), kept:
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="session", autouse=True)
def _transactional_tests_empty_only_what_they_filled(
    django_db_setup: None, django_db_blocker: Any
) -> Any:
    """On PostgreSQL a `transaction=True` test ends by emptying the tables it filled, not by
    truncating all of them (tests/fast_teardown.py: ~0.5 s a test)."""
    from django.test import TransactionTestCase

    from tests.fast_teardown import faster_fixture_teardown

    original = TransactionTestCase._fixture_teardown
    with django_db_blocker.unblock():
        TransactionTestCase._fixture_teardown = faster_fixture_teardown(original)  # type: ignore[method-assign]
    yield
    TransactionTestCase._fixture_teardown = original  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


@pytest.fixture
def viewer(client):
    """A staff member who may only view orders, logged in on the test client."""
    from tests.orders.view_helpers import staff_user  # models load once Django is set up

    user = staff_user("view_orders", username="viewer")
    client.force_login(user)
    return user


# ---- Two-factor sign-in -------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _force_login_is_two_factor(monkeypatch: pytest.MonkeyPatch) -> None:
    """`client.force_login(user)` signs in as both factors would: the user gets the test
    authenticator app (tests/signin_helpers.py) and the session is verified by it, signed in
    and second factor given now. Tests of the sign-in itself go through the real pages."""
    from django.test.client import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from backoffice.signin import session as signin_session
    from tests.signin_helpers import totp_device

    original: Callable[..., Any] = Client.force_login

    def force_login(self: Client, user: Any, backend: str | None = None) -> None:
        device = totp_device(user)
        original(self, user, backend or "backoffice.signin.request_reads.SignedInUserBackend")
        stored = self.session
        stored[DEVICE_ID_SESSION_KEY] = device.persistent_id
        at = signin_session.now()
        for key in (signin_session.SIGNED_IN_AT, signin_session.LAST_SEEN):
            stored[key] = at
        stored[signin_session.FACTOR_AT] = at
        stored.save()

    monkeypatch.setattr(Client, "force_login", force_login)


# ---- Reads never write ------------------------------------------------------------------------

# The statement's first keyword, or a data-modifying statement inside a `WITH …` (PostgreSQL).
_WRITE = re.compile(
    r"^\s*(?:INSERT|UPDATE|DELETE|REPLACE|MERGE|TRUNCATE|UPSERT)\b"
    r"|^\s*WITH\b.*?(?<!FOR\s)\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\b",
    re.IGNORECASE | re.DOTALL,
)
# Session bookkeeping, not domain data: the session middleware saves a session a GET modified
# (reading the messages framework's queue consumes it, for one). The audit stream records a
# signed-in user's refused read (a 403, another store's 404): an insert of its own, never an
# UPDATE or DELETE of anything. An API token's `last_used_at` is bookkeeping like the session's
# (api/tokens.py, at most once a minute; the audit stream has every use).
_ALLOWED_TABLES = re.compile(
    r"^\s*(?:(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\W?signin_session\b"
    r"|UPDATE\s+\W?api_apitoken\W?\s+SET\s+\W?last_used_at\W?\s*=\s*%s\s+WHERE"
    r"|INSERT\s+INTO\s+\W?audit_auditevent\b)",
    re.I,
)
_READS = {"GET", "HEAD"}


def _writes_of(sql: str) -> bool:
    return bool(_WRITE.search(sql)) and not _ALLOWED_TABLES.search(sql)


@pytest.fixture(autouse=True)
def _reads_never_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test when a GET or HEAD request of the test client writes domain data.

    `Client.request` (every method, redirects followed after a POST included) is wrapped: for
    a GET or HEAD, every database connection of this thread gets an execute wrapper for the
    time of the request that records each INSERT/UPDATE/DELETE statement (not on
    `signin_session`); the statement still runs, so the view behaves as it would, and the test
    fails once the response is back, naming the URL and the SQL. Logging in (`client.login`,
    `force_login`) writes outside any request and is not concerned.
    """
    from django.test.client import Client

    original: Callable[..., Any] = Client.request

    def request(self: Client, **environ: Any) -> Any:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        if method not in _READS:
            return original(self, **environ)
        writes: list[str] = []

        def record(execute, sql, params, many, context):
            if _writes_of(sql):
                writes.append(sql if not params or many else f"{sql} -- params {params!r}")
            return execute(sql, params, many, context)

        with ExitStack() as stack:
            for conn in connections.all():
                stack.enter_context(conn.execute_wrapper(record))
            response = original(self, **environ)
        if writes:
            query = environ.get("QUERY_STRING")
            url = environ.get("PATH_INFO", "?") + (f"?{query}" if query else "")
            listed = "\n".join(f"  {sql}" for sql in writes)
            pytest.fail(
                f"{method} {url} wrote to the database ({len(writes)} statement(s)); reads "
                f"must never write:\n{listed}",
            )
        return response

    monkeypatch.setattr(Client, "request", request)
