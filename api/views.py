"""The managers' API tokens page: a store's tokens and Revoke (creating one is
`manage.py create_api_token`, which prints the token once)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from api.models import ApiToken
from api.tokens import api_token_revoke
from backoffice.decorators import operation_view, staff_required
from backoffice.http import StaffRequest
from backoffice.permissions import (
    permission_reason,
    require_store_perm,
    stores_with_perm,
    visible_store_ids,
)

PERMISSION = "manage_staff"


@staff_required
@require_safe
def api_tokens(request: StaffRequest) -> HttpResponse:
    stores = stores_with_perm(request.user, PERMISSION)
    if not stores.exists():
        raise PermissionDenied(permission_reason(PERMISSION))
    tokens = ApiToken.objects.filter(store__in=stores).select_related("store", "created_by")
    return render(request, "api/tokens.html", {"tokens": tokens})


@staff_required
@operation_view(PERMISSION)
@require_POST
def api_token_revoke_view(request: StaffRequest, token_id: int) -> HttpResponse:
    token = (
        ApiToken.objects.filter(pk=token_id, store__in=visible_store_ids(request.user))
        .select_related("store")
        .first()
    )
    if token is None:
        raise Http404("No such API token in your stores.")
    require_store_perm(request.user, PERMISSION, token.store)
    if api_token_revoke(token=token, user=request.user):
        messages.success(request, f"API token {token.name} is revoked: it no longer works.")
    else:
        messages.info(request, f"API token {token.name} was already revoked.")
    return redirect("api_tokens")
