"""CSV export of the filtered transaction list, streamed row by row."""

from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from backoffice.audit.events import EXPORT, record_event
from backoffice.decorators import staff_required
from backoffice.http import StaffRequest
from payments import selectors
from payments.export_csv import csv_lines
from payments.filters import TransactionFilter

NO_PERMISSION = "You don't have permission to export transactions."


@staff_required
@require_safe
def transaction_export(request: StaffRequest) -> StreamingHttpResponse:
    if not selectors.user_can_export(user=request.user):
        raise PermissionDenied(NO_PERMISSION)
    filterset = TransactionFilter(
        request.GET,
        queryset=selectors.transactions_exportable(user=request.user),
        user=request.user,
        stores=list(selectors.stores_visible(user=request.user)),
    )
    rows = selectors.transaction_export_rows(filterset.qs)
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="transactions-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    record_event(
        type=EXPORT,
        request=request,
        message="Transactions exported (CSV)",
        details={"filters": request.GET.dict()},
    )
    return response
