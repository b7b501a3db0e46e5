"""An amount typed into a grid's range filter ("from", "to"), read in each currency searched."""

from django import forms

from backoffice.money import MoneyError, parse_amount

# (currency, locale): the currency searched, and the locale its reader types amounts in.
Reading = tuple[str, str]


def read_amounts(text: str, readings: list[Reading]) -> list[tuple[str, int]]:
    """(currency, minor units) per reading in which `text` is an amount: "12.50" is no JPY
    amount, so a grid of USD and JPY orders reads it in USD only. No reading at all: the
    parser's message (it says what to type) as the field's error."""
    text = text.strip()
    if not text:
        return []
    found: list[tuple[str, int]] = []
    errors: list[str] = []
    for currency, locale in readings:
        try:
            found.append((currency, parse_amount(text, currency, locale=locale)))
        except MoneyError as error:
            errors.append(str(error))
    if not found:
        raise forms.ValidationError(errors[0] if errors else "There is no store to search.")
    return found
