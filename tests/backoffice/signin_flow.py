"""Signing in through the real pages on the test client: password, then the Code."""

from django.urls import reverse

from tests.signin_helpers import fresh_code

PASSWORD = "pass-1234"  # tests/factories.py


def password_step(client, username: str, password: str = PASSWORD, ip: str = "127.0.0.1"):
    data = {"username": username, "password": password}
    return client.post(reverse("login"), data, REMOTE_ADDR=ip)


def code_step(client, code: str, ip: str = "127.0.0.1"):
    return client.post(reverse("sign_in_code"), {"code": code}, REMOTE_ADDR=ip)


def sign_in(client, user, password: str = PASSWORD):
    """Both steps with the user's test authenticator app; the code step's response."""
    response = password_step(client, user.username, password)
    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"] == reverse("sign_in_code")
    return code_step(client, fresh_code(user))
