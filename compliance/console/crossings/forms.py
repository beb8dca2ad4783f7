"""Forms of wall-crossing requests and decisions."""

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator

from accounts.forms import AccountNameChoiceField


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
