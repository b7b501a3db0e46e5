from django.urls import path

from payments.views import transaction_pages

app_name = "payments"

urlpatterns = [
    path("", transaction_pages.transaction_list, name="transaction_list"),
    path("<uuid:uuid>/", transaction_pages.transaction_detail, name="transaction_detail"),
]
