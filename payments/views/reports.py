"""The money report: /reports/ (view_orders on the stores in scope) and its CSV (export_data).

Days are each store's calendar days (`payments.reports`); the page says so.
"""

import csv
from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from backoffice.audit.events import EXPORT, record_event
from backoffice.decorators import staff_required
from backoffice.http import StaffRequest
from backoffice.models import Store
from backoffice.permissions import store_permissions
from payments import selectors
from payments.report_forms import MAX_DAYS, MoneyReportForm
from payments.report_rows import report_rows_html
from payments.reports import COLUMNS, money_report, report_csv_rows

NO_STORE = "You don't have permission to view orders in any store."
NO_EXPORT = "You don't have permission to export in these stores."


def _form(request: StaffRequest, stores: list[Store]) -> MoneyReportForm:
    if not stores:
        raise PermissionDenied(NO_STORE)
    return MoneyReportForm.of_query(request.GET, stores=stores, today=timezone.localdate())


def _page(request: StaffRequest, form: MoneyReportForm, *, status: int = 200) -> HttpResponse:
    report = money_report(stores=form.chosen_stores(), **_range(form)) if form.is_valid() else None
    perms = store_permissions(request.user)
    return render(
        request,
        "reports/money.html",
        {
            "form": form,
            "report": report,
            "report_rows": report_rows_html(report.rows) if report else "",
            "columns": COLUMNS,
            "max_days": MAX_DAYS,
            "can_export": any(perms.has("export_data", store) for store in form.stores),
        },
        status=status,
    )


def _range(form: MoneyReportForm) -> dict[str, date]:
    return {"first": form.cleaned_data["start"], "last": form.cleaned_data["end"]}


@staff_required
@require_safe
def money_report_view(request: StaffRequest) -> HttpResponse:
    stores = list(selectors.stores_visible(user=request.user))
    return _page(request, _form(request, stores))


@staff_required
@require_safe
def money_report_csv(request: StaffRequest) -> HttpResponse:
    """The rows of the stores where the user may both view and export; the page with its
    errors (400) when the range is not valid."""
    perms = store_permissions(request.user)
    visible = list(selectors.stores_visible(user=request.user))
    stores = [store for store in visible if perms.has("export_data", store)]
    if not stores:
        raise PermissionDenied(NO_EXPORT)
    form = _form(request, stores)
    if not form.is_valid():
        return _page(request, form, status=400)
    report = money_report(stores=form.chosen_stores(), **_range(form))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    csv.writer(response).writerows(report_csv_rows(report))
    first, last = report.first.isoformat(), report.last.isoformat()
    response["Content-Disposition"] = f'attachment; filename="money-{first}-to-{last}.csv"'
    response["Cache-Control"] = "no-store"
    record_event(
        type=EXPORT,
        request=request,
        message=f"Money report exported (CSV, {first} to {last})",
        details={"filters": request.GET.dict()},
    )
    return response
