"""Creating, finding and revoking API tokens (the only writers of `ApiToken`).

A token reads `bo_<prefix>_<secret>`: 8 hex characters naming it in lists and 43 URL-safe
characters of a 32-byte secret. Only the SHA-256 digest of the whole token is stored; the token
itself is shown once, when it is created.
"""

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from api.models import ApiToken
from backoffice.audit.events import SETTINGS_CHANGE, record_event
from backoffice.models import Store

TOKEN_RE = re.compile(r"^bo_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$")
# `last_used_at` is bookkeeping for the token list, not the record of use (the audit stream
# has every request): written at most once a minute per token.
LAST_USED_EVERY = timedelta(minutes=1)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(
    *, store: Store, name: str, created_by: User | None = None
) -> tuple[ApiToken, str]:
    """A new token for `store`: the row and the token itself (never stored, shown once)."""
    prefix = secrets.token_hex(4)
    while ApiToken.objects.filter(prefix=prefix).exists():  # 1 in 4 billion
        prefix = secrets.token_hex(4)
    token = f"bo_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiToken.objects.create(
        store=store,
        name=name,
        prefix=prefix,
        digest=token_digest(token),
        created_by=created_by,
    )
    record_event(
        type=SETTINGS_CHANGE,
        user=created_by,
        user_label="" if created_by else "manage.py create_api_token",
        obj=row,
        store_code=store.code,
        message=f"API token {name!r} created ({prefix}…).",
    )
    return row, token


def api_token_find(token: str) -> ApiToken | None:
    """The token row `token` is (revoked or not), or None."""
    if not TOKEN_RE.match(token):
        return None
    digest = token_digest(token)
    row = ApiToken.objects.select_related("store").filter(digest=digest).first()
    if row is None or not hmac.compare_digest(row.digest, digest):
        return None
    return row


def api_token_mark_used(*, token: ApiToken) -> None:
    """Note when a token was last used (at most once a minute: see LAST_USED_EVERY)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def api_token_revoke(*, token: ApiToken, user: User) -> bool:
    """Revoke `token` now; False when it already was (nothing changes)."""
    now = timezone.now()
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=user
    )
    if not updated:
        return False
    token.revoked_at = now
    record_event(
        type=SETTINGS_CHANGE,
        user=user,
        obj=token,
        store_code=token.store.code,
        message=f"API token {token.name!r} revoked ({token.prefix}…).",
    )
    return True
