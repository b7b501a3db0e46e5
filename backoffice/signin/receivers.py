"""The audit row of a lockout: django-axes says when a username or an address locks."""

from typing import Any

from axes.signals import user_locked_out
from django.dispatch import receiver

from backoffice.audit.events import LOCKOUT, record_event


@receiver(user_locked_out, dispatch_uid="backoffice.signin.lockout_audit")
def _record_lockout(sender: object, request: Any = None, **kwargs: Any) -> None:
    username = str(kwargs.get("username") or "")
    record_event(
        type=LOCKOUT,
        request=request,
        user_label=username,
        outcome="denied",
        message="Sign-in locked for 30 minutes after 10 failed attempts.",
        details={"username": username, "ip_address": kwargs.get("ip_address")},
    )
