"""Version 1 of the storefront API: `/api/v1/orders/`, its OpenAPI schema and its docs.

Views stay thin: the token (api.auth), one selector or one service (api.intake), the answer
(api.present) and one audit row per request (api.audit). Errors are JSON with a `detail` and,
for invalid input, `errors` per field path.
"""

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Query, Schema, Status, Swagger
from ninja.errors import AuthenticationError, ValidationError
from pydantic import Field

from api.audit import api_request_record
from api.auth import StoreToken
from api.intake import Submission, api_order_submit
from api.models import ApiToken
from api.openapi_body import ORDER_BODY
from api.present import order_out
from api.schemas import ConflictOut, ErrorOut, OrderOut, OrderPage
from api.selectors import MAX_LIMIT, BadCursor, Cursor, order_for_api, orders_page
from orders.importing.fields import FieldError

api = NinjaAPI(
    title="Back office storefront API",
    version="1",
    description="Orders from the storefront, in the import format (README, Storefront API). "
    "Authenticate with a store's token: `Authorization: Bearer <token>` "
    "(`manage.py create_api_token --store CODE --name NAME`).",
    urls_namespace="api-v1",
    openapi_url="/schema/",
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs/",
    auth=StoreToken(),
)


def _errors(errors: list[FieldError]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for error in errors:
        grouped.setdefault(error.path, []).append(error.message)
    return grouped


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    detail = "A valid API token is required: Authorization: Bearer <token>."
    response = api.create_response(request, {"detail": detail}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(ValidationError)
def invalid_parameters(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A query parameter that does not parse: 400 with its name, like the body's errors."""
    errors = [
        FieldError(".".join(str(part) for part in e.get("loc", ())[1:]), str(e.get("msg", "")))
        for e in exc.errors
    ]
    auth = getattr(request, "auth", None)
    token = auth if isinstance(auth, ApiToken) else None
    api_request_record(request, status=400, token=token, message="Invalid parameters.")
    body = {"detail": "Invalid parameters.", "errors": _errors(errors)}
    return api.create_response(request, body, status=400)


RESPONSES_POST: dict[int, Any] = {
    201: OrderOut,
    200: OrderOut,
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    409: ConflictOut,
}


@api.post(
    "/orders/",
    response=RESPONSES_POST,
    url_name="orders",
    summary="Send one order",
    description="201 created; 200 the same order again (nothing changes); 409 the number "
    "exists with other content; 400 invalid (errors per field path); 403 another store's order.",
    openapi_extra=ORDER_BODY,
)
def order_create(request: HttpRequest) -> Status[Any]:
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    try:
        data = json.loads(request.body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        api_request_record(request, status=400, token=token, message="The body is not JSON.")
        errors = _errors([FieldError("", f"invalid JSON: {exc}")])
        return Status(400, {"detail": "The body is not JSON.", "errors": errors})
    submission = api_order_submit(token=token, data=data)
    status, body = _answer(request, token, submission)
    api_request_record(
        request,
        status=status,
        token=token,
        order_number=submission.number,
        message=body["detail"] if isinstance(body, dict) else SUCCESS_MESSAGES[status],
        details={"errors": body["errors"]} if status == 400 else None,
    )
    return Status(status, body)


SUCCESS_MESSAGES = {201: "Order created.", 200: "Order already stored, unchanged."}


def _answer(request: HttpRequest, token: ApiToken, submission: Submission) -> tuple[int, Any]:
    status, number = submission.status, submission.number
    if status == 403:
        return status, {"detail": f"This token only sends orders of store {token.store.code}."}
    if status == 400:
        return status, {"detail": "The order is invalid.", "errors": _errors(submission.errors)}
    if status == 409:
        return status, {
            "detail": f"Order {number} already exists with other content.",
            "number": number,
            "differences": submission.differences,
        }
    assert submission.order is not None
    return status, order_out(request, submission.order)


@api.get(
    "/orders/{number}/",
    response={200: OrderOut, 401: ErrorOut, 404: ErrorOut},
    url_name="order_detail",
    summary="One order: payment status, amounts, payments",
)
def order_detail(request: HttpRequest, number: str) -> Status[Any]:
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    order = order_for_api(token.store, number)
    if order is None:
        api_request_record(
            request, status=404, token=token, order_number=number, message="No such order."
        )
        return Status(404, {"detail": f"No order {number} in store {token.store.code}."})
    api_request_record(request, status=200, token=token, order_number=number, message="Read.")
    return Status(200, order_out(request, order))


class ListParams(Schema):
    updated_since: datetime | None = Field(
        None, description="Orders changed at or after this moment (ISO 8601 with a time zone)"
    )
    cursor: str | None = Field(None, description="Where the previous page ended (its `next`)")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


@api.get(
    "/orders/",
    response={200: OrderPage, 400: ErrorOut, 401: ErrorOut},
    url_name="order_list",
    summary="The store's orders changed since a moment, oldest change first",
)
def order_list(request: HttpRequest, params: Query[ListParams]) -> Status[Any]:
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    errors = []
    updated_since, cursor = params.updated_since, params.cursor
    if updated_since is not None and updated_since.tzinfo is None:
        errors.append(FieldError("updated_since", "needs a time zone, e.g. 2026-11-01T10:00:00Z"))
    try:
        position = Cursor.decode(cursor) if cursor else None
    except BadCursor:
        position = None
        errors.append(FieldError("cursor", "is not a cursor this API handed out"))
    if errors:
        api_request_record(request, status=400, token=token, message="Invalid parameters.")
        return Status(400, {"detail": "Invalid parameters.", "errors": _errors(errors)})
    page = orders_page(
        token.store, updated_since=updated_since, cursor=position, limit=params.limit
    )
    next_url = None
    if page.next_cursor is not None:
        query = request.GET.copy()
        query["cursor"] = page.next_cursor.encode()
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    api_request_record(
        request, status=200, token=token, message=f"Listed {len(page.orders)} order(s)."
    )
    return Status(200, {"results": [order_out(request, o) for o in page.orders], "next": next_url})
