"""What the API answers (pydantic, so the OpenAPI schema is generated from the same types).

Amounts are objects: the decimal string in the currency's decimals, the integer minor units
and the currency ({"amount": "122.00", "minor": 12200, "currency": "USD"}; JPY "500" / 500).
The request body is the import format, validated by `orders.importing.records` only; its
OpenAPI description is `api.openapi_body.ORDER_BODY`.
"""

from datetime import datetime

from ninja import Schema
from pydantic import Field

from backoffice.money import format_major


class Money(Schema):
    amount: str = Field(description="Decimal string in the currency's decimals, e.g. 122.00")
    minor: int = Field(description="The same amount in minor units, e.g. 12200")
    currency: str = Field(description="ISO 4217 code", examples=["USD"])


def money(minor: int, currency: str) -> Money:
    return Money(amount=format_major(minor, currency), minor=minor, currency=currency)


class Customer(Schema):
    email: str
    name: str


class OrderAmounts(Schema):
    subtotal: Money
    shipping: Money
    tax: Money
    discount: Money
    grand_total: Money
    total_paid: Money = Field(description="Captured, sales and manual payments")
    total_refunded: Money
    total_due: Money = Field(description="What the customer still owes")
    outstanding: Money = Field(
        description="Total Due less what open authorizations cover: positive to collect, "
        "negative to refund (the back office's Outstanding)"
    )


class Item(Schema):
    sku: str
    name: str
    qty_ordered: int
    qty_invoiced: int
    qty_refunded: int
    qty_canceled: int
    price: Money
    tax: Money
    discount: Money
    row_total: Money


class PaymentOut(Schema):
    gateway: str
    action: str = Field(description="authorize or authorize_capture")
    reference: str
    status: str
    method_title: str
    card_brand: str
    card_last4: str
    authorized_at: datetime | None
    expires_at: datetime | None
    requested: Money
    authorized: Money
    captured: Money
    refunded: Money
    voided: Money
    charged_back: Money


class EditOut(Schema):
    number: int = Field(description="The edit's version number on the order (1, 2, …)")
    created_at: datetime
    author: str
    reason: str
    summary: str = Field(description='What changed ("+1 × Simple product 1 ($56.00), …")')
    grand_total_before: Money
    grand_total_after: Money


class PaymentLinkOut(Schema):
    url: str = Field(description="The public page where the customer pays the amount")
    amount: Money
    created_at: datetime
    expires_at: datetime


class OrderOut(Schema):
    number: str
    url: str = Field(description="This order in the API")
    back_office_url: str = Field(description="The order's page in the back office")
    store: str
    state: str
    payment_status: str
    currency: str
    customer: Customer
    placed_at: datetime
    updated_at: datetime
    amounts: OrderAmounts
    items: list[Item]
    payments: list[PaymentOut]
    edits: list[EditOut] = Field(description="The order's edits, oldest first")
    payment_links: list[PaymentLinkOut] = Field(
        default_factory=list,
        description="Open payment links: for the current outstanding amount, not expired, "
        "revoked or paid",
    )


class OrderPage(Schema):
    results: list[OrderOut]
    next: str | None = Field(
        description="The next page (same filter, opaque cursor), or null on the last page"
    )


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(
        default_factory=dict,
        description='Messages per field path ("items[0].price"); "" is the order as a whole',
    )


class ConflictOut(Schema):
    detail: str
    number: str
    differences: list[str] = Field(description="The field paths that differ from the stored order")
