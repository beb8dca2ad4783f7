"""Interactions for tests, created through the service so every rule applies."""

from datetime import timedelta

from django.utils import timezone

from relationships.interactions.services import FollowUp, interaction_create
from relationships.models import Interaction


def log_interaction(account, author, *, days_ago: int = 1, **fields) -> Interaction:
    data = {
        "occurred_on": timezone.localdate() - timedelta(days=days_ago),
        "channel": Interaction.Channel.CALL,
        "category": Interaction.Category.RELATIONSHIP,
        "summary": "Talked about next year's roll-out.",
        "our_participants": [author],
    }
    data.update(fields)
    return interaction_create(account=account, author=author, **data)


def follow_up(owner, *, due_in_days: int, description: str = "Send the proposal") -> FollowUp:
    return FollowUp(
        description=description, owner=owner, due_on=timezone.localdate() + timedelta(days=due_in_days)
    )
