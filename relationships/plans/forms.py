"""Forms for account plans. They collect input; the rules live in the services."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MinValueValidator

from kam.lib.forms import UserChoiceField
from kam.lib.text import TEXT_LIMIT
from relationships.models import (
    AccountPlan,
    Investment,
    JointInitiative,
    PlanAction,
    PlanObjective,
    SwotItem,
    WhitespaceCell,
)
from relationships.plans.services import ITEM_FIELDS

User = get_user_model()
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlanForm(forms.ModelForm):
    class Meta:
        model = AccountPlan
        fields = ["fiscal_year", "customer_goals", "our_goals"]
        help_texts = {"fiscal_year": "The calendar year the plan covers."}
        widgets = {
            "customer_goals": forms.Textarea(attrs={"rows": 4}),
            "our_goals": forms.Textarea(attrs={"rows": 4}),
        }


class PlanGoalsForm(PlanForm):
    class Meta(PlanForm.Meta):
        fields = ["customer_goals", "our_goals"]


class PlanCopyForm(forms.Form):
    fiscal_year = forms.IntegerField(min_value=2000, max_value=2100, label="Copy into fiscal year")


class PlanDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("return", "Return to the team with comments")],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when returning the plan.",
    )


class ObjectiveForm(forms.ModelForm):
    class Meta:
        model = PlanObjective
        fields = list(ITEM_FIELDS[PlanObjective])


class ActionForm(forms.ModelForm):
    owner = UserChoiceField(queryset=User.objects.none(), help_text="A member of the account team.")

    class Meta:
        model = PlanAction
        fields = list(ITEM_FIELDS[PlanAction])
        widgets = {"due_on": DATE}
        labels = {"percent_done": "% done"}

    def __init__(self, *args, plan: AccountPlan, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = plan.objectives.all()
        self.fields["owner"].queryset = User.objects.filter(account_teams__account=plan.account).order_by(
            "username"
        )
        self.fields["percent_done"].widget.attrs.update(min=0, max=100)


class SwotForm(forms.ModelForm):
    class Meta:
        model = SwotItem
        fields = list(ITEM_FIELDS[SwotItem])
        labels = {"kind": "Quadrant"}


class WhitespaceCellForm(forms.ModelForm):
    class Meta:
        model = WhitespaceCell
        fields = list(ITEM_FIELDS[WhitespaceCell])
        labels = {"offering": "Our offering", "business_unit": "The customer's business unit"}
        help_texts = {"competitor": "Only for a cell held by a competitor."}
        widgets = {"renewal_on": DATE}


class MoneyForm(forms.ModelForm):
    """Amounts are never negative: say so next to the field, not as a database constraint name."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DecimalField):
                field.validators.append(MinValueValidator(0, "Must not be negative."))
                field.widget.attrs["min"] = 0


class InitiativeForm(MoneyForm):
    class Meta:
        model = JointInitiative
        fields = list(ITEM_FIELDS[JointInitiative])
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {"customer_investment": "The customer's investment"}


class InvestmentForm(MoneyForm):
    class Meta:
        model = Investment
        fields = list(ITEM_FIELDS[Investment])
        labels = {
            "cost_fiscal_year": "Fiscal year of the cost",
            "benefit_from_fiscal_year": "Benefit from fiscal year",
            "benefit_to_fiscal_year": "Benefit until fiscal year",
        }
        help_texts = {"expected_benefit": "Total over the benefit years."}
