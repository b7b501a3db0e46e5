"""The money report's filter: a date range (validated, at most a year and a day) and a store."""

from datetime import date, timedelta
from typing import Any

from django import forms

from backoffice.models import Store

MAX_DAYS = 366
DEFAULT_DAYS = 30
ISO = ["%Y-%m-%d"]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MoneyReportForm(forms.Form):
    # ISO dates only (what a date input sends): "10/11/2026" is no day anyone can be sure of.
    start = forms.DateField(label="From", input_formats=ISO, widget=DATE_INPUT)
    end = forms.DateField(label="To", input_formats=ISO, widget=DATE_INPUT)
    store = forms.ChoiceField(label="Store", required=False)

    def __init__(self, *args: Any, stores: list[Store], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stores = stores
        field = self.fields["store"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "All stores")] + [
            (store.code, f"{store.code.upper()} · {store.name}") for store in stores
        ]

    @classmethod
    def of_query(cls, query: Any, *, stores: list[Store], today: date) -> "MoneyReportForm":
        """Bound to the query string, or to the last 30 days when it names no range."""
        data = query.copy()
        if not data.get("start") and not data.get("end"):
            data["start"] = (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
            data["end"] = today.isoformat()
        return cls(data, stores=stores)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The end date is before the start date.")
            elif (days := (end - start).days + 1) > MAX_DAYS:
                self.add_error("end", f"Choose at most {MAX_DAYS} days; this range has {days}.")
        return cleaned

    def chosen_stores(self) -> list[Store]:
        code = self.cleaned_data.get("store")
        return [s for s in self.stores if s.code == code] if code else list(self.stores)
