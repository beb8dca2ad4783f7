"""Health alerts to account owners: raised by the nightly scoring once per episode, marked read by them.

An episode begins the day an account's band drops (green→amber, amber→red, green→red) or its recent
interactions turn mostly firefighting (relationships/scoring/compute.py); a rerun the same day, or the
next night still in the same state, raises nothing new.
"""

import datetime

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from relationships.models import ScoreAlert
from relationships.scoring import compute
from relationships.scoring.inputs import Inputs, line_up
from relationships.scoring.models import BANDS_BY_RANK
from relationships.scoring.output import ChunkScores

RANK_OF_BAND = {band.value: rank for rank, band in BANDS_BY_RANK.items()}
FIREFIGHTING_MESSAGE = "Most recent interactions are firefighting or escalation."

Alert = tuple[int, int, str, str]  # account id, owner id, kind, message


def chunk_alerts(inputs: Inputs, scores: ChunkScores) -> list[Alert]:
    """The alerts a chunk's scores raise, against each account's previous snapshot and its detail."""
    previous = line_up(inputs.previous, scores.account_id)
    before = previous["band"].tolist()  # None: no snapshot that week
    previous_rank = np.array([RANK_OF_BAND.get(band, 0) for band in before])
    was_firefighting = np.array([bool(flag) for flag in previous["mostly_firefighting"].tolist()], bool)
    dropped = compute.band_dropped(previous_rank, scores.band_rank)
    firefighting = scores.mostly_firefighting & ~was_firefighting
    alerts = []
    for k in np.flatnonzero(dropped | firefighting).tolist():
        account_id, owner_id = int(scores.account_id[k]), int(scores.owner_id[k])
        if dropped[k]:
            current = BANDS_BY_RANK[int(scores.band_rank[k])].value
            message = f"Health dropped from {before[k]} to {current}."
            alerts.append((account_id, owner_id, ScoreAlert.Kind.BAND_DROP.value, message))
        if firefighting[k]:
            alerts.append(
                (account_id, owner_id, ScoreAlert.Kind.MOSTLY_FIREFIGHTING.value, FIREFIGHTING_MESSAGE)
            )
    return alerts


def score_alerts_raise(*, alerts: list[Alert], day: datetime.date) -> None:
    """Insert the alerts once per (account, kind, episode): a rerun the same day finds them there."""
    if not alerts:
        return
    accounts, users, kinds, messages = (list(column) for column in zip(*alerts, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {ScoreAlert._meta.db_table}
                    (account_id, user_id, kind, episode_on, message, created_at)
                SELECT a, u, k, %s, m, now()
                FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[]) AS t(a, u, k, m)
                ON CONFLICT (account_id, kind, episode_on) DO NOTHING""",  # noqa: S608 - our table name
            [day, accounts, users, kinds, messages],
        )


@transaction.atomic
def score_alerts_mark_read(*, user) -> int:
    """Mark every unread alert of `user` read; returns how many were unread."""
    return ScoreAlert.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
