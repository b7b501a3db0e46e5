"""The operation dialog's form: Amount, Reason (refunds, chargebacks), Usage, Transaction ID,
Memo (validation only).

The idempotency key is generated when the dialog is rendered and travels in a hidden field, so
a double click or a resent request carries the same key and the service makes it a no-op.
"""

import re
import uuid
from typing import Any, NotRequired, TypedDict

from django import forms

from backoffice.money import MoneyError, format_money, parse_amount
from payments.models import ReasonCode, Transaction
from payments.reason_fields import REASON_FIELD, reason_field

KEY = re.compile(r"^[0-9a-f]{32}$")


class OperationArguments(TypedDict):
    """What a valid form hands the operation's service, as keyword arguments."""

    amount: int
    idempotency_key: str
    merchant_reference: str
    usage: str
    memo: str
    reason: NotRequired[ReasonCode]  # refunds and chargebacks only


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class OperationForm(forms.Form):
    amount = forms.CharField(
        label="Amount",
        max_length=32,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "autofocus": True}
        ),
    )
    usage = forms.CharField(
        label="Usage",
        max_length=127,
        required=False,
        help_text="Descriptor on the customer's statement.",
    )
    merchant_reference = forms.CharField(
        label="Transaction ID",
        max_length=120,
        required=False,
        help_text="Your own reference; unique in this store.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    memo = forms.CharField(
        label="Memo",
        required=False,
        max_length=2000,
        help_text="Internal note, never shown to the customer.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=32)

    def __init__(
        self,
        *args: Any,  # Django's own form arguments (data, initial...), passed through
        transaction: Transaction,
        max_amount: int | None,
        locale: str,
        amount_editable: bool = True,
        label: str = "This operation",
        reason_kind: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if reason_kind is not None:  # refunds and chargebacks: the store's reason, required
            self.fields[REASON_FIELD] = reason_field(
                store_id=transaction.store_id, kind=reason_kind
            )
            self.order_fields(["amount", REASON_FIELD])
        self.label = label
        self.transaction = transaction
        self.currency = transaction.currency
        self.locale = locale  # how the amount is typed (backoffice.models.amount_locale)
        self.max_amount = max_amount
        self.fields["amount"].help_text = (
            f"Maximum: {format_money(max_amount, self.currency)}"
            if max_amount is not None
            else "No maximum: the card is charged again."
        )
        if not amount_editable:
            # The gateway can only take the whole amount (no partial capture or refund).
            self.fields["amount"].widget.attrs["readonly"] = True
        self.amount_editable = amount_editable

    def clean_amount(self) -> int:
        text = self.cleaned_data["amount"]
        try:
            minor = parse_amount(text, self.currency, locale=self.locale)
        except MoneyError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc
        if minor == 0:
            raise forms.ValidationError("Enter an amount greater than zero.", code="zero")
        if self.max_amount is not None and minor > self.max_amount:
            raise forms.ValidationError(
                f"The maximum is {format_money(self.max_amount, self.currency)}.",
                code="max",
            )
        if not self.amount_editable and self.max_amount is not None and minor != self.max_amount:
            raise forms.ValidationError(
                f"{self.label} is for the full amount only: "
                f"{format_money(self.max_amount, self.currency)}.",
                code="full_only",
            )
        return minor

    def clean_merchant_reference(self) -> str:
        reference: str = self.cleaned_data["merchant_reference"]
        return reference.strip()

    def clean_idempotency_key(self) -> str:
        key: str = self.cleaned_data["idempotency_key"]
        if not KEY.match(key):
            raise forms.ValidationError("This form is damaged; close it and open it again.")
        return key

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what `Form.clean` returns
        reference, key = data.get("merchant_reference"), data.get("idempotency_key")
        if reference:
            # The unique constraint is the final guard against a race; this check gives the
            # clear message in the ordinary case. A resubmission of this very form (same
            # key) is not a duplicate of itself.
            taken = Transaction.objects.filter(
                store_id=self.transaction.store_id, merchant_reference=reference
            ).exclude(idempotency_key=key or "")
            if taken.exists():
                self.add_error(
                    "merchant_reference", "This Transaction ID is already used in this store."
                )
        return data

    def service_arguments(self) -> OperationArguments:
        data = self.cleaned_data
        arguments: OperationArguments = {
            "amount": data["amount"],
            "idempotency_key": data["idempotency_key"],
            "merchant_reference": data["merchant_reference"],
            "usage": data["usage"].strip(),
            "memo": data["memo"].strip(),
        }
        if REASON_FIELD in self.fields:
            arguments["reason"] = data[REASON_FIELD]
        return arguments
