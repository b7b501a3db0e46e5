"""`/api/`: version 1 of the storefront API (token-authenticated, no session, no CSRF) and the
managers' token page (a session page like any other)."""

from django.urls import path

from api import views
from api.v1 import api

urlpatterns = [
    path("v1/", api.urls),
    path("tokens/", views.api_tokens, name="api_tokens"),
    path("tokens/<int:token_id>/revoke/", views.api_token_revoke_view, name="api_token_revoke"),
]
