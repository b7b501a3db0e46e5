"""/reports/: the money report (by day × store × type) and its CSV."""

from django.urls import path

from payments.views import reports

app_name = "reports"

urlpatterns = [
    path("", reports.money_report_view, name="money"),
    path("money.csv", reports.money_report_csv, name="money_csv"),
]
