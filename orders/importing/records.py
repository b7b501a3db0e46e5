"""One JSON Lines order, validated into plain records (no database access).

Every problem on a line is collected with the path of the field it concerns
("items[0].price: JPY has no decimals"), so one pass over a file tells the merchant everything
to fix. Amounts are decimal strings in major units, parsed against the order's currency with
`backoffice.money.parse_amount`: more decimals than the currency has is an error, never a
rounding.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from babel import Locale
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from backoffice.money import format_money, is_valid_currency
from orders.importing.fields import FieldError, FieldReader, LineInvalid
from payments.enums import PaymentAction

NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
GATEWAY_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
COUNTRIES = frozenset(
    code for code in Locale.parse("en").territories if isinstance(code, str) and code.isalpha()
)
ACTIONS = frozenset(PaymentAction.values)

ORDER_KEYS = frozenset(
    {
        "number",
        "store",
        "currency",
        "placed_at",
        "customer",
        "billing_address",
        "shipping_address",
        "items",
        "shipping",
        "payments",
    }
)
CUSTOMER_KEYS = frozenset({"email", "name"})
ADDRESS_KEYS = frozenset({"name", "street", "city", "region", "postcode", "country", "phone"})
ITEM_KEYS = frozenset({"sku", "name", "qty", "price", "tax", "discount"})
SHIPPING_KEYS = frozenset({"method", "amount"})
PAYMENT_KEYS = frozenset(
    {
        "gateway",
        "action",
        "amount",
        "reference",
        "authorized_at",
        "expires_at",
        "card",
        "method_title",
    }
)
CARD_KEYS = frozenset({"brand", "last4"})


@dataclass(frozen=True)
class AddressRecord:
    name: str
    street: str
    city: str
    postcode: str
    region: str
    country: str
    phone: str


@dataclass(frozen=True)
class ItemRecord:
    sku: str
    name: str
    qty: int
    unit_price: int
    tax: int
    discount: int

    @property
    def row_total(self) -> int:
        return self.unit_price * self.qty


@dataclass(frozen=True)
class PaymentRecord:
    gateway: str
    action: str
    amount: int
    reference: str
    authorized_at: datetime
    expires_at: datetime | None
    card_brand: str
    card_last4: str
    method_title: str
    # What the gateway said of it (orders.importing.gateway_checks), kept on the ledger row.
    gateway_response: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderRecord:
    number: str
    store_code: str
    currency: str
    placed_at: datetime
    customer_email: str
    customer_name: str
    billing_address: AddressRecord
    shipping_address: AddressRecord | None
    items: tuple[ItemRecord, ...]
    shipping_method: str
    shipping_amount: int
    payments: tuple[PaymentRecord, ...]

    @property
    def subtotal(self) -> int:
        return sum(item.row_total for item in self.items)

    @property
    def tax_amount(self) -> int:
        return sum(item.tax for item in self.items)

    @property
    def discount_amount(self) -> int:
        return sum(item.discount for item in self.items)

    @property
    def grand_total(self) -> int:
        """Σ(price × qty) + Σtax − Σdiscount + shipping (item tax and discount are row totals)."""
        return self.subtotal + self.tax_amount - self.discount_amount + self.shipping_amount


def parse_order_line(text: str, *, store_currencies: Mapping[str, str]) -> OrderRecord:
    """Validate one JSON line into an OrderRecord, or raise LineInvalid with every reason."""
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        reason = f"invalid JSON: {exc.msg} (column {exc.colno})"
        raise LineInvalid([FieldError("", reason)]) from exc
    if not isinstance(data, dict):
        raise LineInvalid([FieldError("", "invalid JSON: expected one object per line")])
    return parse_order_data(data, store_currencies=store_currencies)


def parse_order_data(data: dict, *, store_currencies: Mapping[str, str]) -> OrderRecord:
    """The one validation of an order, for the file import and the API alike: one parsed JSON
    object into an OrderRecord, or LineInvalid with every error and its field path.

    `store_currencies` maps each known store code to its currency.
    """
    number = data.get("number") if isinstance(data.get("number"), str) else None
    currency = data.get("currency")
    reader = FieldReader(
        currency if isinstance(currency, str) and is_valid_currency(currency) else None
    )
    for unknown in sorted(set(data) - ORDER_KEYS):
        reader.error("", f"unknown field {unknown!r}")

    number = reader.text(data, "number", "number", max_length=32)
    if number and not NUMBER_RE.match(number):
        reader.error("number", "use letters, digits, '-' or '_' (at most 32)")
    store_code = reader.text(data, "store", "store", max_length=32)
    _check_store_currency(reader, store_code, currency, store_currencies)
    placed_at = reader.moment(data, "placed_at", "placed_at")
    email, name = _customer(reader, data)

    billing = _address(reader, data, "billing_address", required=True)
    shipping_address = _address(reader, data, "shipping_address", required=False)
    items = _items(reader, data)
    shipping_method, shipping_amount = _shipping(reader, data)
    payments = _payments(reader, data, placed_at)

    if reader.errors:
        raise LineInvalid(reader.errors, number=number or None)
    # Each of these is missing only with a reason given above.
    assert isinstance(currency, str) and placed_at is not None and billing is not None

    record = OrderRecord(
        number=number,
        store_code=store_code,
        currency=currency,
        placed_at=placed_at,
        customer_email=email,
        customer_name=name,
        billing_address=billing,
        shipping_address=shipping_address,
        items=tuple(items),
        shipping_method=shipping_method,
        shipping_amount=shipping_amount,
        payments=tuple(payments),
    )
    _check_totals(record)
    return record


def _check_store_currency(
    reader: FieldReader, store_code: str, currency: object, store_currencies: Mapping[str, str]
) -> None:
    if store_code and store_code not in store_currencies:
        reader.error("store", f"unknown store {store_code!r}")
    if not isinstance(currency, str) or not currency:
        reader.error("currency", "is required")
    elif reader.currency is None:
        reader.error("currency", f"{currency!r} is not an ISO 4217 currency code")
    elif store_code in store_currencies and store_currencies[store_code] != currency:
        reader.error(
            "currency",
            f"{currency} does not match store {store_code} ({store_currencies[store_code]})",
        )


def _customer(reader: FieldReader, data: Mapping[str, object]) -> tuple[str, str]:
    """The customer's email and name ("" when missing)."""
    email = name = ""
    customer = reader.obj(data, "customer", "customer", CUSTOMER_KEYS)
    if customer is not None:
        email = reader.text(customer, "email", "customer.email", max_length=254)
        if email:
            try:
                validate_email(email)
            except ValidationError:
                reader.error("customer.email", f"{email!r} is not a valid email address")
        name = reader.text(customer, "name", "customer.name", max_length=200)
    return email, name


def _address(
    reader: FieldReader, data: Mapping, key: str, *, required: bool
) -> AddressRecord | None:
    if data.get(key) is None and not required:
        return None
    raw = reader.obj(data, key, key, ADDRESS_KEYS)
    if raw is None:
        return None
    country = reader.text(raw, "country", f"{key}.country", max_length=2).upper()
    if country and country not in COUNTRIES:
        reader.error(f"{key}.country", f"{country!r} is not an ISO 3166 country code")
    return AddressRecord(
        name=reader.text(raw, "name", f"{key}.name", max_length=200),
        street=reader.text(raw, "street", f"{key}.street"),
        city=reader.text(raw, "city", f"{key}.city", max_length=120),
        postcode=reader.text(raw, "postcode", f"{key}.postcode", required=False, max_length=20),
        region=reader.text(raw, "region", f"{key}.region", required=False, max_length=120),
        country=country,
        phone=reader.text(raw, "phone", f"{key}.phone", required=False, max_length=40),
    )


def _items(reader: FieldReader, data: Mapping) -> list[ItemRecord]:
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        reader.error("items", "must list at least one item")
        return []
    items = []
    for index, raw in enumerate(raw_items):
        path = f"items[{index}]"
        if not isinstance(raw, dict):
            reader.error(path, "must be an object")
            continue
        for unknown in sorted(set(raw) - ITEM_KEYS):
            reader.error(path, f"unknown field {unknown!r}")
        qty = raw.get("qty")
        if qty is None:
            reader.error(f"{path}.qty", "is required")
            qty = 0
        elif isinstance(qty, bool) or not isinstance(qty, int):
            reader.error(f"{path}.qty", "must be a whole number")
            qty = 0
        elif qty <= 0:
            reader.error(f"{path}.qty", "must be at least 1")
        item = ItemRecord(
            sku=reader.text(raw, "sku", f"{path}.sku", max_length=64),
            name=reader.text(raw, "name", f"{path}.name"),
            qty=qty,
            unit_price=reader.amount(raw, "price", f"{path}.price"),
            tax=reader.amount(raw, "tax", f"{path}.tax", required=False),
            discount=reader.amount(raw, "discount", f"{path}.discount", required=False),
        )
        if qty > 0 and item.discount > item.row_total + item.tax:
            reader.error(f"{path}.discount", "is larger than the row total")
        items.append(item)
    return items


def _shipping(reader: FieldReader, data: Mapping) -> tuple[str, int]:
    if data.get("shipping") is None:
        return "", 0
    raw = reader.obj(data, "shipping", "shipping", SHIPPING_KEYS)
    if raw is None:
        return "", 0
    method = reader.text(raw, "method", "shipping.method", required=False, max_length=120)
    return method, reader.amount(raw, "amount", "shipping.amount")


def _payments(
    reader: FieldReader, data: Mapping, placed_at: datetime | None
) -> list[PaymentRecord]:
    raw_payments = data.get("payments", [])
    if not isinstance(raw_payments, list):
        reader.error("payments", "must be a list")
        return []
    payments: list[PaymentRecord] = []
    actions: set[str] = set()
    for index, raw in enumerate(raw_payments):
        path = f"payments[{index}]"
        if not isinstance(raw, dict):
            reader.error(path, "must be an object")
            continue
        for unknown in sorted(set(raw) - PAYMENT_KEYS):
            reader.error(path, f"unknown field {unknown!r}")
        gateway = reader.text(raw, "gateway", f"{path}.gateway", max_length=32)
        if gateway and not GATEWAY_RE.match(gateway):
            reader.error(f"{path}.gateway", f"{gateway!r} is not a gateway code")
        action = reader.text(raw, "action", f"{path}.action", max_length=32)
        actions.add(action)
        if action and action not in ACTIONS:
            reader.error(
                f"{path}.action",
                f"unknown gateway action {action!r} (expected authorize or authorize_capture)",
            )
        amount = reader.amount(raw, "amount", f"{path}.amount")
        if "amount" in raw and amount == 0 and reader.currency:
            reader.error(f"{path}.amount", "must be more than zero")
        authorized_at = reader.moment(raw, "authorized_at", f"{path}.authorized_at", required=False)
        expires_at = reader.moment(raw, "expires_at", f"{path}.expires_at", required=False)
        authorized_at = authorized_at or placed_at
        if expires_at and authorized_at and expires_at <= authorized_at:
            reader.error(f"{path}.expires_at", "must be after the authorization")
        brand, last4 = _card(reader, raw, path)
        reference = reader.text(raw, "reference", f"{path}.reference", max_length=120)
        method_title = reader.text(
            raw, "method_title", f"{path}.method_title", required=False, max_length=120
        )
        if authorized_at is None:  # no placed_at either: reported, the line is refused
            continue
        payments.append(
            PaymentRecord(
                gateway=gateway,
                action=action,
                amount=amount,
                reference=reference,
                authorized_at=authorized_at,
                expires_at=expires_at,
                card_brand=brand,
                card_last4=last4,
                method_title=method_title or "Credit card",
            )
        )
    if len(actions & ACTIONS) > 1:
        reader.error("payments", "cannot mix authorize and authorize_capture on one order")
    return payments


def _card(reader: FieldReader, raw: Mapping, path: str) -> tuple[str, str]:
    card = raw.get("card")
    if card is None:
        return "", ""
    if isinstance(card, dict) and "number" in card:
        # Card numbers must never reach this database, not even in an error message.
        reader.error(f"{path}.card.number", "card numbers are not accepted; send brand and last4")
        return "", ""
    card = reader.obj(raw, "card", f"{path}.card", CARD_KEYS)
    if card is None:
        return "", ""
    brand = reader.text(card, "brand", f"{path}.card.brand", required=False, max_length=20)
    last4 = reader.text(card, "last4", f"{path}.card.last4", required=False, max_length=4)
    if last4 and not (len(last4) == 4 and last4.isdigit()):
        reader.error(f"{path}.card.last4", "must be four digits")
    return brand.lower(), last4


def _check_totals(record: OrderRecord) -> None:
    paid = sum(p.amount for p in record.payments)
    if paid > record.grand_total:
        total = format_money(record.grand_total, record.currency)
        message = f"total {format_money(paid, record.currency)} exceeds the order grand total "
        message += total
        raise LineInvalid([FieldError("payments", message)], number=record.number)


def default_expiry(record: PaymentRecord, *, validity_days: int) -> datetime | None:
    """An authorization without an explicit expiry lasts the gateway's validity period."""
    if record.action != PaymentAction.AUTHORIZE:
        return record.expires_at
    return record.expires_at or record.authorized_at + timedelta(days=validity_days)
