"""Denied attempts are visible (issue 15): every refused write is logged with who, from where,
what and why, in one structured line on the `backoffice.denied` logger (and in the audit
stream once it exists).

A refused write is a POST, PUT, PATCH or DELETE answered 403, 404, 409 or 422: a missing
permission, another store's object, an operation no longer available, bad input; a refused read
is a signed-in user's GET answered 403 or 404 (a probe of another store's order). The reason is
the exception's message, or what the view noted with `note_denied`, or the status phrase.
"""

import logging
from collections.abc import Callable
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse

from backoffice.audit.events import DENIED, client_ip, record_event
from backoffice.audit.models import AuditOutcome

logger = logging.getLogger("backoffice.denied")
REFUSED = frozenset({403, 404, 409, 422})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_REASON = "_backoffice_denied_reason"


def note_denied(request: HttpRequest, reason: str) -> None:
    """Why the view refuses this request, for the denied-attempt log line."""
    setattr(request, _REASON, reason)


class DeniedRequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code in REFUSED and self._worth_recording(request, response):
            self._log(request, response.status_code)
        return response

    @staticmethod
    def _worth_recording(request: HttpRequest, response: HttpResponse) -> bool:
        """Every refused write; a refused read only when a signed-in user probes something
        they may not see (403, another store's 404), not a stranger's 404 for a typo."""
        if request.method not in SAFE_METHODS:
            return True
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        return signed_in and response.status_code in {403, 404}

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        # PermissionDenied and Http404 become 403 / 404 later: keep their message as the reason.
        if not hasattr(request, _REASON) and str(exception):
            note_denied(request, str(exception))

    def _log(self, request: HttpRequest, status: int) -> None:
        user = getattr(request, "user", None)
        username = user.get_username() if user is not None and user.is_authenticated else ""
        reason = getattr(request, _REASON, "") or HTTPStatus(status).phrase
        record_event(
            type=DENIED,
            request=request,
            outcome=AuditOutcome.DENIED,
            message=reason,
            details={"status": status, "method": request.method},
        )
        logger.warning(
            "denied %s %s %s user=%s ip=%s reason=%s",
            status,
            request.method,
            request.path,
            username or "-",
            client_ip(request) or "-",
            reason,
            extra={
                "status": status,
                "method": request.method,
                "path": request.path,
                "user": username,
                "ip": client_ip(request) or "",
                "reason": reason,
            },
        )
