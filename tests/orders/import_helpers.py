"""Import-format lines for the import tests (DESIGN.md "Import format")."""

import copy
import json
from datetime import UTC, datetime, timedelta

# The contract example's shape, with dates relative to the test run so that its
# authorization is still open (7-day validity) whenever the suite runs.
PLACED_AT = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
EXPIRES_AT = PLACED_AT + timedelta(days=7)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


ADDRESS = {
    "name": "Ann Lee",
    "street": "1 Main St",
    "city": "Springfield",
    "postcode": "12345",
    "country": "US",
}
CONTRACT_EXAMPLE = {
    "number": "100000110",
    "store": "us",
    "currency": "USD",
    "placed_at": iso(PLACED_AT),
    "customer": {"email": "ann@example.com", "name": "Ann Lee"},
    "billing_address": ADDRESS,
    "shipping_address": ADDRESS,
    "items": [
        {
            "sku": "SP1",
            "name": "Simple product 1",
            "qty": 2,
            "price": "56.00",
            "tax": "0.00",
            "discount": "0.00",
        }
    ],
    "shipping": {"method": "Flat rate", "amount": "10.00"},
    "payments": [
        {
            "gateway": "sandbox",
            "action": "authorize",
            "amount": "61.00",
            "reference": "psp-auth-1",
            "authorized_at": iso(PLACED_AT),
            "expires_at": iso(EXPIRES_AT),
            "card": {"brand": "visa", "last4": "4242"},
        }
    ],
}


def order_data(**changes: object) -> dict:
    """The contract example with top-level keys replaced (None removes a key)."""
    data = copy.deepcopy(CONTRACT_EXAMPLE)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def line(**changes: object) -> str:
    return json.dumps(order_data(**changes))


def jpy_line(number: str = "300000001", **changes: object) -> str:
    """A JPY order captured at checkout: 2 × ¥5,500 + ¥1,100 tax + ¥800 shipping = ¥12,900."""
    data = {
        "number": number,
        "store": "jp",
        "currency": "JPY",
        "placed_at": "2026-11-02T01:00:00Z",
        "customer": {"email": "taro@example.jp", "name": "Taro Sato"},
        "billing_address": {**ADDRESS, "name": "Taro Sato", "city": "Tokyo", "country": "JP"},
        "items": [{"sku": "JP1", "name": "Tea set", "qty": 2, "price": "5500", "tax": "1100"}],
        "shipping": {"method": "Yamato Transport", "amount": "800"},
        "payments": [
            {
                "gateway": "sandbox",
                "action": "authorize_capture",
                "amount": "12900",
                "reference": "psp-db-1",
                "authorized_at": "2026-11-02T01:00:05Z",
            }
        ],
    }
    data.update(changes)
    return json.dumps(data)
