"""Realistic demo orders as import-format JSON lines, each tagged with the story it tells.

The lines go through the same `import_orders` path as a merchant's file; what happened after
checkout (captures, refunds, voids, holds...) is applied afterwards by `demo.history`.
Everything is drawn from one seeded `random.Random`, so the data is the same on every run
(dates are relative to the run).
"""

import json
import random
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from backoffice.demo.catalogue import (
    CARD_BRANDS,
    EMAIL_DOMAINS,
    PRODUCTS,
    SHIPPING_METHODS,
    STORE_COUNTRIES,
    TAX_BPS,
    Country,
    price_in,
)
from backoffice.money import allocate, format_major
from payments.gateways.sandbox_rules import MAGIC_ENDINGS

STORE_CURRENCIES = {"us": "USD", "eu": "EUR", "jp": "JPY"}
# The X-Payments case (DESIGN.md "Orders"): 2 × 56.00 + 10.00 shipping, authorized as two
# payments of 61.00 each, so Capture Online must span both authorizations.
TWO_AUTHORIZATIONS_NUMBER = "100000110"
FIRST_NUMBER = {"us": 100000001, "eu": 200000001, "jp": 300000001}
AUTHORIZATION_HOURS = 7 * 24


class Scenario(StrEnum):
    TWO_AUTHORIZATIONS = "two_authorizations"
    AUTHORIZED = "authorized"
    EXPIRING = "expiring"  # open authorization that expires within 24 hours
    EXPIRED = "expired"  # expires_at in the past, never captured or voided
    PARTIALLY_CAPTURED = "partially_captured"
    CAPTURED = "captured"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    VOIDED = "voided"
    CHARGED_BACK = "charged_back"
    PAYMENT_REVIEW = "payment_review"  # a capture whose outcome is unknown
    ON_HOLD = "on_hold"
    PENDING_PAYMENT = "pending_payment"  # no payment at all
    PAID_AT_CHECKOUT = "paid_at_checkout"  # authorize_capture: invoiced at import
    PAID_AT_CHECKOUT_PARTIALLY_REFUNDED = "paid_at_checkout_partially_refunded"
    PAID_AT_CHECKOUT_REFUNDED = "paid_at_checkout_refunded"


S = Scenario
# The first orders cover every story once, so even `--orders 20` shows them all.
COVERAGE: tuple[tuple[str, Scenario], ...] = (
    ("us", S.EXPIRING),
    ("eu", S.PARTIALLY_CAPTURED),
    ("us", S.CAPTURED),
    ("eu", S.PARTIALLY_REFUNDED),
    ("us", S.REFUNDED),
    ("us", S.VOIDED),
    ("eu", S.EXPIRED),
    ("jp", S.PAID_AT_CHECKOUT),
    ("jp", S.PAID_AT_CHECKOUT_PARTIALLY_REFUNDED),
    ("us", S.PAYMENT_REVIEW),
    ("eu", S.ON_HOLD),
    ("us", S.CHARGED_BACK),
    ("us", S.PENDING_PAYMENT),
    ("jp", S.PAID_AT_CHECKOUT_REFUNDED),
    ("eu", S.AUTHORIZED),
    ("us", S.AUTHORIZED),
)
STORE_WEIGHTS = {"us": 45, "eu": 33, "jp": 22}
AUTHORIZE_WEIGHTS = {
    S.AUTHORIZED: 24,
    S.EXPIRING: 5,
    S.EXPIRED: 8,
    S.PARTIALLY_CAPTURED: 8,
    S.CAPTURED: 20,
    S.PARTIALLY_REFUNDED: 7,
    S.REFUNDED: 5,
    S.VOIDED: 6,
    S.CHARGED_BACK: 1,
    S.PAYMENT_REVIEW: 1,
    S.ON_HOLD: 3,
    S.PENDING_PAYMENT: 3,
}
# Store jp's gateway account captures at checkout (payment action authorize_capture).
CHECKOUT_CAPTURE_WEIGHTS = {
    S.PAID_AT_CHECKOUT: 12,
    S.PAID_AT_CHECKOUT_PARTIALLY_REFUNDED: 3,
    S.PAID_AT_CHECKOUT_REFUNDED: 2,
    S.PENDING_PAYMENT: 1,
}
# Age of the order when it was placed, in hours: open authorizations must still be valid,
# expired ones older than the 7-day validity, the rest leave room for what happened later.
RECENT = (1, 6 * 24)
EXPIRING_AGE = (6 * 24 + 1, AUTHORIZATION_HOURS - 1)
EXPIRED_AGE = (8 * 24, 30 * 24)
ANY_AGE = (24, 30 * 24)
AGE = {
    S.TWO_AUTHORIZATIONS: (3, 4),
    S.AUTHORIZED: RECENT,
    S.PARTIALLY_CAPTURED: RECENT,
    S.PAYMENT_REVIEW: RECENT,
    S.ON_HOLD: RECENT,
    S.PENDING_PAYMENT: RECENT,
    S.EXPIRING: EXPIRING_AGE,
    S.EXPIRED: EXPIRED_AGE,
}


@dataclass(frozen=True)
class DemoOrder:
    number: str
    store: str
    scenario: Scenario
    placed_at: datetime
    data: dict

    def line(self) -> str:
        return json.dumps(self.data, ensure_ascii=False)


def demo_orders(*, count: int, now: datetime, rng: random.Random) -> list[DemoOrder]:
    """`count` orders; the first is the two-authorization order, then COVERAGE, then random."""
    if count <= 0:
        return []
    counters = dict(FIRST_NUMBER)
    plan: list[tuple[str, Scenario]] = [("us", S.TWO_AUTHORIZATIONS), *COVERAGE]
    stores, weights = zip(*STORE_WEIGHTS.items(), strict=True)
    while len(plan) < count:
        store = rng.choices(stores, weights)[0]
        table = CHECKOUT_CAPTURE_WEIGHTS if store == "jp" else AUTHORIZE_WEIGHTS
        plan.append((store, rng.choices(list(table), list(table.values()))[0]))
    orders = []
    for store, scenario in plan[:count]:
        if scenario == S.TWO_AUTHORIZATIONS:
            number = TWO_AUTHORIZATIONS_NUMBER
        else:
            number = str(counters[store])
            counters[store] += 1
            if number == TWO_AUTHORIZATIONS_NUMBER:
                number = str(counters[store])
                counters[store] += 1
        orders.append(_order(number=number, store=store, scenario=scenario, now=now, rng=rng))
    return orders


def _order(
    *, number: str, store: str, scenario: Scenario, now: datetime, rng: random.Random
) -> DemoOrder:
    currency = STORE_CURRENCIES[store]
    low, high = AGE.get(scenario, ANY_AGE)
    placed_at = (now - timedelta(hours=rng.uniform(low, high))).replace(microsecond=0)
    country = rng.choice(STORE_COUNTRIES[store])
    first, last = rng.choice(country.first_names), rng.choice(country.last_names)
    name = f"{first} {last}"
    billing = _address(country, name, rng)
    shipping_address = billing if rng.random() < 0.85 else _address(country, name, rng)
    if scenario == S.TWO_AUTHORIZATIONS:
        items = [_item(sku="SP1", name="Simple product 1", qty=2, price=5600, tax=0, discount=0)]
        method, shipping = "Flat rate", 1000
    else:
        method, shipping = rng.choice(SHIPPING_METHODS[store])
        items = _items(store, currency, rng)
        while _has_magic_amount(items, shipping):
            items = _items(store, currency, rng)
    grand_total = shipping + sum(i["_total"] for i in items)
    data: dict[str, Any] = {  # the order as JSON
        "number": number,
        "store": store,
        "currency": currency,
        "placed_at": _iso(placed_at),
        "customer": {"email": _email(first, last, rng), "name": name},
        "billing_address": billing,
        "shipping_address": shipping_address,
        "items": [{k: v for k, v in i.items() if k != "_total"} for i in items],
        "shipping": {"method": method, "amount": format_major(shipping, currency)},
        "payments": _payments(store, currency, scenario, grand_total, placed_at, rng),
    }
    for item in data["items"]:
        for key in ("price", "tax", "discount"):
            item[key] = format_major(item[key], currency)
    return DemoOrder(number, store, scenario, placed_at, data)


def _items(store: str, currency: str, rng: random.Random) -> list[dict]:
    products = rng.sample(PRODUCTS, k=rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5)))
    discounted = rng.random() < 0.15
    items = []
    for index, product in enumerate(products):
        qty = rng.choice((1, 1, 1, 1, 2, 2, 3))
        price = price_in(product, currency)
        discount = price * qty // 10 if discounted and index == 0 else 0
        tax = ((price * qty - discount) * TAX_BPS[store] + 5000) // 10000
        items.append(
            _item(
                sku=product.sku, name=product.name, qty=qty, price=price, tax=tax, discount=discount
            )
        )
    return items


def _has_magic_amount(items: list[dict], shipping: int) -> bool:
    """Would an amount the stories move trip one of the sandbox's fault-injecting endings?

    The demo replays its history on the sandbox and staff try the demo orders there, so its
    totals, first-row captures and one-unit refunds stay clear of the magic amounts.
    """

    def one_unit(item: dict) -> int:
        qty = item["qty"]
        return (
            allocate(item["price"] * qty, 1, qty)
            + allocate(item["tax"], 1, qty)
            - allocate(item["discount"], 1, qty)
        )

    rows = sum(i["_total"] for i in items)
    amounts = [rows + shipping, rows, items[0]["_total"] + shipping]
    amounts += [one_unit(items[0]), one_unit(items[-1])]
    return any(amount % 100 in MAGIC_ENDINGS for amount in amounts)


def _item(*, sku: str, name: str, qty: int, price: int, tax: int, discount: int) -> dict:
    return {
        "sku": sku,
        "name": name,
        "qty": qty,
        "price": price,
        "tax": tax,
        "discount": discount,
        "_total": price * qty + tax - discount,
    }


def _payments(
    store: str,
    currency: str,
    scenario: Scenario,
    grand_total: int,
    placed_at: datetime,
    rng: random.Random,
) -> list[dict]:
    if scenario == S.PENDING_PAYMENT:
        return []
    authorized_at = placed_at + timedelta(seconds=rng.randint(2, 40))
    action = "authorize_capture" if store == "jp" else "authorize"
    amounts = [6100, 6100] if scenario == S.TWO_AUTHORIZATIONS else [grand_total]
    payments = []
    for index, amount in enumerate(amounts, start=1):
        payment = {
            "gateway": "sandbox",
            "action": action,
            "amount": format_major(amount, currency),
            "reference": f"psp-auth-{index}"
            if scenario == S.TWO_AUTHORIZATIONS
            else f"psp-{rng.getrandbits(48):012x}",
            "authorized_at": _iso(authorized_at),
            "card": {
                "brand": rng.choice(CARD_BRANDS[store]),
                "last4": f"{rng.randint(0, 9999):04d}",
            },
        }
        if action == "authorize":
            payment["expires_at"] = _iso(authorized_at + timedelta(hours=AUTHORIZATION_HOURS))
        payments.append(payment)
    return payments


def _address(country: Country, name: str, rng: random.Random) -> dict:
    place = rng.choice(country.places)
    street, house = rng.choice(country.streets), rng.randint(1, 240)
    if country.code == "JP":
        street_line = street
    elif country.house_first:
        street_line = f"{house} {street}"
    else:
        street_line = f"{street} {house}"
    return {
        "name": name,
        "street": street_line,
        "city": place.city,
        "region": place.region,
        "postcode": place.postcode,
        "country": country.code,
        "phone": f"{country.phone_prefix}{rng.randint(10, 99)}",
    }


def _email(first: str, last: str, rng: random.Random) -> str:
    def ascii_part(text: str) -> str:
        plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return "".join(ch for ch in plain.lower() if ch.isalnum())

    return f"{ascii_part(first)}.{ascii_part(last)}{rng.randint(1, 99)}@{rng.choice(EMAIL_DOMAINS)}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
