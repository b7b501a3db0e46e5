"""backoffice.money: typed amounts, display, and exact splitting."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backoffice.money import (
    MAX_MINOR,
    Money,
    allocate,
    currency_digits,
    format_major,
    format_money,
    parse_amount,
    split_evenly,
    to_decimal,
)

# Typed amounts (parse_amount, in every locale): tests/backoffice/test_money_parse.py.


def test_currency_digits_come_from_cldr():
    assert [currency_digits(c) for c in ("USD", "EUR", "JPY", "KWD")] == [2, 2, 0, 3]


@pytest.mark.parametrize(
    ("minor", "currency", "major", "display"),
    [
        (1234, "USD", "12.34", "$12.34"),
        (500, "JPY", "500", "¥500"),
        (1234, "KWD", "1.234", "KWD1.234"),
        (123456789, "EUR", "1234567.89", "€1,234,567.89"),
        (0, "USD", "0.00", "$0.00"),
        (-500, "USD", "-5.00", "-$5.00"),
    ],
)
def test_formatting(minor, currency, major, display):
    assert format_major(minor, currency) == major
    assert format_money(minor, currency).replace("\xa0", " ") == display
    assert str(Money(minor, currency)).replace("\xa0", " ") == display


def test_format_money_of_nothing_is_empty():
    assert format_money(None, "USD") == ""


@given(
    minor=st.integers(min_value=0, max_value=MAX_MINOR),
    currency=st.sampled_from(["USD", "EUR", "JPY", "KWD", "BHD", "CLP"]),
)
def test_format_major_parses_back_to_the_same_amount(minor, currency):
    assert parse_amount(format_major(minor, currency), currency, locale=None) == minor
    assert to_decimal(minor, currency) == Decimal(format_major(minor, currency))


@given(total=st.integers(min_value=0, max_value=10**12), parts=st.integers(1, 500))
def test_split_evenly_adds_up_and_puts_the_remainder_last(total, parts):
    shares = split_evenly(total, parts)

    assert sum(shares) == total
    assert len(shares) == parts
    assert max(shares) - min(shares) <= 1
    assert shares == sorted(shares)


@given(data=st.data(), total=st.integers(min_value=0, max_value=10**12), of_qty=st.integers(1, 50))
def test_successive_allocations_add_up_to_the_whole(data, total, of_qty):
    """Partial invoices (or credit memos) taking units in turn always sum to the row total."""
    taken, shares = 0, []
    while taken < of_qty:
        qty = data.draw(st.integers(1, of_qty - taken))
        shares.append(allocate(total, taken + qty, of_qty) - allocate(total, taken, of_qty))
        taken += qty

    assert sum(shares) == total
    assert all(share >= 0 for share in shares)


def test_split_evenly_example_from_the_docstring():
    assert split_evenly(10000, 3) == [3333, 3333, 3334]
    assert allocate(10000, 2, 3) == 6666
    assert allocate(10000, 0, 3) == 0


def test_split_evenly_needs_at_least_one_part():
    with pytest.raises(ValueError, match="positive"):
        split_evenly(100, 0)
