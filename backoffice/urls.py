from django.contrib import admin
from django.urls import include, path

from backoffice import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("money/preview/", views.money_preview, name="money_preview"),
    path("stores/<str:code>/settings/", views.store_settings, name="store_settings"),
    path("orders/", include("orders.urls")),
    path("transactions/", include("payments.urls")),
    path("audit/", include("backoffice.audit.urls")),
    path("reports/", include("payments.report_urls")),
    path("jobs/", include("backoffice.jobs.urls")),  # mass actions, prints, exports
    # The PSPs' webhooks: signed, not a staff page (no session, no CSRF; test_url_guard skips it).
    path("webhooks/", include("payments.webhook_urls")),
    path("api/", include("api.urls")),
    # Payment links: the customer's public page (a signed token, no staff session; the only
    # path besides static/ a public host serves: docs/payment-links.md).
    path("pay/", include("orders.pay_urls")),
    # The signed-in user's own pages: signing in and out, the password, their preferences. They
    # touch no store's data, so no operation permission guards them (tests/backoffice/
    # test_url_guard.py leaves accounts/ aside; test_preferences.py holds this one).
    path(
        "accounts/",
        include(
            [
                path("preferences/", views.preferences, name="preferences"),
                # Saved views of the grids: the person's own, like Preferences.
                path("views/", include("backoffice.saved_views.urls")),
            ]
        ),
    ),
    path("accounts/", include("backoffice.signin.urls")),
    path("admin/", admin.site.urls),
]
