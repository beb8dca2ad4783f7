"""Confidential: what happened with the customer, and what we promised to do next."""

from django.conf import settings
from django.db import models

from accounts.models import Account, Stakeholder
from kam.lib.text import TEXT_LIMIT


class Interaction(models.Model):
    class Channel(models.TextChoices):
        MEETING = "meeting", "Meeting"
        CALL = "call", "Call"
        EMAIL = "email", "Email"
        VISIT = "visit", "Visit"
        QBR = "qbr", "QBR"
        WORKSHOP = "workshop", "Workshop"
        OTHER = "other", "Other"

    class Category(models.TextChoices):
        """The value of the interaction to the relationship (docs/architecture.md, vocabulary)."""

        RELATIONSHIP = "relationship", "Relationship building"
        VALUE_ADDING = "value_adding", "Value-adding (growing share of wallet)"
        FIREFIGHTING = "firefighting", "Firefighting"
        ESCALATION = "escalation", "Escalation"
        UNVALUED = "unvalued", "Solving a problem the customer does not value"

    # The score's "mostly firefighting" rule and the dashboards' firefighting share count these.
    FIREFIGHTING_CATEGORIES = (Category.FIREFIGHTING, Category.ESCALATION)
    # The account page's relationship check warns of a relationship "in trouble" when most of the
    # last three interactions fall in these (relationships/interactions/selectors.py).
    TROUBLE = (*FIREFIGHTING_CATEGORIES, Category.UNVALUED)

    class Sentiment(models.IntegerChoices):
        VERY_NEGATIVE = -2, "Very negative"
        NEGATIVE = -1, "Negative"
        NEUTRAL = 0, "Neutral"
        POSITIVE = 1, "Positive"
        VERY_POSITIVE = 2, "Very positive"

    class WorkType(models.TextChoices):
        SUPPORT = "support", "Support (free)"
        CHARGEABLE = "chargeable", "Chargeable"

    # No index of its own: the two composite indexes below lead with the account.
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="interactions", db_index=False
    )
    occurred_on = models.DateField("date")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    category = models.CharField(max_length=14, choices=Category.choices)
    summary = models.TextField(max_length=TEXT_LIMIT)
    sentiment = models.SmallIntegerField(
        "customer sentiment", choices=Sentiment.choices, default=Sentiment.NEUTRAL
    )
    effort_hours = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    work_type = models.CharField(max_length=10, choices=WorkType.choices, default=WorkType.SUPPORT)
    should_have_been_charged = models.BooleanField(
        default=False, help_text="Free work that should have been chargeable."
    )
    our_participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="interactions"
    )
    their_participants = models.ManyToManyField(Stakeholder, blank=True, related_name="interactions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_interactions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["account", "-occurred_on"]),
            # Covering (INCLUDE occurred_on): the nightly scoring reads every interaction of an
            # account range from this index alone, already grouped by account and category
            # (relationships/scoring/inputs.py). It replaces the plain (account, category)
            # index rather than adding one, and the account's own foreign-key index is dropped
            # (redundant with both composites), so an insert maintains one index fewer than before.
            models.Index(
                fields=["account", "category"], include=["occurred_on"], name="interaction_acct_cat_cover"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effort_hours__gte=0), name="interaction_effort_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(sentiment__gte=-2, sentiment__lte=2), name="interaction_sentiment_range"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    category__in=["relationship", "value_adding", "firefighting", "escalation", "unvalued"]
                ),
                name="interaction_category_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} with {self.account} on {self.occurred_on}"


class FollowUpAction(models.Model):
    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="follow_ups")
    description = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="follow_up_actions"
    )
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["owner", "due_on"])]

    def __str__(self) -> str:
        return self.description
