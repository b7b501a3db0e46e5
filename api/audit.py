"""Every API request in the audit stream: one `api_request` row each, whatever its answer."""

from typing import Any

from django.http import HttpRequest

from api.models import ApiToken
from backoffice.audit.events import API_REQUEST, record_event
from backoffice.audit.models import AuditOutcome

OUTCOMES = {401: AuditOutcome.DENIED, 403: AuditOutcome.DENIED}


def api_request_record(
    request: HttpRequest,
    *,
    status: int,
    token: ApiToken | None,
    message: str,
    order_number: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Success below 400, denied for 401/403, failed for the rest (400, 404, 409)."""
    outcome = AuditOutcome.SUCCESS if status < 400 else OUTCOMES.get(status, AuditOutcome.FAILED)
    record_event(
        type=API_REQUEST,
        request=request,
        user_label=token.label if token is not None else "api:(no valid token)",
        outcome=outcome,
        obj=token,
        store_code=token.store.code if token is not None else "",
        order_number=order_number[:32],
        message=message,
        details={"status": status, "method": request.method, **(details or {})},
    )
