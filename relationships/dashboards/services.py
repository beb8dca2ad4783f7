"""The nightly snapshot behind the dashboards' interaction mix: set-based SQL, never a per-account loop."""

import datetime

from django.db import connection, transaction
from django.utils import timezone

from relationships.models import InteractionMonthlyMix

MIX_MONTHS = 36


def interaction_mix_refresh(*, since: datetime.date | None = None) -> int:
    """Rebuild the monthly interaction mix from `since` (default: 36 months ago); returns rows written."""
    today = timezone.localdate()
    since = (since or today - datetime.timedelta(days=31 * MIX_MONTHS)).replace(day=1)
    table = InteractionMonthlyMix._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE month >= %s", [since])  # noqa: S608 -- table name is ours
        cursor.execute(
            f"""INSERT INTO {table} (account_id, month, category, interactions, sentiment_sum)
            SELECT account_id, date_trunc('month', occurred_on)::date, category, count(*), sum(sentiment)
            FROM relationships_interaction WHERE occurred_on >= %s
            GROUP BY 1, 2, 3""",  # noqa: S608 -- table name is ours
            [since],
        )
        return cursor.rowcount
