"""Writes to the health alerts a user has received (raised by the nightly scoring)."""

from django.db import transaction
from django.utils import timezone

from relationships.models import ScoreAlert


@transaction.atomic
def score_alerts_mark_read(*, user) -> int:
    """Mark every unread alert of `user` read; returns how many were unread."""
    return ScoreAlert.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
