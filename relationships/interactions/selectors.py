"""Reads of interactions. Each function starts from an account or account set the gateway handed out."""

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from accounts.models import Account, Stakeholder
from compliance.access import visible_accounts
from relationships.models import FollowUpAction, Interaction
from relationships.plans.selectors import open_actions_of_latest_plans

# The relationship check asks about "your last three" interactions.
RECENT = 3
UPCOMING_DAYS = 7


def interactions_of(account: Account) -> QuerySet[Interaction]:
    """An account's timeline, newest first, with what a row shows loaded in a fixed number of queries."""
    return (
        account.interactions.select_related("author")
        .prefetch_related("our_participants", "their_participants", "follow_ups__owner")
        .order_by("-occurred_on", "-id")
    )


def in_trouble(categories: list[str]) -> bool:
    """Most (at least 2 of the last 3) interactions were firefighting, escalation or unvalued work.

    The relationship check's rule. The nightly score has its own, named apart: "mostly firefighting"
    (relationships/scoring/compute.py, over the last 90 days).
    """
    return sum(category in Interaction.TROUBLE for category in categories[:RECENT]) >= 2


def relationship_check(account: Account) -> dict:
    last = list(account.interactions.order_by("-occurred_on", "-id")[:RECENT])
    categories = [interaction.category for interaction in last]
    return {"word": account.relationship_word, "last": last, "in_trouble": in_trouble(categories)}


def _recent_categories(accounts: QuerySet[Account]) -> dict[int, list[str]]:
    """The last three categories of every account in one query (a window, not a loop per account)."""
    ranked = Interaction.objects.filter(account__in=accounts).annotate(
        rank=Window(
            RowNumber(), partition_by=[F("account_id")], order_by=[F("occurred_on").desc(), F("id").desc()]
        )
    )
    recent: dict[int, list[str]] = defaultdict(list)
    for account_id, category in (
        ranked.filter(rank__lte=RECENT).order_by("account_id", "rank").values_list("account_id", "category")
    ):
        recent[account_id].append(category)
    return recent


def _open_follow_ups(user, accounts: QuerySet[Account]) -> QuerySet[FollowUpAction]:
    return (
        FollowUpAction.objects.filter(owner=user, done_at__isnull=True, interaction__account__in=accounts)
        .select_related("interaction__account")
        .order_by("due_on", "id")
    )


def _open_plan_actions(user, accounts: QuerySet[Account], today: date, until: date) -> tuple[list, list]:
    """Open actions owned by `user` in each account's latest plan, split into overdue and upcoming."""
    actions = open_actions_of_latest_plans(accounts).filter(owner=user, due_on__lte=until)
    actions = list(actions)
    return [a for a in actions if a.due_on < today], [a for a in actions if a.due_on >= today]


def _silent_stakeholders(accounts: QuerySet[Account], since: date) -> list[Stakeholder]:
    """Stakeholders nobody met since `since` ("contacted" means a participant in an interaction)."""
    return list(
        Stakeholder.objects.filter(account__in=accounts)
        .annotate(last_contact=F("last_contact_on"))
        .filter(Q(last_contact__isnull=True) | Q(last_contact__lt=since))
        .select_related("account")
        .order_by(F("last_contact").asc(nulls_first=True), "name")
    )


def my_week(user, *, days: int) -> dict:
    """Everything on the "My week" page, in a fixed number of queries whatever the portfolio size."""
    today = timezone.localdate()
    until = today + timedelta(days=UPCOMING_DAYS)
    accounts = visible_accounts(user)
    account_list = list(accounts.select_related("segment").order_by("name"))
    follow_ups = list(_open_follow_ups(user, accounts).filter(due_on__lte=until))
    plan_overdue, plan_upcoming = _open_plan_actions(user, accounts, today, until)
    recent = _recent_categories(accounts)
    return {
        "today": today,
        "accounts": account_list,
        "overdue": [f for f in follow_ups if f.due_on < today],
        "upcoming": [f for f in follow_ups if f.due_on >= today],
        "plan_overdue": plan_overdue,
        "plan_upcoming": plan_upcoming,
        "silent": _silent_stakeholders(accounts, today - timedelta(days=days)),
        "days": days,
        "troubled": [
            (account, recent[account.pk]) for account in account_list if in_trouble(recent[account.pk])
        ],
    }
