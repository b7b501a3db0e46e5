"""The webhook inbox for managers: filter, payload, outcome, Retry."""

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from backoffice.decorators import operation_view, staff_required
from backoffice.errors import DomainError
from backoffice.http import StaffRequest
from backoffice.pagination import page_window
from backoffice.permissions import permission_reason, require_store_perm, stores_with_perm
from payments.gateways.base import WebhookEventType
from payments.inbox import selectors
from payments.inbox.process import inbox_event_retry
from payments.inbox_models import InboundEventStatus

PER_PAGE = 50


class InboxFilterForm(forms.Form):
    gateway = forms.CharField(required=False, max_length=32, label="Gateway")
    store = forms.ChoiceField(required=False, label="Account (store)")
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *InboundEventStatus.choices], label="Status"
    )
    type = forms.ChoiceField(
        required=False,
        choices=[("", "Any type")] + [(t.value, t.value) for t in WebhookEventType],
        label="Type",
    )

    def __init__(self, *args: object, store_codes: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = [("", "Any store")] + [(code, code.upper()) for code in store_codes]
        self.fields["store"].choices = choices  # type: ignore[attr-defined]


def _require_inbox(request: StaffRequest) -> None:
    if not selectors.user_can_read_inbox(user=request.user):
        raise PermissionDenied(permission_reason(selectors.INBOX_PERMISSION))


@staff_required
@require_safe
def inbox_list(request: StaffRequest) -> HttpResponse:
    _require_inbox(request)
    events = selectors.inbound_events_visible(user=request.user)
    stores = stores_with_perm(request.user, selectors.INBOX_PERMISSION)
    codes = list(stores.order_by("code").values_list("code", flat=True))
    form = InboxFilterForm(request.GET or None, store_codes=codes)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.inbound_events_filtered(events, filters=filters)
    window = page_window(rows, page=request.GET.get("page"), per_page=PER_PAGE)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": window, "query": query.urlencode()}
    return render(request, "payments/inbox_list.html", context)


@staff_required
@require_safe
def inbox_event_detail(request: StaffRequest, event_pk: int) -> HttpResponse:
    _require_inbox(request)
    event = selectors.inbound_event_get(user=request.user, pk=event_pk)
    require_store_perm(request.user, selectors.INBOX_PERMISSION, event.account.store)
    context = {
        "event": event,
        "payload": json.dumps(event.payload, indent=2, sort_keys=True),
        "can_retry": event.status != InboundEventStatus.PROCESSED,
    }
    return render(request, "payments/inbox_event.html", context)


@staff_required
@operation_view(selectors.INBOX_PERMISSION)
@require_POST
def inbox_event_retry_view(request: StaffRequest, event_pk: int) -> HttpResponse:
    event = selectors.inbound_event_get(user=request.user, pk=event_pk)
    require_store_perm(request.user, selectors.INBOX_PERMISSION, event.account.store)
    try:
        event = inbox_event_retry(event=event, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        event.refresh_from_db()
        messages.success(request, f"Event {event.event_id}: {event.get_status_display()}.")
    return HttpResponseRedirect(reverse("payments:inbox_event", args=[event.pk]))
