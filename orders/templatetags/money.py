"""`{{ amount|money:currency }}`: minor units to a human amount via backoffice.money (Babel)."""

from django import template

from backoffice.display import display_money
from backoffice.money import format_major

register = template.Library()


@register.filter
def money(minor: int | None, currency: str) -> str:
    """1234|money:"USD" → "$12.34" (in the user's chosen locale, when they chose one:
    "12,34 $"); None → "" so missing amounts stay blank."""
    if minor is None or not currency:
        return ""
    return display_money(int(minor), currency)


@register.filter
def money_major(minor: int | None, currency: str) -> str:
    """Plain decimal for form inputs: 1234|money_major:"USD" → "12.34"."""
    if minor is None or not currency:
        return ""
    return format_major(int(minor), currency)
