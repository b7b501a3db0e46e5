"""The OpenAPI description of the request body: the import format (README, "Import format").

Only the shape is described here (keys and JSON types); the rules (amounts in the currency's
decimals, known store and currency, totals) are the one validation in
`orders.importing.records.parse_order_data`, whose errors the 400 answer lists per field path.
"""

from typing import Any

AMOUNT = {
    "type": "string",
    "description": 'Decimal string in major units of the order currency ("56.00"; JPY "5600")',
    "examples": ["56.00"],
}
TEXT = {"type": "string"}
MOMENT = {"type": "string", "format": "date-time", "examples": ["2026-11-01T10:00:00Z"]}


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required}


ADDRESS = _object(
    {
        "name": TEXT,
        "street": TEXT,
        "city": TEXT,
        "postcode": TEXT,
        "region": TEXT,
        "country": {**TEXT, "description": "ISO 3166 code", "examples": ["US"]},
        "phone": TEXT,
    },
    ["name", "street", "city", "country"],
)
ITEM = _object(
    {
        "sku": TEXT,
        "name": TEXT,
        "qty": {"type": "integer", "minimum": 1},
        "price": {**AMOUNT, "description": "Unit price"},
        "tax": {**AMOUNT, "description": "Row total of tax"},
        "discount": {**AMOUNT, "description": "Row total of discount"},
    },
    ["sku", "name", "qty", "price"],
)
PAYMENT = _object(
    {
        "gateway": {**TEXT, "examples": ["sandbox"]},
        "action": {"type": "string", "enum": ["authorize", "authorize_capture"]},
        "amount": AMOUNT,
        "reference": {**TEXT, "description": "The gateway's reference of the payment"},
        "authorized_at": MOMENT,
        "expires_at": MOMENT,
        "card": _object({"brand": TEXT, "last4": TEXT}, []),
        "method_title": TEXT,
    },
    ["gateway", "action", "amount", "reference"],
)
ORDER = _object(
    {
        "number": {**TEXT, "description": "Letters, digits, '-' or '_' (at most 32)"},
        "store": {**TEXT, "description": "The token's store code", "examples": ["us"]},
        "currency": {**TEXT, "description": "The store's currency", "examples": ["USD"]},
        "placed_at": MOMENT,
        "customer": _object({"email": TEXT, "name": TEXT}, ["email", "name"]),
        "billing_address": ADDRESS,
        "shipping_address": ADDRESS,
        "items": {"type": "array", "items": ITEM, "minItems": 1},
        "shipping": _object({"method": TEXT, "amount": AMOUNT}, ["amount"]),
        "payments": {"type": "array", "items": PAYMENT},
    },
    ["number", "store", "currency", "placed_at", "customer", "billing_address", "items"],
)
ORDER_BODY = {
    "requestBody": {
        "required": True,
        "description": "One order in the import format. Grand total = sum(price x qty) + "
        "sum(tax) - sum(discount) + shipping.",
        "content": {"application/json": {"schema": ORDER}},
    }
}
