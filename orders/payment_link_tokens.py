"""A payment link's token: `<id>.<nonce>` signed with the project's secret (django.core.signing).

Signed rather than random-and-hashed so that staff can copy a link again whenever they look
at it (the URL is rebuilt from the row; a hash could only be shown once); a forged or altered
token fails the signature before any query. The nonce, random per link, is checked against
the row, so a token never names another link. Rotating SECRET_KEY (without keeping the old one
in SECRET_KEY_FALLBACKS) ends every link, which is the safe side. Whether a link still works
is the row's business (PaymentLink: revoked, expired, paid, outdated).
"""

import secrets

from django.conf import settings
from django.core import signing
from django.urls import reverse

from orders.models import PaymentLink

SALT = "orders.payment_link"


def new_nonce() -> str:
    return secrets.token_urlsafe(12)


def link_token(link: PaymentLink) -> str:
    return signing.Signer(salt=SALT).sign(f"{link.pk}.{link.nonce}")


def read_token(token: str) -> tuple[int, str] | None:
    """(link id, nonce) of a well-signed token; None for anything else."""
    try:
        value = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    pk, _, nonce = value.partition(".")
    if not pk.isdigit() or not nonce:
        return None
    return int(pk), nonce


def link_path(link: PaymentLink) -> str:
    return reverse("pay:page", kwargs={"token": link_token(link)})


def link_url(link: PaymentLink, *, fallback_base: str = "") -> str:
    """The public URL: `PAYMENT_LINK_BASE_URL` (the host serving /pay/ only) or, unset, the
    base the caller knows (the request's own host)."""
    base = settings.PAYMENT_LINK_BASE_URL or fallback_base.rstrip("/")
    return f"{base}{link_path(link)}"
