"""A store's token and requests to the storefront API through the real stack."""

import json
from typing import Any

from api.tokens import api_token_create
from backoffice.models import Store
from tests.factories import StoreFactory

ORDERS = "/api/v1/orders/"


def store_token(code: str = "us", currency: str = "USD", name: str = "storefront") -> str:
    store = StoreFactory(code=code, currency=currency)
    _row, token = api_token_create(store=store, name=f"{name} {code}")
    return token


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post_order(client: Any, token: str | None, data: Any, **extra: Any) -> Any:
    headers = bearer(token) if token else {}
    body = data if isinstance(data, str) else json.dumps(data)
    return client.post(ORDERS, body, content_type="application/json", **headers, **extra)


def get(client: Any, token: str, url: str) -> Any:
    return client.get(url, **bearer(token))


def eu_store() -> Store:
    return StoreFactory(code="eu", currency="EUR")
