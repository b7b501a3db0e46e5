"""The order grid's mass actions: one POST URL each (`orders:mass_<action>`).

Posted from the grid with the ticked rows (or "all N matching") and the grid's query, it
answers the confirmation page ("Capture 53 orders?"), which posts again with `confirm`: the
job is started (`backoffice.jobs`) and the person is sent to its progress page. A person who
holds the action's permission on none of the orders' stores gets a 403; rows of stores where
they lack it are counted on the confirmation page and skipped "not permitted" by the job.
"""

import uuid

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from backoffice.audit.events import EXPORT, record_event
from backoffice.counting import RowCount, count_rows
from backoffice.decorators import operation_view, staff_required
from backoffice.http import StaffRequest
from backoffice.job_models import Job
from backoffice.jobs import notice
from backoffice.jobs.services import job_start
from backoffice.permissions import permission_reason, store_permissions
from orders.mass.actions import MASS_ACTIONS, MassAction
from orders.mass.selection import (
    Selection,
    filter_is_valid,
    matching_orders,
    selected_orders,
)
from orders.models import Order

TEMPLATE = "orders/mass_confirm.html"
NOTHING_SELECTED = "Select at least one order, or all orders matching the filter."
NONE_LEFT = "None of the selected orders is in the list any more: the filter or the orders changed."
FILTER_ERROR = "The list's filter has an error: correct it on the order list, then select again."
NUMBERS_SHOWN = 20


def _permitted(orders: QuerySet[Order], store_ids: list[int] | None) -> QuerySet[Order]:
    return orders if store_ids is None else orders.filter(store_id__in=store_ids)


def _declared(kwargs: dict) -> tuple[str, ...]:
    return MASS_ACTIONS[kwargs["action"]].codenames


@staff_required
@operation_view(from_kwargs=_declared)
@require_POST
def mass_action_view(request: StaffRequest, action: str) -> HttpResponse:
    mass = MASS_ACTIONS[action]
    selection = Selection.from_post(request.POST)
    chosen = bool(selection.numbers) or selection.all_matching
    selected = selected_orders(user=request.user, selection=selection)
    store_ids = mass.store_ids(store_permissions(request.user))
    if store_ids == []:
        raise PermissionDenied(permission_reason(*mass.codenames))
    # Nothing ticked: the grid's rows decide whether the user may act on them at all.
    scope = selected if chosen else matching_orders(user=request.user, selection=selection)
    if scope.exists() and not _permitted(scope, store_ids).exists():
        raise PermissionDenied(permission_reason(*mass.codenames))
    if not chosen:
        return _page(request, mass, selection, error=NOTHING_SELECTED, status=422)
    if selection.all_matching and not filter_is_valid(user=request.user, selection=selection):
        return _page(request, mass, selection, error=FILTER_ERROR, status=422)
    count = count_rows(selected)
    if count.value == 0:
        return _page(request, mass, selection, error=NONE_LEFT, status=422)
    if request.POST.get("confirm") != "1":
        not_permitted = 0 if store_ids is None else selected.exclude(store_id__in=store_ids).count()
        return _page(request, mass, selection, count=count, not_permitted=not_permitted)
    job = _start(request, mass, selection, count)
    notice.watch(request, job)
    return redirect("jobs:detail", job_id=job.pk)


def _start(request: StaffRequest, mass: MassAction, selection: Selection, count: RowCount) -> Job:
    """The job, once per confirmation form (a double submit opens the same job)."""
    form_key = (request.POST.get("form_key") or "")[:64]
    if form_key:
        same = Job.objects.filter(created_by=request.user, params__form_key=form_key).first()
        if same is not None:
            return same
    job = job_start(
        kind=mass.kind,
        user=request.user,
        params={**selection.params(), "form_key": form_key},
        title=mass.title(count),
        total=count.value,
    )
    if mass.makes_file:
        # A file of many orders' data, like the grid's own Export CSV (the money actions'
        # rows are audited by their services, one operation each).
        record_event(
            type=EXPORT,
            request=request,
            obj=job,
            message=f"{job.title} (job {job.pk})",
            details={"query": selection.query, "all_matching": selection.all_matching},
        )
    return job


def _page(
    request: StaffRequest,
    mass: MassAction,
    selection: Selection,
    *,
    error: str = "",
    status: int = 200,
    count: RowCount | None = None,
    not_permitted: int = 0,
) -> HttpResponse:
    back = reverse("orders:list") + (f"?{selection.query}" if selection.query else "")
    context = {
        "mass": mass,
        "selection": selection,
        "numbers_shown": selection.numbers[:NUMBERS_SHOWN],
        "numbers_more": max(0, len(selection.numbers) - NUMBERS_SHOWN),
        "count": count,
        "question": mass.question(count) if count is not None else "",
        "button": mass.button(count) if count is not None else "",
        "not_permitted": not_permitted,
        "error": error,
        "back_url": back,
        "form_key": uuid.uuid4().hex,
    }
    return render(request, TEMPLATE, context, status=status)
