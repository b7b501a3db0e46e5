"""The audit stream's filter: user, type, outcome, store, order, dates."""

from typing import Any

from django import forms

from backoffice.audit import events
from backoffice.audit.models import AuditOutcome

TYPES = [
    (events.SIGN_IN, "Sign-in"),
    (events.SIGN_IN_FAILED, "Sign-in failed"),
    (events.SIGN_OUT, "Sign-out"),
    (events.LOCKOUT, "Lockout"),
    (events.UNLOCK, "Unlock"),
    (events.MFA_ENROLLED, "Second factor enrolled"),
    (events.MFA_RESET, "Second factor reset"),
    (events.MONEY_OPERATION, "Money operation"),
    (events.APPROVAL_DECISION, "Approval decision"),
    (events.DENIED, "Denied attempt"),
    (events.ADMIN_CHANGE, "Admin change"),
    (events.EXPORT, "Export"),
    (events.ROLE_CHANGE, "Role change"),
    (events.SETTINGS_CHANGE, "Settings change"),
    (events.API_REQUEST, "API request"),
    (events.WEBHOOK_REJECTED, "Webhook rejected"),
    (events.ORDER_EDIT, "Order edit"),
]
TYPE_LABELS = dict(TYPES)


class AuditFilterForm(forms.Form):
    user = forms.CharField(required=False, max_length=150, label="User")
    type = forms.ChoiceField(required=False, choices=[("", "Any type"), *TYPES], label="Type")
    outcome = forms.ChoiceField(
        required=False, choices=[("", "Any outcome"), *AuditOutcome.choices], label="Outcome"
    )
    store = forms.ChoiceField(required=False, label="Store")
    order = forms.CharField(required=False, max_length=32, label="Order")
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, store_codes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Any store")] + [(code, code.upper()) for code in store_codes]
        self.fields["store"].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and last < first:
            self.add_error("date_to", "The end date is before the start date.")
        return data
