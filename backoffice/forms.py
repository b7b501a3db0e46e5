"""Forms of the core's own pages (validation only): Preferences, Store settings."""

from functools import cache
from typing import Any
from zoneinfo import available_timezones

from django import forms

from backoffice.locales import COMMON_LOCALES, locale_label
from backoffice.models import StaffProfile, Store
from backoffice.money import MoneyError, format_amount, parse_amount


class PreferencesForm(forms.ModelForm):
    """The staff member's amount locale: one of the common ones, or none (each store's own)."""

    class Meta:
        model = StaffProfile
        fields = ["locale", "time_zone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = list(COMMON_LOCALES)
        current = self.instance.locale
        if current and current not in offered:
            offered.append(current)  # chosen in the admin: kept
        self.fields["locale"].widget = forms.Select(
            choices=[("", "Each store's own"), *((c, locale_label(c)) for c in offered)]
        )
        self.fields["time_zone"].widget = forms.Select(
            choices=[("", "Each store's own"), *((z, z) for z in _zone_names())]
        )


@cache
def _zone_names() -> list[str]:
    """The IANA zones offered, "Europe/Berlin" style (no legacy aliases like "CET")."""
    zones = (z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
    return ["UTC", *sorted(zones)]


class StoreSettingsForm(forms.Form):
    """A store's four-eyes settings: the approval threshold, typed in the user's amount locale
    (`backoffice.money.parse_amount`; empty: never asks), and the window in hours."""

    refund_approval_threshold = forms.CharField(
        label="Approval threshold",
        required=False,
        max_length=32,
        help_text="Refunds, Mark as paid, Capture Offline, Rebill and Chargeback Reversal above "
        "this amount, with what the order already had in the window, wait for a second person "
        "holding Approve refunds. Empty: never.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    approval_window_hours = forms.IntegerField(
        label="Approval window (hours)",
        min_value=1,
        max_value=720,
        help_text="What one order had refunded, or booked in, within this many hours counts "
        "toward the threshold.",
    )

    def __init__(self, *args: Any, store: Store, locale: str, **kwargs: Any) -> None:
        threshold = store.refund_approval_threshold
        kwargs.setdefault(
            "initial",
            {
                "refund_approval_threshold": ""
                if threshold is None
                else format_amount(threshold, store.currency, locale=locale),
                "approval_window_hours": store.approval_window_hours,
            },
        )
        super().__init__(*args, **kwargs)
        self.store, self.locale = store, locale

    def clean_refund_approval_threshold(self) -> int | None:
        text = self.cleaned_data["refund_approval_threshold"].strip()
        if not text:
            return None
        try:
            return parse_amount(text, self.store.currency, locale=self.locale)
        except MoneyError as exc:
            raise forms.ValidationError(str(exc)) from None
