"""Forms of the walls console. They validate input; the services (compliance/services.py) decide."""

import datetime

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

from kam.lib.forms import UserChoiceField


class AccountNameChoiceField(forms.ModelChoiceField):
    """An account by its name only (sanitized)."""

    def label_from_instance(self, obj) -> str:
        return obj.name


class CrossingRequestForm(forms.Form):
    account = AccountNameChoiceField(queryset=None, help_text="Accounts whose team you are not on.")
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Why you need access: the compliance officer decides on it.",
    )
    days = forms.IntegerField(label="For how many days", initial=14)

    def __init__(self, *args, accounts, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts
        days = self.fields["days"]
        max_days = settings.WALL_CROSSING_MAX_DAYS
        days.min_value, days.max_value = 1, max_days
        days.validators += [MinValueValidator(1), MaxValueValidator(max_days)]
        days.widget.attrs.update({"min": 1, "max": max_days})
        days.initial = min(14, max_days)
        days.help_text = f"Between 1 and {max_days} days, counted from the approval."


class CrossingDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("reject", "Reject")],
        error_messages={"required": "Choose to approve or reject the request."},
    )
    note = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


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
