"""The "Reason" field of every refund and chargeback form (validation only).

A `<select>` of the store's active codes for that kind of operation, required: a form posted
without one says "Choose a reason for this refund." next to the field; a code of another store,
an inactive one or one for the other kind is not among the choices and is refused the same way.
"""

from django import forms

from payments.reason_codes import KIND_NOUNS, ReasonCode, reason_codes_offered

REASON_FIELD = "reason"
NOT_OFFERED = "This reason can't be used here: choose one of the store's reasons from the list."


def reason_field(*, store_id: int, kind: str) -> "forms.ModelChoiceField[ReasonCode]":
    """The required Reason field for a refund or chargeback (`kind`) in one store."""
    return forms.ModelChoiceField(
        queryset=reason_codes_offered(store_id=store_id, kind=kind),
        label="Reason",
        empty_label="Choose a reason…",
        error_messages={
            "required": f"Choose a reason for this {KIND_NOUNS[kind]}.",
            "invalid_choice": NOT_OFFERED,
        },
    )
