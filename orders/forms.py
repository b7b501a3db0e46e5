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
