"""Forms of the core's own pages (validation only)."""

from typing import Any

from django import forms

from backoffice.locales import COMMON_LOCALES, locale_label
from backoffice.models import StaffProfile


class PreferencesForm(forms.ModelForm):
    """The staff member's amount locale: one of the common ones, or none (each store's own)."""

    class Meta:
        model = StaffProfile
        fields = ["locale"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = list(COMMON_LOCALES)
        current = self.instance.locale
        if current and current not in offered:
            offered.append(current)  # chosen in the admin: kept
        self.fields["locale"].widget = forms.Select(
            choices=[("", "Each store's own"), *((c, locale_label(c)) for c in offered)]
        )
