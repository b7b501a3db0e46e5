"""Recording audit events: the only writer of `AuditEvent`.

`record_event` never raises into the caller's work: an audit row that cannot be written is
logged loudly instead (the operation it describes already happened or was refused).
It is written in its own savepoint, so a refused operation's rollback does not take its
"denied" row with it when the caller is not inside a transaction that rolls back.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import DatabaseError, transaction
from django.db.models import Model
from django.http import HttpRequest

from backoffice.audit.models import AuditEvent, AuditOutcome

logger = logging.getLogger("backoffice.audit")

# Event types (what): one vocabulary for the stream and its filter.
SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
LOCKOUT = "lockout"
UNLOCK = "unlock"
MFA_ENROLLED = "mfa_enrolled"
MFA_RESET = "mfa_reset"
SIGN_OUT = "sign_out"
MONEY_OPERATION = "money_operation"
APPROVAL_DECISION = "approval_decision"
DENIED = "denied"
ADMIN_CHANGE = "admin_change"
EXPORT = "export"
ROLE_CHANGE = "role_change"
SETTINGS_CHANGE = "settings_change"
API_REQUEST = "api_request"
WEBHOOK_REJECTED = "webhook_rejected"
ORDER_EDIT = "order_edit"  # an order's lines or shipping changed (orders.services.order_edit)


# The request being answered (set by `AuditRequestMiddleware`), so services that know no
# request still record where an operation came from; and the rows a batch chunk buffers.
_REQUEST: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)
_BUFFER: ContextVar[list[AuditEvent] | None] = ContextVar("audit_buffer", default=None)


class AuditRequestMiddleware:
    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        token = _REQUEST.set(request)
        try:
            return self.get_response(request)
        finally:
            _REQUEST.reset(token)


@contextmanager
def batched() -> Iterator[None]:
    """Buffer the events recorded inside and insert them in one statement at the end (a batch
    chunk's fixed number of queries). Nested: the outermost block inserts."""
    if _BUFFER.get() is not None:
        yield
        return
    rows: list[AuditEvent] = []
    token = _BUFFER.set(rows)
    try:
        yield
    finally:
        _BUFFER.reset(token)
    if rows:
        AuditEvent.objects.bulk_create(rows)


def client_ip(request: HttpRequest | None) -> str | None:
    # REMOTE_ADDR only: a forwarded header is the client's own claim unless a trusted proxy
    # in front of the app sets it (then configure the proxy to pass the client's address).
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _user_of(
    request: HttpRequest | None, user: AbstractBaseUser | AnonymousUser | None
) -> AbstractBaseUser | None:
    candidate = user if user is not None else getattr(request, "user", None)
    if candidate is None or not candidate.is_authenticated:
        return None
    return candidate  # type: ignore[return-value]


def record_event(
    *,
    type: str,
    request: HttpRequest | None = None,
    user: AbstractBaseUser | AnonymousUser | None = None,
    user_label: str = "",
    outcome: str = AuditOutcome.SUCCESS,
    obj: Model | None = None,
    store_code: str = "",
    order_number: str = "",
    message: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent | None:
    """One row of the audit stream. `user` defaults to the request's signed-in user;
    `user_label` names who tried when nobody is signed in (a failed sign-in's username)."""
    request = request if request is not None else _REQUEST.get()
    who = _user_of(request, user)
    label = who.get_username() if who is not None else user_label
    row = AuditEvent(
        user_id=who.pk if who is not None else None,
        user_label=label[:150],
        type=type,
        outcome=outcome,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_label=str(obj)[:200] if obj is not None else "",
        store_code=store_code,
        order_number=order_number,
        ip=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request else "")[:300],
        path=(request.path if request else "")[:300],
        message=message,
        details=details or {},
    )
    buffer = _BUFFER.get()
    if buffer is not None:
        buffer.append(row)
        return row
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except DatabaseError:
        logger.exception("audit event not written: %s %s %s", type, outcome, label)
        return None
    return row
