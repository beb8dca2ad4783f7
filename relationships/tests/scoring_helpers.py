"""Data for the scoring tests: interactions and revenue written straight to the tables (fast)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from relationships.models import AccountScore, AccountScoreDetail, Interaction
from relationships.revenue.services import monthly_revenue_upsert

TODAY = timezone.localdate


def interact(account, category: str, days_ago: int, author=None) -> Interaction:
    return Interaction.objects.create(
        account=account,
        occurred_on=TODAY() - datetime.timedelta(days=days_ago),
        channel="call",
        category=category,
        summary="Test.",
        author=author or account.owner,
    )


def monthly_revenue(account, months: int, revenue: float, margin: float, growth: float = 0.0) -> None:
    """`months` complete months before this one; revenue grows by `growth` a month."""
    first = TODAY().replace(day=1)
    rows = []
    for ago in range(1, months + 1):
        year, month = divmod(first.year * 12 + first.month - 1 - ago, 12)
        factor = (1 + growth) ** (months - ago)
        rows.append(
            (
                account.pk,
                datetime.date(year, month + 1, 1),
                Decimal(f"{revenue * factor:.2f}"),
                Decimal(f"{margin:.2f}"),
            )
        )
    monthly_revenue_upsert(rows=rows)


def snapshot_rows(day=None):
    """Every column of the day's snapshots and of their details, in account order."""
    rows = []
    for model in (AccountScore, AccountScoreDetail):
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "pk"]
        rows += model.objects.filter(scored_on=day or TODAY()).order_by("account_id").values_list(*fields)
    return rows
