"""Validation of the Save view and Rename forms (the grid's state arrives as its query)."""

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.http import QueryDict

from backoffice.grids import COLUMNS_PARAM, TRANSIENT_PARAMS
from backoffice.saved_view_models import SavedView
from backoffice.saved_views.selectors import can_share_views

MAX_PARAMS = 40
MAX_VALUE = 200


def params_of(query: str) -> tuple[dict[str, list[str]], list[str]]:
    """(filters, sort and page size; columns) from a grid's query string. The grid ignores
    what it does not know, so only the size is bounded here."""
    data = QueryDict(query)
    params = {
        name: [v[:MAX_VALUE] for v in values if v]
        for name, values in list(data.lists())[:MAX_PARAMS]
        if name not in TRANSIENT_PARAMS | {COLUMNS_PARAM} and any(values)
    }
    columns = [c[:50] for c in data.getlist(COLUMNS_PARAM)[:MAX_PARAMS]]
    return params, columns


class ViewNameForm(forms.Form):
    name = forms.CharField(label="Name", max_length=80, strip=True)

    def __init__(self, *args: Any, user: User, grid: str, exclude_pk: int | None, **kw: Any):
        super().__init__(*args, **kw)
        self.user, self.grid, self.exclude_pk = user, grid, exclude_pk

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        same = SavedView.objects.filter(user=self.user, grid=self.grid, name__iexact=name)
        if self.exclude_pk is not None and same.exclude(pk=self.exclude_pk).exists():
            raise forms.ValidationError("You already have a view of this name.")
        return name


class SaveViewForm(ViewNameForm):
    """Saving under a name one already has replaces that view (the same as "Update")."""

    is_default = forms.BooleanField(label="Open by default", required=False)
    shared = forms.BooleanField(label="Share with everyone", required=False)
    query = forms.CharField(required=False, widget=forms.HiddenInput, max_length=4000)

    def __init__(self, *args: Any, user: User, grid: str, **kw: Any) -> None:
        super().__init__(*args, user=user, grid=grid, exclude_pk=None, **kw)
        self.may_share = can_share_views(user)
        if not self.may_share:
            del self.fields["shared"]

    def clean_shared(self) -> bool:
        return bool(self.cleaned_data.get("shared")) and self.may_share
