"""Forms of the walls console. They validate input; the services (compliance/services.py) decide."""

import datetime

from django import forms
from django.utils import timezone

from accounts.forms import AccountNameChoiceField
from kam.lib.forms import UserChoiceField


class ExceptionGrantForm(forms.Form):
    user = UserChoiceField(queryset=None)
    account = AccountNameChoiceField(queryset=None, help_text="Only accounts with a competitor have a wall.")
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    expires_at = forms.DateField(
        label="Expires on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional: the exception ends after this day. Empty: until revoked.",
    )

    def __init__(self, *args, users, accounts, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users
        self.fields["account"].queryset = accounts

    def clean_expires_at(self) -> datetime.datetime | None:
        day = self.cleaned_data.get("expires_at")
        if day is None:
            return None
        if day >= datetime.date(9999, 12, 31):
            raise forms.ValidationError("Choose a date before the year 9999.")
        # Valid through the chosen day, in the site's time zone.
        return timezone.make_aware(
            datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
        )


class WallMemoForm(forms.Form):
    text = forms.CharField(
        label="Memo",
        max_length=4000,
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Insiders acknowledge this text. Empty: the default memo, naming the competitors.",
    )
