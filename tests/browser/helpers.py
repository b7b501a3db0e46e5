"""Shared steps for browser tests: signing in through the login page, dialogs, screenshots."""

import os
import re

from django.contrib.auth import get_user_model
from django.db import connection
from playwright.sync_api import Page, expect

from tests.signin_helpers import fresh_code, totp_device

PASSWORD = "pass-1234"  # every test user's password (tests/factories.py)


def collect_errors(page: Page) -> list[str]:
    """Page errors and console errors, filled in as the test runs; assert it stays empty."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


def sign_in(page: Page, live_server, username: str, path: str) -> list[str]:
    """Open `path`, sign in on the login page it redirects to: the password, then the Code of
    the user's test authenticator app (tests/signin_helpers.py), and wait for `path` to have
    loaded; the page's errors so far."""
    errors = collect_errors(page)
    user = get_user_model().objects.get(username=username)
    totp_device(user)
    page.goto(f"{live_server.url}{path}")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/code/$"))
    page.get_by_label("Code").fill(fresh_code(user))
    connection.close()  # as the tests do: the live server thread uses its own
    page.get_by_role("button", name="Verify").click()
    # The page it leads to, with its scripts run: htmx wires the operation buttons when the
    # document has loaded, and a click before that followed the link's href instead of
    # opening the dialog (a CI run under load: the Capture page itself, no dialog).
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    page.wait_for_load_state("load")
    return errors


def sign_in_to_order(page: Page, live_server, username: str, order) -> list[str]:
    """Sign in on the way to `order`'s page and wait for it; the page's errors so far."""
    errors = sign_in(page, live_server, username, order.get_absolute_url())
    expect(page.get_by_role("heading", name=f"Order #{order.number}", level=1)).to_be_visible()
    return errors


def settled(page: Page) -> None:
    """No htmx request in flight, nothing being swapped or settled: content swapped in is wired
    (typing before goes unheard), and no late response will replace what the test clicks next
    (a search's rows clicked while its response was on the way: the click was lost)."""
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


def confirm_dialog(page: Page, button: str) -> None:
    dialog = page.locator("dialog.confirm-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name=button).click()
    expect(dialog).to_be_hidden()


def shot(page: Page, folder: str | None, name: str) -> None:
    """Save a full-page screenshot into `folder` for review (nothing when it is unset)."""
    if folder:
        # caret="initial": hiding the caret injects a style, which the strict CSP reports.
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True, caret="initial")
