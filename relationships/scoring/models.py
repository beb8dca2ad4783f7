"""Revenue and margin per month (confidential), the nightly scores, their runs and settings, alerts.

A night's score of an account is two rows keyed by (account, date): the sanitized snapshot
(`AccountScore`: health, band, trend, CLV), safe to show across walls, and its confidential detail
(`AccountScoreDetail`: measure scores, contributions, annual margin), under row-level security.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from accounts.models import Account
from relationships.scoring.compute import (
    AMBER_RANK,
    GREEN_RANK,
    INSUFFICIENT_RANK,
    MEASURES,
    RED_RANK,
)

unit_interval = [MinValueValidator(0.0), MaxValueValidator(1.0)]
score_range = [MinValueValidator(0.0), MaxValueValidator(100.0)]


class MonthlyRevenue(models.Model):
    """Confidential: what the account bought in one month and the margin we made on it."""

    # No index of its own: the unique (account, month) constraint leads with the account.
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="monthly_revenue", db_index=False
    )
    month = models.DateField(help_text="The first day of the month.")
    revenue = models.DecimalField(max_digits=14, decimal_places=2)
    margin = models.DecimalField(max_digits=14, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account", "-month"]
        constraints = [
            # Covering (INCLUDE revenue, margin): the nightly scoring sums an account range's revenue
            # from this index alone, in account order (relationships/scoring/inputs.py).
            models.UniqueConstraint(
                fields=["account", "month"], include=["revenue", "margin"], name="revenue_one_row_per_month"
            ),
            models.CheckConstraint(condition=models.Q(month__day=1), name="revenue_month_first_day"),
            models.CheckConstraint(condition=models.Q(revenue__gte=0), name="revenue_not_negative"),
            models.CheckConstraint(
                condition=models.Q(margin__lte=models.F("revenue")), name="revenue_margin_at_most_revenue"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.month:%Y-%m}"


class ScoringSettings(models.Model):
    """The one row of health weights and thresholds an administrator edits (pk is always 1)."""

    weight_interaction_mix = models.FloatField(default=25, validators=[MinValueValidator(0)])
    weight_engagement_recency = models.FloatField(default=15, validators=[MinValueValidator(0)])
    weight_engagement_trend = models.FloatField(default=10, validators=[MinValueValidator(0)])
    weight_stakeholder_coverage = models.FloatField(default=15, validators=[MinValueValidator(0)])
    weight_plan_progress = models.FloatField(default=15, validators=[MinValueValidator(0)])
    weight_commercial_trend = models.FloatField(default=10, validators=[MinValueValidator(0)])
    weight_open_escalations = models.FloatField(default=10, validators=[MinValueValidator(0)])
    green_from = models.FloatField("green from score", default=70, validators=score_range)
    amber_from = models.FloatField("amber from score", default=40, validators=score_range)
    min_coverage = models.FloatField(
        default=0.5,
        validators=unit_interval,
        help_text='Share of the total weight that must have data; below it the band is "insufficient data".',
    )
    half_life_days = models.FloatField(
        default=90, validators=[MinValueValidator(1)], help_text="Interaction value halves every N days."
    )
    recency_zero_days = models.FloatField(
        default=120, validators=[MinValueValidator(1)], help_text="Days of silence that give recency 0."
    )
    retention_at_health_0 = models.FloatField(default=0.5, validators=unit_interval)
    retention_at_health_100 = models.FloatField(default=0.95, validators=unit_interval)
    default_retention = models.FloatField(
        default=0.75, validators=unit_interval, help_text="When neither health nor segment rate is known."
    )
    firefighting_share = models.FloatField(
        default=0.5,
        validators=unit_interval,
        help_text="Alert when more than this share of the last 90 days' interactions are "
        "firefighting or escalation.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "scoring settings"
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="scoring_settings_singleton")]

    def __str__(self) -> str:
        return "Scoring settings"

    def clean(self) -> None:
        if self.amber_from >= self.green_from:
            raise ValidationError({"amber_from": "Amber must start below green."})
        if self.retention_at_health_0 > self.retention_at_health_100:
            raise ValidationError({"retention_at_health_0": "Retention cannot fall as health rises."})
        if sum(self.weights()) <= 0:
            raise ValidationError("At least one weight must be positive.")

    def weights(self) -> tuple[float, ...]:
        return tuple(getattr(self, f"weight_{name}") for name in MEASURES)


class ScoringRun(models.Model):
    """One nightly (or manual) recompute, split into account-range chunks."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Finished with failures"
        ABANDONED = "abandoned", "Abandoned"

    scored_on = models.DateField()
    trigger = models.CharField(max_length=20, default="nightly")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    chunks_failed = models.PositiveIntegerField(default=0)
    accounts = models.PositiveIntegerField(default=0, help_text="Accounts scored.")
    seconds = models.FloatField(null=True, blank=True)
    # Segment id -> mean retention of its scored accounts, fixed at the start so every chunk agrees.
    segment_retention = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["status", "started_at"])]

    def __str__(self) -> str:
        return f"Scoring run {self.pk} for {self.scored_on} ({self.status})"


class ScoringRunChunk(models.Model):
    """One account-id range of a run; a chunk is recorded once however often it is delivered."""

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="chunks")
    first_account_id = models.BigIntegerField()
    last_account_id = models.BigIntegerField()
    accounts = models.PositiveIntegerField(default=0)
    failed = models.BooleanField(default=False)
    error = models.CharField(max_length=300, blank=True)
    finished_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["first_account_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "first_account_id"], name="scoring_chunk_once_per_run")
        ]

    def __str__(self) -> str:
        return f"accounts {self.first_account_id}–{self.last_account_id}"


class Band(models.TextChoices):
    """An account's health band on a snapshot (the thresholds are in ScoringSettings)."""

    GREEN = "green", "Green (healthy)"
    AMBER = "amber", "Amber (watch)"
    RED = "red", "Red (at risk)"
    INSUFFICIENT = "insufficient", "No score"


# The band of each rank relationships/scoring/compute.py's `health` gives.
BANDS_BY_RANK = {
    INSUFFICIENT_RANK: Band.INSUFFICIENT,
    RED_RANK: Band.RED,
    AMBER_RANK: Band.AMBER,
    GREEN_RANK: Band.GREEN,
}
AT_RISK = (Band.AMBER, Band.RED)


class AccountScore(models.Model):
    """Sanitized: the daily snapshot of an account's health and CLV, one row per account and date, upserted.

    Safe across walls (portfolio dashboards read it for every account); what explains the score
    and the margin behind the CLV are in AccountScoreDetail, under row-level security.
    """

    # No index of its own: the unique (account, scored_on) constraint leads with the account, and one
    # index fewer is measurably quicker for the nightly upsert of every account's row.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="scores", db_index=False)
    scored_on = models.DateField()
    health = models.FloatField(null=True, blank=True)
    band = models.CharField(max_length=12, choices=Band.choices)
    trend_30d = models.FloatField(null=True, blank=True, help_text="Health points since 30 days ago.")
    coverage = models.FloatField(help_text="Share of the configured weight whose measures had data.")
    retention = models.FloatField(null=True, blank=True)
    retention_source = models.CharField(max_length=8, blank=True)  # health | segment | default
    clv = models.FloatField(null=True, blank=True)
    clv_curve = ArrayField(models.FloatField(), default=list, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["account", "-scored_on"]
        constraints = [
            models.UniqueConstraint(fields=["account", "scored_on"], name="score_one_per_account_day"),
            models.CheckConstraint(condition=models.Q(band__in=Band.values), name="score_band_known"),
        ]
        indexes = [models.Index(fields=["scored_on", "band"])]

    def __str__(self) -> str:
        return f"{self.account} on {self.scored_on}: {self.health} ({self.band})"


class AccountScoreDetail(models.Model):
    """Confidential: why an account's snapshot scored what it did, and the margin behind its CLV.

    One row per AccountScore, keyed by the same (account, date) and written with it. Arrays follow
    relationships/scoring/compute.py's MEASURES; a NULL entry is a measure without data.
    """

    # The key is the snapshot's: no id column, and one index for the nightly insert to maintain.
    pk = models.CompositePrimaryKey("account", "scored_on")
    # No foreign key in the database: its check on every nightly row doubled the commit's key checks
    # (the snapshot's own already holds the account); deletes still cascade here, and rows are only
    # ever written with their snapshot (relationships/scoring/output.py).
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="score_details", db_index=False, db_constraint=False
    )
    scored_on = models.DateField()
    measure_scores = ArrayField(models.FloatField(null=True))
    contributions = ArrayField(models.FloatField(null=True))
    mostly_firefighting = models.BooleanField(
        default=False, help_text="Most of the last 90 days' interactions were firefighting or escalation."
    )
    annual_margin = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["account_id", "-scored_on"]

    def __str__(self) -> str:
        return f"Score detail of account {self.account_id} on {self.scored_on}"


class ScoreAlert(models.Model):
    """A notification to the account owner, once per account, kind and episode (the day it began)."""

    class Kind(models.TextChoices):
        BAND_DROP = "band_drop", "Health band dropped"
        MOSTLY_FIREFIGHTING = "firefighting", "Mostly firefighting or escalation"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="score_alerts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="score_alerts")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    episode_on = models.DateField(help_text="The day the drop or the firefighting began.")
    message = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["account", "kind", "episode_on"], name="score_alert_once")
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.message
