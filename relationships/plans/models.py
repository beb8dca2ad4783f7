"""Confidential: the account plan per account and fiscal year, and what hangs off it."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from accounts.models import Account
from kam.lib.text import TEXT_LIMIT

# A plan not reviewed for this many days is flagged stale.
STALE_AFTER_DAYS = 90


class AccountPlan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for approval"
        APPROVED = "approved", "Approved"
        RETURNED = "returned", "Returned with comments"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="plans")
    fiscal_year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    customer_goals = models.TextField("the customer's goals", blank=True, max_length=TEXT_LIMIT)
    our_goals = models.TextField("our goals", blank=True, max_length=TEXT_LIMIT)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    review_comment = models.TextField(blank=True, max_length=TEXT_LIMIT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(help_text="Last time the team reviewed the plan.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-fiscal_year"]
        permissions = [("approve_accountplan", "Can approve or return account plans")]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "fiscal_year"],
                name="plan_one_per_account_year",
                violation_error_message="This account already has a plan for that fiscal year.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} plan FY{self.fiscal_year}"


class PlanObjective(models.Model):
    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="objectives")
    title = models.CharField(max_length=200)
    measure = models.CharField(max_length=200, help_text="How we will know it is achieved.")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class PlanAction(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        BLOCKED = "blocked", "Blocked"

    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="actions")
    objective = models.ForeignKey(
        PlanObjective, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    description = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="plan_actions")
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    percent_done = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["owner", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent_done__lte=100), name="plan_action_percent_range"
            ),
        ]

    def __str__(self) -> str:
        return self.description


class SwotItem(models.Model):
    class Kind(models.TextChoices):
        STRENGTH = "strength", "Strength"
        WEAKNESS = "weakness", "Weakness"
        OPPORTUNITY = "opportunity", "Opportunity"
        THREAT = "threat", "Threat"

    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="swot")
    kind = models.CharField(max_length=11, choices=Kind.choices)
    text = models.CharField(max_length=300)

    class Meta:
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text}"


class WhitespaceCell(models.Model):
    """One offering of ours × one business unit of the customer."""

    class State(models.TextChoices):
        WON = "won", "Won"
        OPEN = "open", "Open opportunity"
        COMPETITOR = "competitor", "Held by a competitor"
        NOT_RELEVANT = "not_relevant", "Not relevant"

    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="whitespace")
    offering = models.CharField(max_length=120)
    business_unit = models.CharField(max_length=120)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    competitor = models.CharField(max_length=120, blank=True)
    renewal_on = models.DateField("competitor's renewal date", null=True, blank=True)

    class Meta:
        ordering = ["offering", "business_unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "offering", "business_unit"],
                name="whitespace_cell_unique",
                violation_error_message="That offering and business unit already have a cell.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offering} × {self.business_unit}: {self.get_state_display()}"


class JointInitiative(models.Model):
    """Joint development with the customer, with the investment each side puts in."""

    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="initiatives")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=TEXT_LIMIT)
    our_investment = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    customer_investment = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(our_investment__gte=0, customer_investment__gte=0),
                name="initiative_investment_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Investment(models.Model):
    """Invest in one fiscal year for a benefit in later ones (docs/architecture.md, vocabulary)."""

    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="investments")
    description = models.CharField(max_length=300)
    cost = models.DecimalField(max_digits=14, decimal_places=2)
    cost_fiscal_year = models.PositiveSmallIntegerField()
    expected_benefit = models.DecimalField(max_digits=14, decimal_places=2)
    benefit_from_fiscal_year = models.PositiveSmallIntegerField()
    benefit_to_fiscal_year = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["cost_fiscal_year", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cost__gte=0, expected_benefit__gte=0),
                name="investment_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(benefit_from_fiscal_year__gt=models.F("cost_fiscal_year"))
                & models.Q(benefit_to_fiscal_year__gte=models.F("benefit_from_fiscal_year")),
                name="investment_benefit_after_cost",
                violation_error_message="The benefit must come in fiscal years after the cost.",
            ),
        ]

    def __str__(self) -> str:
        return self.description
