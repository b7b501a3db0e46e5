"""Each invalid import line names the field and the reason (no database needed)."""

import json

import pytest

from orders.importing.records import LineInvalid, parse_order_line
from tests.orders.import_helpers import CONTRACT_EXAMPLE, jpy_line, line, order_data

STORES = {"us": "USD", "eu": "EUR", "jp": "JPY", "kw": "KWD"}
PAYMENT = CONTRACT_EXAMPLE["payments"][0]
ITEM = CONTRACT_EXAMPLE["items"][0]


def reasons(text: str) -> list[str]:
    with pytest.raises(LineInvalid) as raised:
        parse_order_line(text, store_currencies=STORES)
    return raised.value.reasons


def test_contract_example_is_valid():
    record = parse_order_line(line(), store_currencies=STORES)

    assert record.grand_total == 12200
    assert [p.amount for p in record.payments] == [6100]


def test_grand_total_adds_items_tax_shipping_minus_discount():
    items = [
        {**ITEM, "qty": 3, "price": "10.00", "tax": "2.40", "discount": "3.00"},
        {**ITEM, "sku": "B", "qty": 1, "price": "5.55"},
    ]
    record = parse_order_line(line(items=items, payments=[]), store_currencies=STORES)

    assert (record.subtotal, record.tax_amount, record.discount_amount) == (3555, 240, 300)
    assert record.grand_total == 3555 + 240 - 300 + 1000


def test_kwd_takes_three_decimals():
    data = order_data(store="kw", currency="KWD", payments=[])
    data["items"] = [{**ITEM, "price": "1.234"}]
    data["shipping"] = {"method": "Flat", "amount": "0.500"}

    assert parse_order_line(json.dumps(data), store_currencies=STORES).grand_total == 2 * 1234 + 500


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"number": "1", ', "invalid JSON: Expecting property name enclosed in double quotes"),
        ("[1, 2]", "invalid JSON: expected one object per line"),
        (line(store="mars"), "store: unknown store 'mars'"),
        (line(currency="EUR"), "currency: EUR does not match store us (USD)"),
        (line(currency="XYZ"), "currency: 'XYZ' is not an ISO 4217 currency code"),
        (line(number=None), "number: is required"),
        (line(number="10 00"), "number: use letters, digits, '-' or '_' (at most 32)"),
        (line(placed_at="yesterday"), "placed_at: must be an ISO 8601 date and time"),
        (line(placed_at="2026-11-01T10:00:00"), "placed_at: needs a time zone"),
        (line(customer={"name": "Ann"}), "customer.email: is required"),
        (line(customer={"email": "ann@", "name": "A"}), "customer.email: 'ann@' is not a valid"),
        (line(billing_address=None), "billing_address: is required"),
        (
            line(billing_address={**CONTRACT_EXAMPLE["billing_address"], "country": "XX"}),
            "billing_address.country: 'XX' is not an ISO 3166 country code",
        ),
        (line(items=[]), "items: must list at least one item"),
        (line(items=[{**ITEM, "qty": 0}]), "items[0].qty: must be at least 1"),
        (line(items=[{**ITEM, "qty": -2}]), "items[0].qty: must be at least 1"),
        (line(items=[{**ITEM, "qty": "2"}]), "items[0].qty: must be a whole number"),
        (
            line(items=[{**ITEM, "price": "56.001"}]),
            "items[0].price: USD allows at most 2 decimal places",
        ),
        (line(items=[{**ITEM, "price": "-1.00"}]), "items[0].price: The amount cannot be negative"),
        (line(items=[{**ITEM, "price": "abc"}]), "items[0].price: This is not an amount"),
        (line(items=[{**ITEM, "price": "1e2"}]), "items[0].price: Scientific notation is not"),
        (line(items=[{**ITEM, "price": "56,00"}]), "items[0].price: This is not an amount"),
        (line(items=[{**ITEM, "price": None}]), "items[0].price: is required"),
        (
            line(items=[{**ITEM, "discount": "200.00"}]),
            "items[0].discount: is larger than the row total",
        ),
        (line(items=[{**ITEM, "colour": "red"}]), "items[0]: unknown field 'colour'"),
        (line(shiping={"amount": "1.00"}), "unknown field 'shiping'"),
        (
            line(payments=[{**PAYMENT, "action": "capture"}]),
            "payments[0].action: unknown gateway action 'capture' "
            "(expected authorize or authorize_capture)",
        ),
        (
            line(payments=[{**PAYMENT, "amount": "0.00"}]),
            "payments[0].amount: must be more than zero",
        ),
        (line(payments=[{**PAYMENT, "reference": ""}]), "payments[0].reference: is required"),
        (
            line(payments=[{**PAYMENT, "expires_at": "2026-10-01T00:00:00Z"}]),
            "payments[0].expires_at: must be after the authorization",
        ),
        (
            line(payments=[{**PAYMENT, "card": {"number": "4111111111111111"}}]),
            "payments[0].card.number: card numbers are not accepted",
        ),
        (
            line(payments=[{**PAYMENT, "card": {"brand": "visa", "last4": "42"}}]),
            "payments[0].card.last4: must be four digits",
        ),
        (
            line(payments=[PAYMENT, {**PAYMENT, "amount": "61.01"}]),
            "payments: total $122.01 exceeds the order grand total $122.00",
        ),
        (
            line(payments=[PAYMENT, {**PAYMENT, "action": "authorize_capture"}]),
            "payments: cannot mix authorize and authorize_capture on one order",
        ),
        (
            jpy_line(items=[{"sku": "A", "name": "A", "qty": 1, "price": "5.50"}]),
            "items[0].price: JPY has no decimals",
        ),
    ],
)
def test_invalid_line_names_field_and_reason(text, expected):
    assert any(r.startswith(expected) for r in reasons(text)), reasons(text)


def test_every_problem_on_a_line_is_reported_at_once():
    text = line(
        customer={"email": "bad", "name": "Ann"},
        items=[{**ITEM, "qty": 0, "price": "1.001"}],
    )

    assert reasons(text) == [
        "customer.email: 'bad' is not a valid email address",
        "items[0].qty: must be at least 1",
        "items[0].price: USD allows at most 2 decimal places. Use 10.50",
    ]


def test_card_number_never_appears_in_the_message():
    text = line(payments=[{**PAYMENT, "card": {"number": "4111111111111111"}}])

    assert not any("4111" in reason for reason in reasons(text))


def test_float_amounts_are_read_exactly():
    data = order_data(payments=[])
    data["items"] = [{**ITEM, "price": 56.1}]
    record = parse_order_line(json.dumps(data), store_currencies=STORES)

    assert record.items[0].unit_price == 5610
