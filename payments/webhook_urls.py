"""`/webhooks/<gateway>/<account code>/` (the account code is the store's code: one account per
store and gateway). Included by the project's URLconf outside the staff pages."""

from django.urls import path

from payments.views.webhooks import webhook_receive

urlpatterns = [
    path("<slug:gateway>/<slug:account_code>/", webhook_receive, name="webhook_receive"),
]
