"""The payment link page's card form (gateways with a card form: the sandbox). Validation only:
the number is checked (digits, length, Luhn) and handed to the gateway, never stored."""

import re
from datetime import date

from django import forms

from payments.gateways.base import CardDetails

EXPIRY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*$")


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


class CardForm(forms.Form):
    holder = forms.CharField(
        label="Name on card",
        max_length=100,
        error_messages={"required": "Enter the name on the card."},
        widget=forms.TextInput(attrs={"autocomplete": "cc-name"}),
    )
    number = forms.CharField(
        label="Card number",
        max_length=30,
        error_messages={"required": "Enter the card number."},
        widget=forms.TextInput(
            attrs={"autocomplete": "cc-number", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )
    expiry = forms.CharField(
        label="Expiry (MM/YY)",
        max_length=7,
        error_messages={"required": "Enter the expiry date, as MM/YY."},
        widget=forms.TextInput(attrs={"autocomplete": "cc-exp", "placeholder": "MM/YY"}),
    )
    cvc = forms.CharField(
        label="Security code (CVC)",
        max_length=4,
        error_messages={"required": "Enter the 3 or 4 digits on the card."},
        widget=forms.TextInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric", "size": 5}),
    )

    def __init__(self, *args, today: date | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or date.today()

    def clean_number(self) -> str:
        digits = re.sub(r"[\s-]", "", self.cleaned_data["number"])
        if not digits.isascii() or not digits.isdigit() or not 12 <= len(digits) <= 19:
            raise forms.ValidationError("Enter the card number: 12 to 19 digits.")
        if not luhn_ok(digits):
            raise forms.ValidationError("This card number is not valid: check it.")
        return digits

    def clean_expiry(self) -> tuple[int, int]:
        match = EXPIRY.match(self.cleaned_data["expiry"])
        if match is None or not 1 <= int(match[1]) <= 12:
            raise forms.ValidationError("Enter the expiry date as MM/YY, for example 12/30.")
        month, year = int(match[1]), int(match[2])
        year = year + 2000 if year < 100 else year
        if (year, month) < (self.today.year, self.today.month):
            raise forms.ValidationError("This card has expired.")
        return month, year

    def clean_cvc(self) -> str:
        cvc = self.cleaned_data["cvc"].strip()
        if not (cvc.isascii() and cvc.isdigit() and len(cvc) in {3, 4}):
            raise forms.ValidationError("Enter the 3 or 4 digits on the card.")
        return cvc

    def card(self) -> CardDetails:
        month, year = self.cleaned_data["expiry"]
        return CardDetails(
            number=self.cleaned_data["number"],
            expiry_month=month,
            expiry_year=year,
            cvc=self.cleaned_data["cvc"],
            holder=self.cleaned_data["holder"],
        )
