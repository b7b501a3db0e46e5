"""parse_amount: typed amounts × locales × currencies, and format_amount reading back.

The table gives, for each input, what every locale reads in JPY, USD, EUR and KWD (0, 2, 2 and
3 decimals): the minor units, or the kind of refusal. en_US and ja_JP write 1,234.56; de_DE
1.234,56; fr_CH 1'234,56; de_CH 1'234.56.
"""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backoffice.money import (
    MAX_MINOR,
    MoneyError,
    expected_form,
    format_amount,
    format_major,
    parse_amount,
)

LOCALES = ("en_US", "de_DE", "ja_JP", "fr_CH", "de_CH")
CURRENCIES = ("JPY", "USD", "EUR", "KWD")

# Kinds of refusal: how the message starts (the table's strings).
REFUSALS = {
    "form": "This is not an amount.",
    "ambiguous": "Ambiguous:",
    "large": "The amount is too large: the most is ",
    "negative": "The amount cannot be negative.",
    "empty": "Enter an amount.",
    "sci": "Scientific notation is not accepted.",
    "spaces": "Remove the spaces.",
    "underscores": "Remove the underscores.",
    "digits": "Type the digits 0-9.",
    "sign": "Type the amount without a sign.",
}
# These end with the expected form for the locale and currency ("Use 10.50 or 10,50.").
SHOW_THE_FORM = {"form", "decimals", "sci", "spaces", "underscores", "digits", "sign"}

X = "decimals"  # more decimals than the currency has
F = "form"
EVERYWHERE = "*"

# text: {locale (or "*" for the others): (JPY, USD, EUR, KWD)}
TABLE: dict[str, dict[str, tuple]] = {
    "10.50": {"*": (X, 1050, 1050, 10500)},
    " 7.00 ": {"*": (X, 700, 700, 7000)},
    "1234": {"*": (1234, 123400, 123400, 1234000)},
    "0.5": {"*": (X, 50, 50, 500)},
    "100.0": {"*": (X, 10000, 10000, 100000)},  # JPY: a trailing zero is a decimal too
    "1,50": {"de_DE": (X, 150, 150, 1500), "fr_CH": (X, 150, 150, 1500), "*": (F, F, F, F)},
    "10,5": {"de_DE": (X, 1050, 1050, 10500), "fr_CH": (X, 1050, 1050, 10500), "*": (F,) * 4},
    "1.234,56": {"de_DE": (X, 123456, 123456, 1234560), "*": (F, F, F, F)},
    "1,234.56": {
        "en_US": (X, 123456, 123456, 1234560),
        "ja_JP": (X, 123456, 123456, 1234560),
        "*": (F, F, F, F),
    },
    "1.234": {"de_DE": ("ambiguous",) * 4, "*": (X, X, X, 1234)},
    "1,234": {
        "en_US": (1234, 123400, 123400, 1234000),
        "ja_JP": (1234, 123400, 123400, 1234000),
        "de_DE": (X, X, X, 1234),
        "fr_CH": (X, X, X, 1234),
        "de_CH": (F, F, F, F),
    },
    "1.234.567": {"de_DE": (1234567, 123456700, 123456700, 1234567000), "*": (F,) * 4},
    "1'234.50": {"de_CH": (X, 123450, 123450, 1234500), "*": (F, F, F, F)},
    "1'234'567.50": {"de_CH": (X, 123456750, 123456750, 1234567500), "*": (F,) * 4},
    "1'234'567,50": {"fr_CH": (X, 123456750, 123456750, 1234567500), "*": (F,) * 4},
    "12'34": {"*": (F, F, F, F)},
    "1,2,3": {"*": (F, F, F, F)},
    "500.": {"*": (F, F, F, F)},
    ".5": {"*": (F, F, F, F)},
    "NaN": {"*": (F, F, F, F)},
    "1e2": {"*": ("sci",) * 4},
    "1E+2": {"*": ("sci",) * 4},
    "1_000": {"*": ("underscores",) * 4},
    "1 000": {"*": ("spaces",) * 4},
    "1\u00a0000": {"*": ("spaces",) * 4},
    "+5": {"*": ("sign",) * 4},
    "--5": {"*": ("sign",) * 4},
    "5-": {"*": ("sign",) * 4},
    "١٢": {"*": ("digits",) * 4},
    "-5.25": {"*": ("negative",) * 4},
    "": {"*": ("empty",) * 4},
    "999999999999": {"*": (999999999999, "large", "large", "large")},
    "9999999999.99": {"*": (X, 999999999999, 999999999999, "large")},
    "100000000000000000000": {"*": ("large",) * 4},
}

CASES = [
    pytest.param(text, locale, currency, by_locale.get(locale, by_locale.get("*"))[i])
    for text, by_locale in TABLE.items()
    for locale in LOCALES
    for i, currency in enumerate(CURRENCIES)
]


def decimals_message(currency: str, locale: str) -> str:
    if currency == "JPY":
        return f"JPY has no decimals. {expected_form(currency, locale)}"
    digits = {"USD": 2, "EUR": 2, "KWD": 3}[currency]
    return f"{currency} allows at most {digits} decimal places. {expected_form(currency, locale)}"


@pytest.mark.parametrize(("text", "locale", "currency", "expected"), CASES)
def test_the_table(text, locale, currency, expected):
    if isinstance(expected, int):
        assert parse_amount(text, currency, locale=locale) == expected
        return
    with pytest.raises(MoneyError) as refused:
        parse_amount(text, currency, locale=locale)
    message = str(refused.value)
    if expected == X:
        assert message == decimals_message(currency, locale)
        return
    assert message.startswith(REFUSALS[expected]), message
    if expected in SHOW_THE_FORM:
        assert message.endswith(expected_form(currency, locale)), message


@pytest.mark.parametrize(
    ("locale", "forms"),
    [
        ("en_US", ("Use 1050.", "Use 10.50.", "Use 10.50.", "Use 10.500.")),
        ("ja_JP", ("Use 1050.", "Use 10.50.", "Use 10.50.", "Use 10.500.")),
        # 10.500 is ambiguous where "." groups thousands: only the comma form is shown.
        ("de_DE", ("Use 1050.", "Use 10.50 or 10,50.", "Use 10.50 or 10,50.", "Use 10,500.")),
        (
            "fr_CH",
            ("Use 1050.", "Use 10.50 or 10,50.", "Use 10.50 or 10,50.", "Use 10.500 or 10,500."),
        ),
        ("de_CH", ("Use 1050.", "Use 10.50.", "Use 10.50.", "Use 10.500.")),
        (None, ("Use 1050.", "Use 10.50.", "Use 10.50.", "Use 10.500.")),
    ],
)
def test_each_refusal_shows_the_form_to_type(locale, forms):
    assert tuple(expected_form(c, locale) for c in CURRENCIES) == forms


def test_messages_in_full():
    def refusal(text, currency="USD", locale="en_US"):
        with pytest.raises(MoneyError) as refused:
            parse_amount(text, currency, locale=locale)
        return str(refused.value)

    assert refusal("10,50") == "This is not an amount. Use 10.50."
    assert refusal("1,2,3", "EUR", "de_DE") == "This is not an amount. Use 10.50 or 10,50."
    assert refusal("1.234", "EUR", "de_DE") == (
        "Ambiguous: 1.234 could be 1234 or 1,234. Type one of those."
    )
    assert refusal("100.0", "JPY", "ja_JP") == "JPY has no decimals. Use 1050."
    assert refusal("10" + "0" * 20) == "The amount is too large: the most is $9,999,999,999.99."
    assert refusal("10" + "0" * 20, "EUR", "de_DE") == (
        "The amount is too large: the most is 9.999.999.999,99\u00a0€."
    )
    assert refusal("--5") == "Type the amount without a sign. Use 10.50."
    assert refusal("10.00", "XXY") == "'XXY' is not an ISO 4217 currency code."


def test_one_leading_minus_where_negative_amounts_are_allowed():
    def read(text, locale="de_DE"):
        return parse_amount(text, "EUR", locale=locale, allow_negative=True)

    assert read("-5.25") == read("-5,25") == -525
    assert read("-1.234,56") == -123456
    assert read("-0") == 0
    for text in ("--5", "+5", "5-", "-+5", "- 5"):
        with pytest.raises(MoneyError, match=r"sign is allowed|spaces"):
            read(text)
    with pytest.raises(MoneyError, match=r"^Ambiguous: -1\.234 could be -1234 or -1,234"):
        read("-1.234")


def test_plain_form_only_without_a_locale():
    """Command-line options: the plain form, the same on every operator's machine."""
    assert parse_amount("500.00", "USD", locale=None) == 50000
    assert parse_amount("1234.567", "KWD", locale=None) == 1234567  # no grouping: no ambiguity
    for text in ("1,234.56", "500,00", "1.234,56"):
        with pytest.raises(MoneyError, match=r"^This is not an amount\. Use 10\.50\.$"):
            parse_amount(text, "USD", locale=None)


def test_numbers_that_are_not_text_are_held_to_the_same_rules():
    """The import's JSON numbers arrive as int or Decimal."""
    assert parse_amount(42, "JPY", locale="en_US") == 42
    assert parse_amount(Decimal("3.10"), "USD", locale="en_US") == 310
    for value, message in [
        (Decimal("100.0"), "JPY has no decimals"),
        (Decimal("1E+20"), "The amount is too large"),
        (Decimal("NaN"), "This is not an amount"),
        (-1, "The amount cannot be negative"),
        (True, "This is not an amount"),
    ]:
        with pytest.raises(MoneyError, match=message):
            parse_amount(value, "JPY", locale="en_US")


@pytest.mark.parametrize(
    ("locale", "minor", "currency", "text"),
    [
        ("en_US", 123456, "EUR", "1,234.56"),
        ("de_DE", 123456, "EUR", "1.234,56"),
        ("ja_JP", 123456, "JPY", "123,456"),
        # Babel drops Swiss apostrophes in pairs (1'234'567 → 1234567): none is written.
        ("fr_CH", 123456, "EUR", "1234,56"),
        ("de_CH", 123456789, "USD", "1234567.89"),
        ("de_DE", 1234, "JPY", "1234"),  # 1.234 would be refused as ambiguous
        ("de_DE", 1234567, "JPY", "1.234.567"),
        ("de_DE", 1234, "KWD", "1,234"),
        ("en_US", 1050, "USD", "10.50"),
        (None, 123456, "USD", "1234.56"),
    ],
)
def test_format_amount_writes_what_an_input_proposes(locale, minor, currency, text):
    assert format_amount(minor, currency, locale=locale) == text


@given(
    minor=st.integers(min_value=-MAX_MINOR, max_value=MAX_MINOR),
    locale=st.sampled_from(LOCALES),
    currency=st.sampled_from(CURRENCIES),
)
def test_format_then_parse_gives_the_same_amount(minor, locale, currency):
    text = format_amount(minor, currency, locale=locale)
    assert parse_amount(text, currency, locale=locale, allow_negative=True) == minor


@given(
    minor=st.integers(min_value=0, max_value=MAX_MINOR),
    locale=st.sampled_from(LOCALES),
    currency=st.sampled_from(CURRENCIES),
)
def test_the_plain_form_is_read_in_every_locale_unless_ambiguous(minor, locale, currency):
    plain = format_major(minor, currency)
    try:
        assert parse_amount(plain, currency, locale=locale) == minor
    except MoneyError as refused:
        # Only three decimals (KWD) where "." groups thousands (de_DE): 1.234 or 1234?
        assert (locale, currency) == ("de_DE", "KWD"), refused
        assert str(refused).startswith("Ambiguous:")
