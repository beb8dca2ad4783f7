"""Reads of account plans and the stakeholder map. Every function takes an account (or a plan of
one) that the gateway already handed out; nothing here queries a confidential table unscoped."""

import datetime
from collections import defaultdict
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Avg, Count, F, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Account, Stakeholder
from relationships.models import STALE_AFTER_DAYS, AccountPlan, PlanAction, SwotItem, WhitespaceCell
from relationships.plans import stakeholder_map

COVERAGE_DAYS = 90

# State is always shown as text plus a symbol; the colour only repeats it.
CELL_LOOK = {
    WhitespaceCell.State.WON: ("✔", "table-success"),
    WhitespaceCell.State.OPEN: ("◯", "table-warning"),
    WhitespaceCell.State.COMPETITOR: ("✖", "table-danger"),
    WhitespaceCell.State.NOT_RELEVANT: ("–", "table-light"),
}
ATTITUDE_LOOK = {
    Stakeholder.Attitude.CHAMPION: ("★", "#d1e7dd"),
    Stakeholder.Attitude.SUPPORTER: ("▲", "#e8f4ea"),
    Stakeholder.Attitude.NEUTRAL: ("●", "#f8f9fa"),
    Stakeholder.Attitude.SKEPTIC: ("▼", "#fff3cd"),
    Stakeholder.Attitude.BLOCKER: ("✖", "#f8d7da"),
}
INFLUENCE_BORDER = {1: 1, 2: 2, 3: 3.5, 4: 6}


def plan_of(account: Account, plan_id: int) -> AccountPlan:
    """One plan of a gateway-issued account, or 404."""
    return get_object_or_404(account.plans.select_related("account", "decided_by"), pk=plan_id)


def plan_item_of(plan: AccountPlan, related_name: str, item_id: int):
    return get_object_or_404(getattr(plan, related_name).select_related("plan__account"), pk=item_id)


def is_stale(plan: AccountPlan, *, now: datetime.datetime | None = None) -> bool:
    return plan.reviewed_at < (now or timezone.now()) - datetime.timedelta(days=STALE_AFTER_DAYS)


def plan_summaries(account: Account) -> list[AccountPlan]:
    """The account's plans, newest year first, with action progress, in one query."""
    plans = account.plans.annotate(
        actions_total=Count("actions"),
        actions_done=Count("actions", filter=Q(actions__status=PlanAction.Status.DONE)),
        average_percent=Avg("actions__percent_done"),
    ).order_by("-fiscal_year")
    now = timezone.now()
    summaries = list(plans)
    for plan in summaries:
        plan.stale = is_stale(plan, now=now)
        plan.done_percent = round(100 * plan.actions_done / plan.actions_total) if plan.actions_total else 0
    return summaries


def plan_detail(plan: AccountPlan) -> dict:
    """Everything the plan page shows, in a fixed number of queries."""
    actions = list(plan.actions.select_related("owner", "objective"))
    initiatives = list(plan.initiatives.all())
    investments = list(plan.investments.all())
    done = sum(action.status == PlanAction.Status.DONE for action in actions)
    return {
        "plan": plan,
        "stale": is_stale(plan),
        "objectives": list(plan.objectives.all()),
        "actions": actions,
        "actions_done": done,
        "done_percent": round(100 * done / len(actions)) if actions else 0,
        "swot": swot_quadrants(list(plan.swot.all())),
        "whitespace": whitespace_grid(list(plan.whitespace.all())),
        "initiatives": initiatives,
        "initiative_totals": initiative_totals(initiatives),
        "investments": investments,
        "investment_years": investment_years(investments),
    }


def swot_quadrants(items: list[SwotItem]) -> list[tuple[str, str, list[SwotItem]]]:
    """(kind, label, items) for the four quadrants in the usual S-W-O-T order."""
    by_kind = defaultdict(list)
    for item in items:
        by_kind[item.kind].append(item)
    plurals = {
        "strength": "Strengths",
        "weakness": "Weaknesses",
        "opportunity": "Opportunities",
        "threat": "Threats",
    }
    return [(kind, plurals[kind], by_kind[kind]) for kind in SwotItem.Kind.values]


def whitespace_grid(cells: list[WhitespaceCell]) -> dict:
    """Rows are our offerings, columns the customer's business units; a gap is None.

    Each row is (offering, [(unit, cell, gap)]): `gap` is the query string of the link that fills
    a gap, naming the offering and the unit by a cell already in that row and that column (ids,
    never the names: a URL ends up in logs and histories).
    """
    offerings = sorted({cell.offering for cell in cells}, key=str.lower)
    units = sorted({cell.business_unit for cell in cells}, key=str.lower)
    for cell in cells:
        cell.symbol, cell.css = CELL_LOOK[cell.state]
    lookup = {(cell.offering, cell.business_unit): cell for cell in cells}
    in_row = {cell.offering: cell.pk for cell in sorted(cells, key=lambda c: c.pk, reverse=True)}
    in_column = {cell.business_unit: cell.pk for cell in sorted(cells, key=lambda c: c.pk, reverse=True)}
    rows = [
        (
            offering,
            [
                (unit, lookup.get((offering, unit)), _gap_query(in_row[offering], in_column[unit]))
                for unit in units
            ],
        )
        for offering in offerings
    ]
    legend = [
        (label, *CELL_LOOK[state], sum(cell.state == state for cell in cells))
        for state, label in WhitespaceCell.State.choices
    ]
    return {"units": units, "rows": rows, "legend": legend}


def _gap_query(offering_cell_id: int, unit_cell_id: int) -> str:
    return urlencode({"offering_cell_id": offering_cell_id, "business_unit_cell_id": unit_cell_id})


def whitespace_prefill(plan: AccountPlan, query) -> dict[str, str]:
    """A new cell's offering and business unit, copied from the plan's cells the query names by id."""
    initial = {}
    for field in ("offering", "business_unit"):
        raw = query.get(f"{field}_cell_id", "")
        if raw.isdigit() and len(raw) < 19:
            value = plan.whitespace.filter(pk=int(raw)).values_list(field, flat=True).first()
            if value is not None:
                initial[field] = value
    return initial


def initiative_totals(initiatives) -> dict[str, Decimal]:
    for item in initiatives:
        item.total = item.our_investment + item.customer_investment
    ours = sum((item.our_investment for item in initiatives), Decimal(0))
    theirs = sum((item.customer_investment for item in initiatives), Decimal(0))
    return {"ours": ours, "theirs": theirs, "total": ours + theirs}


def investment_years(investments) -> list[dict]:
    """Cost vs expected benefit per fiscal year; a benefit is spread evenly over its years."""
    cost, benefit = defaultdict(Decimal), defaultdict(Decimal)
    for item in investments:
        cost[item.cost_fiscal_year] += item.cost
        years = range(item.benefit_from_fiscal_year, item.benefit_to_fiscal_year + 1)
        for year in years:
            benefit[year] += item.expected_benefit / len(years)
    rows, cumulative = [], Decimal(0)
    for year in sorted(set(cost) | set(benefit)):
        net = benefit[year] - cost[year]
        cumulative += net
        rows.append(
            {
                "year": year,
                "cost": cost[year],
                "benefit": benefit[year].quantize(Decimal("0.01")),
                "net": net.quantize(Decimal("0.01")),
                "cumulative": cumulative.quantize(Decimal("0.01")),
            }
        )
    return rows


def stakeholders_with_last_contact(account: Account) -> QuerySet[Stakeholder]:
    """The account's stakeholders, each with `last_contact` (kept by the interaction services)."""
    return account.stakeholders.select_related("relationship_owner").annotate(
        last_contact=F("last_contact_on")
    )


def decision_maker_coverage(people: list[Stakeholder], *, today: datetime.date) -> dict:
    """Decision makers with a relationship owner and a contact in the last COVERAGE_DAYS days."""
    since = today - datetime.timedelta(days=COVERAGE_DAYS)
    deciders = [p for p in people if p.influence == Stakeholder.Influence.DECISION_MAKER]
    covered = [p for p in deciders if p.relationship_owner_id and p.last_contact and p.last_contact >= since]
    return {"covered": len(covered), "total": len(deciders), "since": since, "days": COVERAGE_DAYS}


def stakeholder_map_of(account: Account) -> dict:
    people = list(stakeholders_with_last_contact(account).order_by("name", "pk"))
    today = timezone.localdate()
    since = today - datetime.timedelta(days=COVERAGE_DAYS)
    for person in people:
        person.symbol, person.fill = ATTITUDE_LOOK[person.attitude]
        person.border = INFLUENCE_BORDER[person.influence]
        contacted = person.last_contact is not None and person.last_contact >= since
        person.covered = bool(person.relationship_owner_id) and contacted
    names = {person.pk: person.name for person in people}
    for person in people:
        person.manager_name = names.get(person.reports_to_id, "")
    layout = stakeholder_map.diagram((person.pk, person.reports_to_id) for person in people)
    nodes = [(person, layout.boxes[person.pk]) for person in people]
    return {
        "people": people,
        "nodes": nodes,
        "diagram": layout,
        "coverage": decision_maker_coverage(people, today=today),
    }


def latest_plans(accounts) -> QuerySet[AccountPlan]:
    """Each of `accounts`' newest plan (accounts already filtered by the gateway)."""
    newest_year = (
        AccountPlan.objects.filter(account=OuterRef("account"))
        .order_by("-fiscal_year")
        .values("fiscal_year")[:1]
    )
    return AccountPlan.objects.filter(account__in=accounts, fiscal_year=Subquery(newest_year))


def open_actions_of_latest_plans(accounts) -> QuerySet[PlanAction]:
    """Open actions in each of `accounts`' latest plan (accounts already filtered by the gateway).

    Older plans are superseded: copying a plan into a new year carries its open actions along.
    """
    return (
        PlanAction.objects.filter(plan__in=latest_plans(accounts))
        .exclude(status=PlanAction.Status.DONE)
        .select_related("plan__account", "owner")
        .order_by("due_on", "id")
    )
