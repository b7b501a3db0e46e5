"""Money as integer minor units plus an ISO 4217 code.

Currency digits and formatting come from Babel (CLDR), never from a hand-written table.
Every typed amount is read by `parse_amount`, in the typist's locale, on Babel's parsing: more
decimals than the currency has (10.005 USD), an ambiguous or malformed number, or one above
`MAX_MINOR` is an error that says how to type it, never a guess.
"""

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache

from babel import Locale
from babel.core import UnknownLocaleError
from babel.numbers import (
    NumberFormatError,
    format_currency,
    get_currency_name,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    is_currency,
    parse_decimal,
)

from backoffice.locales import DEFAULT_LOCALE

# The largest amount anyone may type, in minor units of any currency ($9,999,999,999.99,
# ¥999,999,999,999). Far above any real payment, yet a sum of a million of them still fits the
# 64-bit integer columns (2^63 ≈ 9.2 × 10^18), and each is exact in a JavaScript number (2^53)
# for whatever reads our JSON: a huge typed number is a field error, never an overflow or a 500.
MAX_MINOR = 10**12 - 1

ASCII_DIGITS = frozenset("0123456789")
# The plain form, read the same in every locale: digits, then a dot and digits.
PLAIN = re.compile(r"[0-9]+(?:\.[0-9]+)?")
# Where "." groups thousands, a plain 1.234 could be 1.234 or 1234: refused as ambiguous.
THREE_AFTER_ONE_DOT = re.compile(r"[0-9]+\.[0-9]{3}")
# The apostrophe-grouped form of the Swiss locales (see `_parse_localized`).
APOSTROPHE_GROUPED = r"[0-9]{1,3}(?:'[0-9]{3})+(?:%s[0-9]+)?"


class MoneyError(ValueError):
    """A typed amount that cannot be money in the given currency; the message is for the
    person who typed it (it is what the field shows)."""


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


# ---- typed amounts ---------------------------------------------------------------------------


@cache
def number_symbols(locale: str | None) -> tuple[str, str]:
    """(decimal symbol, group symbol) of a locale in Latin digits; None: the plain form."""
    if locale is None:
        return ".", ""
    return get_decimal_symbol(locale), get_group_symbol(locale)


def _ambiguous_plain(locale: str | None) -> bool:
    return number_symbols(locale)[1] == "."


@cache
def expected_form(currency: str, locale: str | None) -> str:
    """How to type an amount: "Use 10.50 or 10,50." (de_DE, EUR), "Use 1050." (JPY)."""
    digits = currency_digits(currency)
    if digits == 0:
        return "Use 1050."
    plain = "10." + "5".ljust(digits, "0")
    decimal_symbol = number_symbols(locale)[0]
    local = plain.replace(".", decimal_symbol)
    forms = [plain, local]
    if digits == 3 and _ambiguous_plain(locale):
        forms = [local]  # 10.500 would be refused as ambiguous there
    return f"Use {' or '.join(dict.fromkeys(forms))}."


def _malformed(body: str, currency: str, locale: str | None, allow_negative: bool) -> MoneyError:
    """The error for characters that are no part of an amount, saying which when it can."""
    if any(c in "eE" for c in body) and any(c in ASCII_DIGITS for c in body):
        reason = "Scientific notation is not accepted."
    elif any(c.isspace() for c in body):
        reason = "Remove the spaces."
    elif "_" in body:
        reason = "Remove the underscores."
    elif any(c.isdigit() and c not in ASCII_DIGITS for c in body):
        reason = "Type the digits 0-9."
    elif any(c in "+-\u2212" for c in body):
        reason = (
            "Only one leading minus sign is allowed."
            if allow_negative
            else "Type the amount without a sign."
        )
    else:
        reason = "This is not an amount."
    return MoneyError(f"{reason} {expected_form(currency, locale)}")


def _read_text(text: str, currency: str, locale: str | None, allow_negative: bool) -> Decimal:
    """The exact number typed, in one of the accepted forms (see `parse_amount`)."""
    stripped = text.strip()
    if not stripped:
        raise MoneyError("Enter an amount.")
    negative = stripped.startswith("-")
    body = stripped[1:] if negative else stripped
    decimal_symbol, group_symbol = number_symbols(locale)
    allowed = ASCII_DIGITS | ({".", decimal_symbol, group_symbol} - {""})
    well_formed = body[:1] in ASCII_DIGITS and body[-1:] in ASCII_DIGITS and set(body) <= allowed
    if not well_formed:
        raise _malformed(body, currency, locale, allow_negative)
    if negative and not allow_negative:
        raise MoneyError("The amount cannot be negative.")
    if PLAIN.fullmatch(body):
        if _ambiguous_plain(locale) and THREE_AFTER_ONE_DOT.fullmatch(body):
            sign = "-" if negative else ""
            whole, local = body.replace(".", ""), body.replace(".", decimal_symbol)
            raise MoneyError(
                f"Ambiguous: {sign}{body} could be {sign}{whole} or {sign}{local}. "
                "Type one of those."
            )
        value = Decimal(body)
    elif locale is None:
        raise _malformed(body, currency, locale, allow_negative)
    else:
        value = _parse_localized(body, currency, locale)
    return -value if negative else value


def _parse_localized(body: str, currency: str, locale: str) -> Decimal:
    """The locale's own form, grouped or not ("1.234,56" in de_DE), strictly as CLDR has it."""
    decimal_symbol, group_symbol = number_symbols(locale)
    try:
        if group_symbol == "'" and body.count("'") > 1:
            # Babel 2.19 formats the Swiss 1'234'567 as 1234567 (it takes each pair of
            # apostrophes for quoted pattern text), so its strict check would refuse the right
            # grouping: it is checked here, in the same groups of three.
            pattern = APOSTROPHE_GROUPED % re.escape(decimal_symbol)
            if not re.fullmatch(pattern, body):
                raise NumberFormatError(f"{body!r} is not a properly grouped number")
            return parse_decimal(body, locale)
        return parse_decimal(body, locale, strict=True)
    except NumberFormatError as exc:
        raise MoneyError(f"This is not an amount. {expected_form(currency, locale)}") from exc


def _exact_minor(value: Decimal, currency: str, locale: str | None) -> int:
    """Minor units of an exact number, refusing more decimals than the currency has (trailing
    zeros too: JPY 100.0 is refused) and anything above `MAX_MINOR`."""
    digits = currency_digits(currency)
    if not value.is_finite():
        raise MoneyError(f"This is not an amount. {expected_form(currency, locale)}")
    if abs(value) > Decimal(MAX_MINOR).scaleb(-digits):
        most = format_money(MAX_MINOR, currency, locale or DEFAULT_LOCALE)
        raise MoneyError(f"The amount is too large: the most is {most}.")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -digits:
        if digits == 0:
            raise MoneyError(f"{currency} has no decimals. {expected_form(currency, locale)}")
        raise MoneyError(
            f"{currency} allows at most {digits} decimal places. {expected_form(currency, locale)}"
        )
    return int(value.scaleb(digits))


def parse_amount(
    text: str | int | Decimal,
    currency: str,
    *,
    locale: str | None,
    allow_negative: bool = False,
) -> int:
    """Read a typed amount in major units into minor units, in the typist's locale.

    Accepted: the plain form ("10.50", "-5.25" with `allow_negative`) in every locale, except
    a plain "1.234" where "." groups thousands (de_DE: 1.234 or 1234?); and the locale's own
    form, grouped or not, as CLDR writes it ("1.234,56" or "1234,56" in de_DE, "1,234.56" in
    en_US). `locale` None: the plain form only (command-line options). Everything else is a
    `MoneyError` whose message shows the expected form: scientific notation, underscores,
    inner spaces, any sign but one leading minus, non-ASCII digits, more decimals than the
    currency has, more than `MAX_MINOR`. An int or a Decimal (the import's JSON numbers) is
    held to the same decimals, size and sign.
    """
    currency_digits(currency)  # an unknown currency first, whatever was typed
    if isinstance(text, bool):
        raise MoneyError(f"This is not an amount. {expected_form(currency, locale)}")
    if isinstance(text, str):
        value = _read_text(text, currency, locale, allow_negative)
    else:
        value = Decimal(text)
        if value.is_finite() and value < 0 and not allow_negative:
            raise MoneyError("The amount cannot be negative.")
    return _exact_minor(value, currency, locale)


def format_amount(minor: int, currency: str, *, locale: str | None) -> str:
    """An amount as an input proposes it, in the locale's form without a currency symbol
    ("1.234,56" in de_DE, "1,234.56" in en_US, "1234" JPY): `parse_amount` reads it back."""
    if locale is None:
        return format_major(minor, currency)
    parsed = Locale.parse(locale)
    pattern = parsed.decimal_formats[None]
    group_symbol = number_symbols(locale)[1]

    def apply(grouped: bool) -> str:
        value = to_decimal(minor, currency)
        return pattern.apply(value, parsed, currency=currency, group_separator=grouped)

    # Swiss apostrophes are left out: Babel drops them in pairs (see `_parse_localized`).
    text = apply(grouped=group_symbol != "'")
    if group_symbol == "." and THREE_AFTER_ONE_DOT.fullmatch(text.removeprefix("-")):
        text = apply(grouped=False)  # ¥1.234 in de_DE would be refused as ambiguous: 1234
    return text


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
