"""Key accounts and their context.

`Account` holds only sanitized fields (safe across walls: name, segment, tier, owner, the one-word
relationship and orientation). Everything confidential about an account lives in tables keyed by
it (`AccountContext`, `BusinessForce`, `Stakeholder`) and is read through compliance/access.py.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

from kam.lib.text import TEXT_LIMIT

one_word = RegexValidator(
    r"^[^\W\d_]+(?:-[^\W\d_]+)*$",
    "Describe the relationship in one word (letters and hyphens, no spaces).",
)


class Segment(models.Model):
    """A market segment: accounts are grouped by it and competitors compete within it."""

    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="segment_name_unique_ci",
                violation_error_message="A segment with this name already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    class Tier(models.TextChoices):
        KEY = "key", "Key"
        STRATEGIC = "strategic", "Strategic"
        STANDARD = "standard", "Standard"

    class Orientation(models.TextChoices):
        PARTNERSHIP = "partnership", "Partnership"
        BALANCED = "balanced", "Balanced"
        PRICE_ONLY = "price_only", "Price only"

    name = models.CharField(max_length=120)
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="accounts")
    tier = models.CharField(max_length=12, choices=Tier.choices, default=Tier.STANDARD)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_accounts"
    )
    relationship_word = models.CharField(
        "relationship in one word", max_length=40, blank=True, validators=[one_word]
    )
    orientation = models.CharField(max_length=12, choices=Orientation.choices, default=Orientation.BALANCED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        permissions = [
            ("view_portfolio", "Can view sanitized portfolio metrics of every account"),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="account_name_unique_ci",
                violation_error_message="An account with this name already exists.",
            ),
            models.CheckConstraint(
                condition=models.Q(tier__in=["key", "strategic", "standard"]),
                name="account_tier_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(orientation__in=["partnership", "balanced", "price_only"]),
                name="account_orientation_valid",
            ),
        ]
        indexes = [models.Index(fields=["segment", "tier"]), models.Index(fields=["owner"])]

    def __str__(self) -> str:
        return self.name


class AccountContext(models.Model):
    """Confidential: the customer's competitive environment and its own strategy by horizon."""

    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, primary_key=True, related_name="context"
    )
    market_position = models.TextField(blank=True, max_length=TEXT_LIMIT)
    other_competitors = models.TextField(
        blank=True,
        max_length=TEXT_LIMIT,
        help_text="The customer's competitors that are not accounts of ours.",
    )
    strategy_3m = models.TextField("strategy, next 3 months", blank=True, max_length=TEXT_LIMIT)
    strategy_6m = models.TextField("strategy, next 6 months", blank=True, max_length=TEXT_LIMIT)
    strategy_12m = models.TextField("strategy, next 12 months", blank=True, max_length=TEXT_LIMIT)
    strategy_18m = models.TextField("strategy, next 18 months", blank=True, max_length=TEXT_LIMIT)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Context of {self.account}"


class BusinessForce(models.Model):
    """Confidential: a force in the customer's business environment and how it bears on them."""

    class Kind(models.TextChoices):
        TECHNOLOGY = "technology", "Technology disruption"
        CONSOLIDATION = "consolidation", "Consolidation, mergers and acquisitions"
        INVESTORS = "investors", "Investor pressure"
        REGULATION = "regulation", "Regulation"
        GLOBALIZATION = "globalization", "Globalization"
        CUSTOMERS = "customers", "Changing customer expectations"
        OTHER = "other", "Other"

    class Impact(models.TextChoices):
        THREAT = "threat", "Threat"
        OPPORTUNITY = "opportunity", "Opportunity"
        MIXED = "mixed", "Both"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="forces")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    impact = models.CharField(max_length=12, choices=Impact.choices, default=Impact.MIXED)
    description = models.TextField(max_length=TEXT_LIMIT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.account})"


class CompetitorLink(models.Model):
    """An undirected "competes with" edge between two accounts in one market segment.

    Stored once per pair, lower id first, so A-B and B-A cannot both exist.
    """

    account_a = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    account_b = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="competitor_links")
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(account_a__lt=models.F("account_b")),
                name="competitor_link_ordered_pair",
            ),
            models.UniqueConstraint(
                fields=["account_a", "account_b", "segment"], name="competitor_link_unique"
            ),
        ]
        indexes = [models.Index(fields=["account_b"])]

    def __str__(self) -> str:
        return f"{self.account_a} competes with {self.account_b} in {self.segment}"


class AccountTeamMember(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", "Lead"
        MEMBER = "member", "Member"
        SPONSOR = "sponsor", "Executive sponsor"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_teams")
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["role", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["account", "user"], name="team_member_unique"),
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(role="lead"),
                name="team_one_lead_per_account",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["lead", "member", "sponsor"]),
                name="team_role_valid",
            ),
        ]
        indexes = [models.Index(fields=["user", "account"])]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) on {self.account}"


class Stakeholder(models.Model):
    """Confidential: a person at the customer, placed in their org chart by reports-to."""

    class Influence(models.IntegerChoices):
        LOW = 1, "Low"
        MEDIUM = 2, "Medium"
        HIGH = 3, "High"
        DECISION_MAKER = 4, "Decision maker"

    class Attitude(models.TextChoices):
        CHAMPION = "champion", "Champion"
        SUPPORTER = "supporter", "Supporter"
        NEUTRAL = "neutral", "Neutral"
        SKEPTIC = "skeptic", "Skeptic"
        BLOCKER = "blocker", "Blocker"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="stakeholders")
    name = models.CharField(max_length=120)
    title = models.CharField(max_length=120)
    reports_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    influence = models.PositiveSmallIntegerField(choices=Influence.choices, default=Influence.MEDIUM)
    attitude = models.CharField(max_length=10, choices=Attitude.choices, default=Attitude.NEUTRAL)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    notes = models.TextField(blank=True, max_length=TEXT_LIMIT)
    relationship_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_stakeholders",
    )
    # Latest interaction they took part in; kept by the interaction services so that pages never
    # aggregate raw interactions to find who is going cold.
    last_contact_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-influence", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reports_to=models.F("id")),
                name="stakeholder_not_own_manager",
            ),
            models.CheckConstraint(
                condition=models.Q(influence__gte=1, influence__lte=4),
                name="stakeholder_influence_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.title}"


class SessionEpoch(models.Model):
    """A user's session generation: "sign out everywhere" raises it, ending every older session.

    Each session remembers the epoch it was signed in under (accounts/signin/sessions.py); a user
    without a row is at epoch 0.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="session_epoch"
    )
    epoch = models.PositiveIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id}: epoch {self.epoch}"
