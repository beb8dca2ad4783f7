"""Forms for interactions. They shape input; the rules live in relationships/interactions/services.py."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils import timezone

from accounts.models import Account
from kam.lib.forms import UserChoiceField
from kam.lib.text import TEXT_LIMIT
from relationships.interactions.services import INTERACTION_FIELDS, FollowUp, team_users
from relationships.models import Interaction

DATE = forms.DateInput(attrs={"type": "date"})
FULL_FIELDS = list(INTERACTION_FIELDS)


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class InteractionForm(forms.ModelForm):
    """The full form. The author may add one follow-up while logging; more from the detail page."""

    our_participants = UserMultipleChoiceField(
        queryset=team_users(None), required=False, label="Our people", help_text="The account team."
    )
    follow_up_description = forms.CharField(max_length=300, required=False, label="Follow-up action")
    follow_up_owner = UserChoiceField(queryset=team_users(None), required=False, label="Follow-up owner")
    follow_up_due_on = forms.DateField(required=False, widget=DATE, label="Follow-up due")

    class Meta:
        model = Interaction
        fields = FULL_FIELDS
        labels = {
            "their_participants": "Their people",
            "should_have_been_charged": "Should have been chargeable",
        }
        help_texts = {"their_participants": "Stakeholders of this account."}
        widgets = {"occurred_on": DATE, "summary": forms.Textarea(attrs={"rows": 4, "maxlength": TEXT_LIMIT})}

    def __init__(self, *args, account: Account, with_follow_up: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        team = team_users(account)
        self.fields["our_participants"].queryset = team
        self.fields["their_participants"].queryset = account.stakeholders.order_by("name")
        self.fields["occurred_on"].initial = timezone.localdate
        # Field-level, so the person typing sees it next to the field, not as a constraint name.
        self.fields["effort_hours"].validators.append(MinValueValidator(0, "Effort cannot be negative."))
        self.fields["effort_hours"].widget.attrs["min"] = 0
        if with_follow_up:
            self.fields["follow_up_owner"].queryset = team
        else:
            for name in ("follow_up_description", "follow_up_owner", "follow_up_due_on"):
                del self.fields[name]

    def clean(self) -> dict:
        data = super().clean()
        parts = [data.get(f"follow_up_{name}") for name in ("description", "owner", "due_on")]
        if any(parts) and not all(parts):
            raise ValidationError("A follow-up action needs a description, an owner and a due date.")
        return data

    def service_kwargs(self) -> dict:
        """The cleaned data in the shape interaction_create/interaction_update take."""
        data = {field: self.cleaned_data[field] for field in FULL_FIELDS}
        if self.cleaned_data.get("follow_up_description"):
            data["follow_ups"] = [
                FollowUp(
                    description=self.cleaned_data["follow_up_description"],
                    owner=self.cleaned_data["follow_up_owner"],
                    due_on=self.cleaned_data["follow_up_due_on"],
                )
            ]
        return data


class QuickLogForm(forms.ModelForm):
    """The few fields worth typing right after a call; the author is taken as our participant."""

    class Meta:
        model = Interaction
        fields = ["occurred_on", "channel", "category", "sentiment", "summary", "their_participants"]
        labels = {"their_participants": "Their people"}
        widgets = {
            "occurred_on": DATE,
            "summary": forms.Textarea(attrs={"rows": 2, "maxlength": TEXT_LIMIT}),
            "their_participants": forms.SelectMultiple(attrs={"size": 3}),
        }

    def __init__(self, *args, account: Account, **kwargs) -> None:
        super().__init__(*args, prefix="quick", **kwargs)
        self.fields["their_participants"].queryset = account.stakeholders.order_by("name")
        self.fields["occurred_on"].initial = timezone.localdate


class FollowUpForm(forms.Form):
    description = forms.CharField(max_length=300, label="Follow-up action")
    owner = UserChoiceField(queryset=team_users(None))
    due_on = forms.DateField(widget=DATE, label="Due")

    def __init__(self, *args, account: Account, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = team_users(account)


class TimelineFilterForm(forms.Form):
    """Filters shared by the timeline and its CSV export."""

    category = forms.ChoiceField(
        choices=[("", "Any category"), *Interaction.Category.choices], required=False
    )
    channel = forms.ChoiceField(choices=[("", "Any channel"), *Interaction.Channel.choices], required=False)
    person = forms.ChoiceField(required=False, label="Person")
    date_from = forms.DateField(required=False, widget=DATE, label="From")
    date_to = forms.DateField(required=False, widget=DATE, label="To")

    def __init__(self, *args, account: Account, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        ours = [(f"u{user.pk}", user.get_full_name() or user.get_username()) for user in team_users(account)]
        theirs = [(f"s{person.pk}", person.name) for person in account.stakeholders.order_by("name")]
        self.fields["person"].choices = [("", "Anyone"), ("Our people", ours), ("Their people", theirs)]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("“From” must not be after “To”.")
        return data

    def apply(self, interactions):
        data = self.cleaned_data
        if data.get("category"):
            interactions = interactions.filter(category=data["category"])
        if data.get("channel"):
            interactions = interactions.filter(channel=data["channel"])
        if data.get("date_from"):
            interactions = interactions.filter(occurred_on__gte=data["date_from"])
        if data.get("date_to"):
            interactions = interactions.filter(occurred_on__lte=data["date_to"])
        person = data.get("person") or ""
        if person.startswith("u"):
            interactions = interactions.filter(our_participants__pk=int(person[1:]))
        elif person.startswith("s"):
            interactions = interactions.filter(their_participants__pk=int(person[1:]))
        return interactions
