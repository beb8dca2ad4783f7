"""Two years of history for the demo portfolio: monthly revenue and margin, interactions, scores.

Each account follows its orientation (docs/architecture.md, vocabulary): partnerships grow and are
mostly value-adding or relationship building; price-only accounts shrink and are mostly
firefighting and escalations.
Interactions are bulk-created here (demo data only; the app writes them through
relationships/interactions/services.py). Then the nightly scoring runs for five past dates, so the
health panel has a 30-day trend and some owners have alerts.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import Stakeholder
from relationships.dashboards.services import interaction_mix_refresh
from relationships.interactions.services import stakeholders_last_contact_refresh
from relationships.models import Interaction
from relationships.revenue.services import monthly_revenue_upsert
from relationships.scoring.services import scoring_run_now

MONTHS = 24
# orientation -> (annual growth, margin rate, interactions a month, category weights)
CATEGORIES = ("value_adding", "relationship", "firefighting", "escalation", "unvalued")
PROFILES = {
    "partnership": (0.12, 0.32, 4, dict(zip(CATEGORIES, (5, 4, 1, 0, 1), strict=True))),
    "balanced": (0.03, 0.24, 3, dict(zip(CATEGORIES, (3, 3, 2, 1, 1), strict=True))),
    "price_only": (-0.08, 0.12, 3, dict(zip(CATEGORIES, (1, 1, 4, 3, 2), strict=True))),
}
BASE_REVENUE = {"key": 400_000, "strategic": 150_000, "standard": 40_000}
SUMMARIES = {
    "value_adding": "Walked them through how peers use our platform; agreed a pilot in a new unit.",
    "relationship": "Quarterly catch-up with the sponsor on their 12-month priorities.",
    "firefighting": "Urgent fix for a failed delivery; restored service the same day.",
    "escalation": "Escalation from their operations director about repeated delays.",
    "unvalued": "Rebuilt a report they did not end up using.",
}
CHANNELS = ("meeting", "call", "email", "visit", "qbr", "workshop")
SCORED_DAYS_AGO = (35, 28, 21, 14, 7, 0)


def _months(today: datetime.date) -> list[datetime.date]:
    first = today.replace(day=1)
    months = []
    for ago in range(MONTHS, 0, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - ago, 12)
        months.append(datetime.date(year, month + 1, 1))
    return months


def _revenue(builder, account, orientation: str, months: list[datetime.date]) -> list[tuple]:
    growth, margin_rate, _count, _mix = PROFILES[orientation]
    monthly = BASE_REVENUE[account.tier] / 12 * builder.rng.uniform(0.6, 1.4)
    rows = []
    for index, month in enumerate(months):
        trend = (1 + growth) ** (index / 12)
        revenue = monthly * trend * builder.rng.uniform(0.85, 1.15)
        margin = revenue * margin_rate * builder.rng.uniform(0.8, 1.2)
        rows.append((account.pk, month, Decimal(f"{revenue:.2f}"), Decimal(f"{margin:.2f}")))
    return rows


def _interactions(builder, account, orientation: str, today: datetime.date) -> list[Interaction]:
    _growth, _margin, per_month, mix = PROFILES[orientation]
    categories, weights = list(mix), list(mix.values())
    count = per_month * MONTHS + builder.rng.randint(-5, 5)
    rows = []
    for _ in range(count):
        category = builder.rng.choices(categories, weights=weights)[0]
        # Price-only relationships have got worse lately: their recent months skew to trouble.
        days_ago = builder.rng.randint(0, MONTHS * 30)
        if orientation == "price_only" and days_ago < 90 and builder.rng.random() < 0.5:
            category = "firefighting"
        rows.append(
            Interaction(
                account=account,
                occurred_on=today - datetime.timedelta(days=days_ago),
                channel=builder.rng.choice(CHANNELS),
                category=category,
                summary=SUMMARIES[category],
                sentiment={"value_adding": 1, "relationship": 1, "escalation": -2}.get(category, -1),
                author=account.owner,
            )
        )
    return rows


def add_history(builder) -> None:
    """Two years of revenue and interactions (with some of the account's stakeholders)."""
    today = timezone.localdate()
    months = _months(today)
    revenue, interactions = [], []
    for account in builder.accounts.values():
        revenue += _revenue(builder, account, account.orientation, months)
        interactions += _interactions(builder, account, account.orientation, today)
    monthly_revenue_upsert(rows=revenue)
    created = Interaction.objects.bulk_create(interactions)
    _add_participants(builder, created)
    stakeholders_last_contact_refresh()  # the bulk insert above bypassed the interaction services
    builder.counts["revenue months"] = len(revenue)
    builder.counts["interactions"] = len(created)


def add_scores() -> None:
    """Five weeks of nightly snapshots, once the plans exist (plan progress is one of the measures)."""
    today = timezone.localdate()
    for days_ago in SCORED_DAYS_AGO:
        scoring_run_now(scored_on=today - datetime.timedelta(days=days_ago))
    interaction_mix_refresh()  # the dashboards' monthly summary, as the nightly task builds it


def _add_participants(builder, interactions: list[Interaction]) -> None:
    people: dict[int, list[int]] = {}
    ids = [account.pk for account in builder.accounts.values()]
    for account_id, stakeholder_id in Stakeholder.objects.filter(account_id__in=ids).values_list(
        "account_id", "pk"
    ):
        people.setdefault(account_id, []).append(stakeholder_id)
    through = Interaction.their_participants.through
    links = []
    for interaction in interactions:
        candidates = people.get(interaction.account_id, [])
        for stakeholder_id in builder.rng.sample(candidates, min(len(candidates), builder.rng.randint(0, 2))):
            links.append(through(interaction_id=interaction.pk, stakeholder_id=stakeholder_id))
    through.objects.bulk_create(links)
