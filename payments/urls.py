from django.urls import path

from payments.views import detail, export, listing

app_name = "payments"

urlpatterns = [
    path("", listing.transaction_list, name="transaction_list"),
    path("export.csv", export.transaction_export, name="transaction_export"),
    path("<uuid:uuid>/", detail.transaction_detail, name="transaction_detail"),
]
