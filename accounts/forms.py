from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UsernameField
from django.db.models import Q

from accounts.models import (
    Account,
    AccountContext,
    AccountTeamMember,
    BusinessForce,
    Segment,
    Stakeholder,
)
from accounts.services import CONTEXT_FIELDS, STAKEHOLDER_FIELDS, USER_CREATE_FIELDS, USER_PROFILE_FIELDS
from kam.lib.forms import UserChoiceField

User = get_user_model()


def users_with_perm(codename: str, app_label: str = "accounts"):
    perm = Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label)
    return (
        User.objects.filter(is_active=True)
        .filter(perm | Q(is_superuser=True))
        .distinct()
        .order_by("username")
    )


class AccountNameChoiceField(forms.ModelChoiceField):
    """An account by its name only (sanitized)."""

    def label_from_instance(self, obj) -> str:
        return obj.name


class AccountForm(forms.ModelForm):
    owner = UserChoiceField(queryset=users_with_perm("change_account"))

    class Meta:
        model = Account
        fields = ["name", "segment", "tier", "owner", "relationship_word", "orientation"]
        help_texts = {"relationship_word": "How the customer would describe us, in one word."}


class AccountContextForm(forms.ModelForm):
    class Meta:
        model = AccountContext
        fields = list(CONTEXT_FIELDS)
        widgets = {field: forms.Textarea(attrs={"rows": 3}) for field in CONTEXT_FIELDS}


class AccountFilterForm(forms.Form):
    SORTS = {
        "name": "name",
        "-name": "-name",
        "segment": "segment__name",
        "tier": "tier",
        "owner": "owner__username",
        "-updated": "-updated_at",
    }
    q = forms.CharField(required=False, max_length=100, label="Search")
    segment = forms.ModelChoiceField(queryset=Segment.objects.all(), required=False)
    tier = forms.ChoiceField(choices=[("", "Any tier"), *Account.Tier.choices], required=False)
    owner = UserChoiceField(queryset=users_with_perm("change_account"), required=False)
    sort = forms.ChoiceField(
        choices=[
            ("name", "Name A–Z"),
            ("-name", "Name Z–A"),
            ("segment", "Segment"),
            ("tier", "Tier"),
            ("owner", "Owner"),
            ("-updated", "Recently updated"),
        ],
        required=False,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = f"{css} {css}-sm"
        self.fields["segment"].empty_label = "Any segment"
        self.fields["owner"].empty_label = "Any owner"

    def apply(self, accounts):
        data = self.cleaned_data
        if data.get("q"):
            accounts = accounts.filter(name__icontains=data["q"])
        if data.get("segment"):
            accounts = accounts.filter(segment=data["segment"])
        if data.get("tier"):
            accounts = accounts.filter(tier=data["tier"])
        if data.get("owner"):
            accounts = accounts.filter(owner=data["owner"])
        return accounts.order_by(self.SORTS[data.get("sort") or "name"], "pk")


class TeamMemberForm(forms.Form):
    user = UserChoiceField(queryset=User.objects.filter(is_active=True).order_by("username"))
    role = forms.ChoiceField(
        choices=[(value, label) for value, label in AccountTeamMember.Role.choices if value != "lead"]
    )


class StakeholderForm(forms.ModelForm):
    relationship_owner = UserChoiceField(queryset=User.objects.filter(is_active=True), required=False)

    class Meta:
        model = Stakeholder
        fields = list(STAKEHOLDER_FIELDS)
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, account: Account, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        managers = account.stakeholders.all()
        if self.instance.pk:
            managers = managers.exclude(pk=self.instance.pk)
        self.fields["reports_to"].queryset = managers
        self.fields["relationship_owner"].queryset = User.objects.filter(
            is_active=True, account_teams__account=account
        ).order_by("username")


class BusinessForceForm(forms.ModelForm):
    class Meta:
        model = BusinessForce
        fields = ["kind", "impact", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


# Django admin's user forms for administrators (accounts/admin.py): no password, role or power field.
class UserCreateForm(forms.ModelForm):
    class Meta:
        model = User
        fields = USER_CREATE_FIELDS
        field_classes = {"username": UsernameField}


class UserProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = USER_PROFILE_FIELDS
