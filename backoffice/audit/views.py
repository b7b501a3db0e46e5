"""The audit stream for managers: a filtered list and its CSV export (GET only)."""

from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from backoffice.audit.events import EXPORT, record_event
from backoffice.audit.forms import AuditFilterForm
from backoffice.audit.models import AuditEvent
from backoffice.audit.rows import audit_rows_html
from backoffice.audit.selectors import (
    AUDIT_PERMISSION,
    audit_csv_lines,
    audit_events_filtered,
    audit_events_visible_to,
    can_read_audit,
)
from backoffice.decorators import staff_required
from backoffice.http import StaffRequest
from backoffice.pagination import page_window
from backoffice.permissions import permission_reason, stores_with_perm

PER_PAGE = 50


def _filtered(request: StaffRequest) -> tuple[AuditFilterForm, QuerySet[AuditEvent]]:
    if not can_read_audit(request.user):
        raise PermissionDenied(permission_reason(AUDIT_PERMISSION))
    codes = list(stores_with_perm(request.user, AUDIT_PERMISSION).values_list("code", flat=True))
    form = AuditFilterForm(request.GET or None, store_codes=sorted(codes))
    zone = ZoneInfo(timezone.get_current_timezone_name())
    events = audit_events_filtered(audit_events_visible_to(request.user), form, zone=zone)
    return form, events


@staff_required
@require_safe
def audit_list(request: StaffRequest) -> HttpResponse:
    form, events = _filtered(request)
    # Each event's details (old and new values) are for the export: not read for the page.
    window = page_window(events.defer("details"), page=request.GET.get("page"), per_page=PER_PAGE)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": window,
        "rows": audit_rows_html(window.rows),
        "query": query.urlencode(),
    }
    return render(request, "audit/audit_list.html", context)


@staff_required
@require_safe
def audit_export(request: StaffRequest) -> StreamingHttpResponse:
    _form, events = _filtered(request)
    response = StreamingHttpResponse(audit_csv_lines(events), content_type="text/csv")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    record_event(
        type=EXPORT,
        request=request,
        message="Audit events exported (CSV)",
        details={"filters": request.GET.dict()},
    )
    return response
