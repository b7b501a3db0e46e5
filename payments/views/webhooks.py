"""`POST /webhooks/<gateway>/<account code>/`: the PSPs' door into the inbox.

Not a staff page: no session, no CSRF token (the PSP signs instead). The adapter verifies the
signature first; a bad one answers 400, stores nothing and is audited; a good one is stored
raw before the 200 (`payments.inbox.receive`), and processed by a background task.
"""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from backoffice.audit.events import WEBHOOK_REJECTED, record_event
from backoffice.audit.models import AuditOutcome
from payments.inbox.receive import UnknownAccount, WebhookRejected, inbox_receive


@csrf_exempt
@require_POST
def webhook_receive(request: HttpRequest, gateway: str, account_code: str) -> JsonResponse:
    try:
        received = inbox_receive(
            gateway=gateway, account_code=account_code, headers=request.headers, body=request.body
        )
    except UnknownAccount as error:
        _audit_rejected(request, gateway, account_code, str(error))
        return JsonResponse({"error": str(error)}, status=404)
    except WebhookRejected as error:
        _audit_rejected(request, gateway, account_code, str(error))
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse(
        {
            "received": [event.event_id for event in received.stored],
            "duplicates": received.duplicates,
        }
    )


def _audit_rejected(request: HttpRequest, gateway: str, account_code: str, reason: str) -> None:
    record_event(
        type=WEBHOOK_REJECTED,
        request=request,
        user_label=f"{gateway} webhook",
        outcome=AuditOutcome.DENIED,
        store_code=account_code[:32],
        message=f"Webhook from {gateway} for store {account_code} rejected: {reason}",
        details={"gateway": gateway, "account": account_code, "reason": reason},
    )
