"""Export CSV of the order grid: the filtered orders, the person's columns, streamed."""

from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from backoffice.audit.events import EXPORT, record_event
from backoffice.decorators import staff_required
from backoffice.grids import COLUMNS_PARAM
from backoffice.http import StaffRequest
from orders import list_selectors
from orders.exports import EXPORT_PERMISSION, order_csv_lines

NO_PERMISSION = "You don't have permission to export orders."
CHUNK = 2000


@staff_required
@require_safe
def order_export(request: StaffRequest) -> StreamingHttpResponse:
    """Only the orders of stores where the person holds Export (403 when none)."""
    orders = list_selectors.orders_for_export(
        user=request.user, params=request.GET, codename=EXPORT_PERMISSION
    )
    if orders is None:
        raise PermissionDenied(NO_PERMISSION)
    lines = order_csv_lines(
        orders.iterator(chunk_size=CHUNK), columns=request.GET.getlist(COLUMNS_PARAM)
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="orders-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    record_event(
        type=EXPORT,
        request=request,
        message="Orders exported (CSV)",
        details={"filters": request.GET.dict()},
    )
    return response
