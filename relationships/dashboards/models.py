"""Precomputed monthly interaction mix per account: what the dashboards read instead of raw rows."""

from django.db import models

from accounts.models import Account


class InteractionMonthlyMix(models.Model):
    """Confidential (derived from interactions): count and summed sentiment per account, month, category.

    Rebuilt nightly by `relationships.dashboards.services.interaction_mix_refresh` (set-based SQL).
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField(help_text="The first day of the month.")
    category = models.CharField(max_length=14)
    interactions = models.PositiveIntegerField()
    sentiment_sum = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "month", "category"], name="interaction_mix_once"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.month:%Y-%m} {self.category}: {self.interactions}"
