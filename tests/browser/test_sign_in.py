"""Issue 16 in a browser: the first sign-in enrols an authenticator app (QR code drawn under the
strict CSP), signing out, and signing in again with the app's code."""

import re

import pytest
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from tests.browser.helpers import PASSWORD, collect_errors, shot
from tests.orders.view_helpers import staff_user
from tests.signin_helpers import totp_code

pytestmark = pytest.mark.django_db(transaction=True)


def password(page: Page, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_enrol_a_factor_sign_out_and_sign_in_with_it(page: Page, live_server, shots):
    staff_user("view_orders", username="newcomer")
    errors = collect_errors(page)
    page.goto(f"{live_server.url}/")
    password(page, "newcomer")

    expect(page).to_have_url(re.compile(r"/accounts/login/enrol/$"))
    expect(page.get_by_role("heading", name="Set up your second factor")).to_be_visible()
    expect(page.locator(".enrol__qr svg")).to_be_visible()
    shot(page, shots, "enrol")
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    from base64 import b32decode

    key = b32decode(secret).hex()
    page.get_by_label("Code").fill(totp_code(key))
    page.get_by_role("button", name="Verify and sign in").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()

    page.locator(".user-menu__button").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    password(page, "newcomer")
    expect(page).to_have_url(re.compile(r"/accounts/login/code/$"))
    user = get_user_model().objects.get(username="newcomer")
    TOTPDevice.objects.filter(user=user).update(last_t=-1)  # the same 30 s step as enrolling
    page.get_by_label("Code").fill(totp_code(key))
    page.get_by_role("button", name="Verify").click()

    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    assert errors == []


@pytest.fixture
def shots():
    import os

    return os.environ.get("SHOTS_DIR")
