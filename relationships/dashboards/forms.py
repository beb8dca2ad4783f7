from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import Account, Segment


class DashboardFilterForm(forms.Form):
    segment = forms.ModelChoiceField(Segment.objects.all(), required=False, empty_label="All segments")
    tier = forms.ChoiceField(choices=[("", "All tiers"), *Account.Tier.choices], required=False)
    owner = forms.ModelChoiceField(get_user_model().objects.none(), required=False, empty_label="All owners")
    fiscal_year = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Fiscal year")

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Owners are sanitized (the account list shows them); only people who own an account appear.
        self.fields["owner"].queryset = owners if owners is not None else get_user_model().objects.none()
        year = timezone.localdate().year
        self.fields["fiscal_year"].choices = [("", "All years")] + [
            (y, f"FY{y}") for y in range(year, year - 4, -1)
        ]

    def values(self) -> dict:
        return self.cleaned_data if self.is_valid() else {}
