"""Reading the audit stream: who may, and what they see. Nothing here writes."""

import csv
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from backoffice.audit.forms import AuditFilterForm
from backoffice.audit.models import AuditEvent
from backoffice.permissions import store_permissions, stores_with_perm

AUDIT_PERMISSION = "view_audit"
CSV_COLUMNS = (
    "occurred_at",
    "type",
    "outcome",
    "user_label",
    "store_code",
    "order_number",
    "object_type",
    "object_id",
    "object_label",
    "ip",
    "user_agent",
    "path",
    "message",
    "details",
)


def can_read_audit(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active) and (
        user.is_superuser or store_permissions(user).has_anywhere(AUDIT_PERMISSION)
    )


def audit_events_visible_to(user: User | AnonymousUser) -> QuerySet[AuditEvent]:
    """Superusers read everything; a manager reads the events of the stores they audit and
    the events of no store (sign-ins, role changes)."""
    events = AuditEvent.objects.all()
    if user.is_superuser:
        return events
    codes = stores_with_perm(user, AUDIT_PERMISSION).values("code")
    return events.filter(Q(store_code="") | Q(store_code__in=codes))


def _day_start(day: Any, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def audit_events_filtered(
    events: QuerySet[AuditEvent], form: AuditFilterForm, *, zone: ZoneInfo
) -> QuerySet[AuditEvent]:
    """The events the filter form asks for (an invalid form filters nothing it cannot read)."""
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("user"):
        events = events.filter(user_label__iexact=data["user"])
    if data.get("type"):
        events = events.filter(type=data["type"])
    if data.get("outcome"):
        events = events.filter(outcome=data["outcome"])
    if data.get("store"):
        events = events.filter(store_code=data["store"])
    if data.get("order"):
        events = events.filter(order_number=data["order"])
    if data.get("date_from"):
        events = events.filter(occurred_at__gte=_day_start(data["date_from"], zone))
    if data.get("date_to"):
        end = _day_start(data["date_to"], zone) + timedelta(days=1)
        events = events.filter(occurred_at__lt=end)
    return events.order_by("-occurred_at", "-id")


class _Echo:
    def write(self, value: str) -> str:
        return value


def audit_csv_lines(events: QuerySet[AuditEvent]) -> Iterator[str]:
    """The CSV export, streamed from the database (flat memory whatever the number of rows)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for event in events.iterator(chunk_size=2000):
        row = [getattr(event, column) for column in CSV_COLUMNS]
        row[0] = event.occurred_at.isoformat()
        yield writer.writerow(["" if value is None else value for value in row])
