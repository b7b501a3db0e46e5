from django.urls import path

from payments.views import detail, export, inbox, listing
from payments.views.operations import DOORS, transaction_operation

app_name = "payments"

urlpatterns = [
    path("", listing.transaction_list, name="transaction_list"),
    path("export.csv", export.transaction_export, name="transaction_export"),
    path("export.xlsx", export.transaction_export_xlsx, name="transaction_export_xlsx"),
    path("export/job/", export.transaction_export_job, name="transaction_export_job"),
    path("inbox/", inbox.inbox_list, name="inbox"),
    path("inbox/<int:event_pk>/", inbox.inbox_event_detail, name="inbox_event"),
    path("inbox/<int:event_pk>/retry/", inbox.inbox_event_retry_view, name="inbox_event_retry"),
    path("<uuid:uuid>/", detail.transaction_detail, name="transaction_detail"),
    # One URL per operation (GET: the dialog; POST: run it), e.g. /transactions/<uuid>/capture/.
    *[
        path(
            f"<uuid:uuid>/{door.slug}/",
            transaction_operation,
            {"operation": code},
            name=door.url_name.split(":", 1)[1],
        )
        for code, door in DOORS.items()
    ],
]
