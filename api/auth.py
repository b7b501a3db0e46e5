"""`Authorization: Bearer <token>`: a store's live API token, or 401 (audited)."""

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from api.audit import api_request_record
from api.models import ApiToken
from api.tokens import api_token_find, api_token_mark_used


class StoreToken(HttpBearer):
    """Authenticates a request as one store's token; `request.auth` is the ApiToken."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.headers.get(self.header, "").lower().startswith(f"{self.openapi_scheme} "):
            self._refuse(request, None, "No bearer token.")
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        row = api_token_find(token.strip())
        if row is None:
            self._refuse(request, None, "Unknown API token.")
            return None
        if row.is_revoked:
            self._refuse(request, row, "Revoked API token.")
            return None
        api_token_mark_used(token=row)
        return row

    @staticmethod
    def _refuse(request: HttpRequest, token: ApiToken | None, message: str) -> None:
        api_request_record(request, status=401, token=token, message=message)
