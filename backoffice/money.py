"""Money as integer minor units plus an ISO 4217 code.

Currency digits and formatting come from Babel (CLDR), never from a hand-written table.
Parsing a typed amount rejects more decimals than the currency has: 10.005 USD is an error,
not 10.00 or 10.01.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache, lru_cache

from babel.core import UnknownLocaleError
from babel.numbers import (
    format_currency,
    get_currency_name,
    get_currency_precision,
    get_currency_symbol,
    is_currency,
)

DEFAULT_LOCALE = "en_US"
# Amounts are stored in 64-bit integer columns; no real amount comes near 10^15 major units.
MAX_DIGITS = 15


class MoneyError(ValueError):
    """A typed amount that cannot be money in the given currency."""


# Pure CLDR data, asked for every amount shown or exported: Babel's lookup is the slow part
# of formatting a long list (a 200k-row export spent a third of its time there).
@cache
def currency_digits(currency: str) -> int:
    """Number of minor-unit digits of an ISO 4217 currency (USD 2, JPY 0, KWD 3)."""
    if not is_currency(currency):
        raise MoneyError(f"{currency!r} is not an ISO 4217 currency code.")
    return get_currency_precision(currency)


def is_valid_currency(currency: str) -> bool:
    return bool(currency) and is_currency(currency)


def to_minor(value: Decimal, currency: str) -> int:
    """Convert an exact Decimal in major units to minor units, refusing extra decimals."""
    digits = currency_digits(currency)
    if not value.is_finite():
        raise MoneyError("Enter a number.")
    if value.adjusted() > MAX_DIGITS:
        # Refused before scaling: "1e400000000" would overflow the decimal context.
        raise MoneyError("The amount is too large.")
    scaled = value.scaleb(digits)
    if scaled != scaled.to_integral_value():
        if digits == 0:
            raise MoneyError(f"{currency} has no decimals.")
        raise MoneyError(f"{currency} allows at most {digits} decimal places.")
    return int(scaled)


def parse_amount(text: str | int | Decimal, currency: str, *, allow_negative: bool = False) -> int:
    """Parse a typed amount in major units ("12.50", "1,234.5") into minor units."""
    if isinstance(text, int):
        text = str(text)
    if isinstance(text, Decimal):
        value = text
    else:
        cleaned = (text or "").strip().replace(",", "").replace("\u00a0", "").replace(" ", "")
        if not cleaned:
            raise MoneyError("Enter an amount.")
        try:
            value = Decimal(cleaned)
        except InvalidOperation as exc:
            raise MoneyError(f"{text!r} is not a number.") from exc
    minor = to_minor(value, currency)
    if minor < 0 and not allow_negative:
        raise MoneyError("The amount cannot be negative.")
    return minor


def to_decimal(minor: int, currency: str) -> Decimal:
    """Minor units back to an exact Decimal in major units (1234 USD → 12.34)."""
    return Decimal(minor).scaleb(-currency_digits(currency))


def format_major(minor: int, currency: str) -> str:
    """Plain decimal string for inputs and exports: 1234 USD → "12.34", 500 JPY → "500"."""
    digits = currency_digits(currency)
    return f"{to_decimal(minor, currency):.{digits}f}"


# Pages show the same few hundred amounts over and over and CLDR formatting is the costliest
# part of rendering a busy order page; the function is pure, so a bounded cache is safe.
@lru_cache(maxsize=8192)
def format_money(minor: int | None, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """Human display with the currency symbol: 1234 USD → "$12.34", 500 JPY → "¥500"."""
    if minor is None:
        return ""
    try:
        return format_currency(to_decimal(minor, currency), currency, locale=locale)
    except UnknownLocaleError:  # pragma: no cover - locale is ours, not user input
        return f"{format_major(minor, currency)} {currency}"


def currency_symbol(currency: str, locale: str = DEFAULT_LOCALE) -> str:
    return get_currency_symbol(currency, locale=locale)


def currency_name(currency: str, locale: str = DEFAULT_LOCALE) -> str:
    return get_currency_name(currency, locale=locale)


def split_evenly(total: int, parts: int) -> list[int]:
    """Split `total` minor units into `parts` integers that add up exactly to `total`.

    The remainder goes to the last parts, so a per-unit price of 100.00 over 3 units is
    33.33, 33.33, 33.34.
    """
    if parts <= 0:
        raise ValueError("parts must be positive")
    base, remainder = divmod(total, parts)
    return [base] * (parts - remainder) + [base + 1] * remainder


def allocate(total: int, qty: int, of_qty: int) -> int:
    """Exact share of `total` for `qty` units out of `of_qty`, remainder on the last units.

    Taking the first `qty` units of `split_evenly(total, of_qty)` means successive partial
    invoices or credit memos always add up to the whole.
    """
    if qty <= 0:
        return 0
    return sum(split_evenly(total, of_qty)[:qty])


@dataclass(frozen=True)
class Money:
    """A tiny value object for templates and messages."""

    minor: int
    currency: str

    def __str__(self) -> str:
        return format_money(self.minor, self.currency)

    @property
    def major(self) -> str:
        return format_major(self.minor, self.currency)


def round_decimal(value: Decimal, currency: str) -> int:
    """Round a computed Decimal (never a typed one) half-up to minor units."""
    digits = currency_digits(currency)
    return int(value.scaleb(digits).quantize(Decimal(1), rounding=ROUND_HALF_UP))
