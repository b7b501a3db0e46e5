from django.contrib import admin
from django.urls import include, path

from backoffice import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("orders/", include("orders.urls")),
    path("transactions/", include("payments.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
