import uuid

from django import forms

COMMENT_MAX_LENGTH = 5000


class OrderCommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Add a note about this order"}),
        error_messages={"required": "Enter a comment."},
    )
    notify_customer = forms.BooleanField(label="Notify Customer by Email", required=False)
    visible_on_front = forms.BooleanField(label="Visible on Storefront", required=False)


class EmailAgainForm(forms.Form):
    """Send Email on an invoice or credit memo page: only the form's one-time key."""

    idempotency_key = forms.CharField(
        widget=forms.HiddenInput(attrs={"id": False}), max_length=64, min_length=16
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("initial", {"idempotency_key": uuid.uuid4().hex})
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
