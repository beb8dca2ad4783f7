"""The demo's daily work: account plans for the key accounts and follow-ups on recent interactions.

Every key account gets last year's plan (approved by its executive sponsor, or left submitted
without one) and this year's, copied from last year's and brought up to date. Northwind Retail's
current plan stays a draft, so the demo can show alice submitting it and carol approving it; the
others are a mix of draft, submitted, returned and approved, and one approved plan has not been
reviewed for longer than STALE_AFTER_DAYS.

Everything is written through the features' services (relationships/*/services.py), as the team
and the sponsor would. Only
past timestamps (when a plan was submitted, decided and last reviewed) are set directly: the
services stamp "now", and no service backdates.
"""

import datetime
from collections import defaultdict
from decimal import Decimal
from functools import partial

from django.utils import timezone

from accounts.models import AccountTeamMember
from demo import data
from demo import plan_data as text
from relationships.interactions.services import follow_up_complete, follow_up_create
from relationships.models import (
    STALE_AFTER_DAYS,
    AccountPlan,
    Interaction,
    Investment,
    JointInitiative,
    PlanAction,
    PlanObjective,
    SwotItem,
    WhitespaceCell,
)
from relationships.plans import services as plan_services
from relationships.plans.services import plan_item_create, plan_item_update

Status = AccountPlan.Status
Done, InProgress, NotStarted, Blocked = (
    PlanAction.Status.DONE,
    PlanAction.Status.IN_PROGRESS,
    PlanAction.Status.NOT_STARTED,
    PlanAction.Status.BLOCKED,
)
SPONSOR = AccountTeamMember.Role.SPONSOR
SEGMENT_OF = {row.name: row.segment for row in data.ACCOUNTS}
DAY = datetime.timedelta(days=1)

# This year's plan of each key account after Northwind, in data order (cycled if more are added).
CURRENT_STATUSES = (
    Status.SUBMITTED,
    Status.APPROVED,  # the first approved one is the stale plan
    Status.RETURNED,
    Status.SUBMITTED,
    Status.APPROVED,
    Status.DRAFT,
    Status.SUBMITTED,
    Status.APPROVED,
    Status.DRAFT,
)
CELL_STATES = tuple(WhitespaceCell.State.values)  # won, open, competitor, not relevant
CELL_WEIGHTS = (3, 3, 2, 1)
RECENT_DAYS = 30  # interactions this recent may have follow-ups
# Follow-up kinds: (days due from today, lowest and highest), done?
FOLLOW_UP_KINDS = {
    "overdue": ((-12, -1), False),
    "this week": ((0, 7), False),
    "later": ((8, 30), False),
    "done": ((-10, 0), True),
}
FOLLOW_UP_WEIGHTS = (3, 3, 2, 2)
# alice's first ones on Northwind, newest interaction first, so My week shows her late and due items.
ALICE_FOLLOW_UPS = ("this week", "overdue", "done")


def add_plans_and_follow_ups(builder) -> None:
    """Called once by the builder, after the history (the follow-ups hang off its interactions)."""
    today = timezone.localdate()
    statuses = iter(CURRENT_STATUSES * len(data.ACCOUNTS))
    stale_done = False
    for name, account in builder.accounts.items():
        if account.tier != "key":
            continue
        team = builder.teams[name]
        sponsor = next((builder.users[u] for u, role in team.items() if role == SPONSOR), None)
        alice_demo = name == data.ALICE_ACCOUNT
        writer = PlanWriter(builder, account, today, pin_for_alice=alice_demo)
        previous = writer.first(today.year - 1)
        _decide(previous, writer.lead, sponsor, Status.APPROVED)
        _backdate_previous(previous)
        current = writer.next_year(previous)
        status = Status.DRAFT if alice_demo else next(statuses)
        if _decide(current, writer.lead, sponsor, status) == Status.APPROVED and not stale_done:
            _make_stale(current)
            stale_done = True
        builder.counts["account plans"] += 2
    _add_follow_ups(builder, today)


class PlanWriter:
    """An account's plans and their parts, written by its lead through the plan services."""

    def __init__(self, builder, account, today: datetime.date, *, pin_for_alice: bool = False):
        self.builder, self.rng, self.account = builder, builder.rng, account
        self.today, self.pin_for_alice = today, pin_for_alice
        self.texts = text.SEGMENT_PLANS[SEGMENT_OF[account.name]]  # the data's name, not a reused one
        self.lead = builder.users[account.owner.username]
        team = builder.teams[account.name]
        self.doers = [u for u, role in team.items() if role != SPONSOR]  # sponsors review, not do

    def _use(self, plan: AccountPlan) -> AccountPlan:
        self.plan, self.fiscal_year = plan, plan.fiscal_year
        self.add = partial(plan_item_create, plan=plan, actor=self.lead)
        return plan

    def first(self, fiscal_year: int) -> AccountPlan:
        """A plan written from scratch, with every part."""
        rng = self.rng
        self._use(
            plan_services.plan_create(
                account=self.account,
                actor=self.lead,
                fiscal_year=fiscal_year,
                customer_goals=rng.choice(self.texts.customer_goals),
                our_goals=rng.choice(self.texts.our_goals),
            )
        )
        choices = self.texts.objectives + text.COMMON_OBJECTIVES
        objectives = [
            self.add(model=PlanObjective, title=title, measure=measure)
            for title, measure in rng.sample(choices, rng.randint(2, 3))
        ]
        self._actions(objectives, rng.randint(3, 5))
        for kind, items in text.SWOT.items():
            for item in rng.sample(items, rng.randint(1, 2)):
                self.add(model=SwotItem, kind=kind, text=item)
        self._whitespace()
        self._initiative()
        self._investments(rng.randint(1, 2))
        return self.plan

    def next_year(self, previous: AccountPlan) -> AccountPlan:
        """Last year's plan copied, as teams do (open actions, grid, investments), then brought up to date."""
        plan = self._use(plan_services.plan_copy(plan=previous, actor=self.lead))
        goals = {
            field: next(g for g in getattr(self.texts, field) if g != getattr(previous, field))
            for field in ("customer_goals", "our_goals")
        }
        plan_services.plan_update(plan=plan, actor=self.lead, **goals)
        carried = plan.actions.count()  # last year's open actions, due a year on and reset
        new = max(self.rng.randint(3, 5) - carried, 2 if self.pin_for_alice else 1)
        self._actions(list(plan.objectives.all()), new, pin=self.pin_for_alice)
        won = next((c for c in plan.whitespace.all() if c.state == WhitespaceCell.State.OPEN), None)
        if won:  # the opportunity the team closed since last year
            plan_item_update(item=won, actor=self.lead, state=WhitespaceCell.State.WON)
        if plan.investments.count() < 2:
            self._investments(1)
        return plan

    def _actions(self, objectives: list[PlanObjective], count: int, *, pin: bool = False) -> None:
        rng, start = self.rng, datetime.date(self.fiscal_year, 1, 1)
        rows = []
        for index, description in enumerate(rng.sample(text.ACTIONS, count)):
            due = start + datetime.timedelta(days=int((index + rng.random()) * 365 / count))
            rows.append([description, rng.choice(self.doers), due, *self._progress(due)])
        if pin:  # My week shows alice one late action and one due this week
            late = max(start, self.today - 9 * DAY)
            if late < self.today:
                rows[0][1:] = ["alice", late, InProgress, 40]
            rows[1][1:] = ["alice", self.today + 4 * DAY, NotStarted, 0]
        for description, owner, due, status, percent in sorted(rows, key=lambda row: row[2]):
            self.add(
                model=PlanAction,
                objective=rng.choice(objectives),
                description=description,
                owner=self.builder.users[owner],
                due_on=due,
                status=status,
                percent_done=percent,
            )
            self.builder.counts["plan actions"] += 1

    def _progress(self, due: datetime.date) -> tuple[str, int]:
        """Most past actions are done, some are late; future ones are under way or not started."""
        rng = self.rng
        if due < self.today:
            done_weight = 12 if self.fiscal_year < self.today.year else 5  # last year's are mostly closed
            status = rng.choices((Done, InProgress, Blocked), weights=(done_weight, 2, 1))[0]
        else:
            soon = due <= self.today + 30 * DAY
            status = rng.choices((InProgress, NotStarted), weights=(2, 1) if soon else (1, 3))[0]
        percent = {Done: 100, NotStarted: 0, Blocked: rng.randrange(10, 50, 10)}
        return status, percent.get(status, rng.randrange(20, 90, 10))

    def _whitespace(self) -> None:
        rng = self.rng
        offerings = rng.sample(text.OFFERINGS, rng.randint(3, 4))
        units = rng.sample(self.texts.units, 3)
        cells = [(offering, unit) for offering in offerings for unit in units]
        held = rng.randrange(len(cells))  # every grid shows at least one competitor's cell
        for index, (offering, unit) in enumerate(cells):
            state = rng.choices(CELL_STATES, weights=CELL_WEIGHTS)[0]
            state = WhitespaceCell.State.COMPETITOR if index == held else state
            extra = {}
            if state == WhitespaceCell.State.COMPETITOR:
                renewal = datetime.date(self.fiscal_year, 1, 1) + rng.randint(60, 540) * DAY
                extra = {"competitor": rng.choice(text.VENDORS), "renewal_on": renewal}
            self.add(model=WhitespaceCell, offering=offering, business_unit=unit, state=state, **extra)

    def _initiative(self) -> None:
        name, description = self.texts.initiative
        self.add(
            model=JointInitiative,
            name=name,
            description=description,
            our_investment=_thousands(self.rng.randint(20, 80)),
            customer_investment=_thousands(self.rng.randint(30, 120)),
        )

    def _investments(self, count: int) -> None:
        rng, year = self.rng, self.fiscal_year
        for description in rng.sample(text.INVESTMENTS, count):
            cost = rng.randint(15, 60)
            self.add(
                model=Investment,
                description=description,
                cost=_thousands(cost),
                cost_fiscal_year=year,
                expected_benefit=_thousands(round(cost * rng.uniform(1.5, 3.5))),
                benefit_from_fiscal_year=year + 1,
                benefit_to_fiscal_year=year + rng.randint(1, 3),
            )


def _thousands(amount: int) -> Decimal:
    return Decimal(amount * 1000)


def _decide(plan: AccountPlan, lead, sponsor, status: str) -> str:
    """Take the plan through the workflow to `status`; without a sponsor it stops at submitted."""
    if status == Status.DRAFT:
        return plan.status
    plan_services.plan_submit(plan=plan, actor=lead)
    if status == Status.APPROVED and sponsor:
        plan_services.plan_approve(plan=plan, actor=sponsor, comment=text.APPROVE_COMMENT)
    elif status == Status.RETURNED and sponsor:
        plan_services.plan_return(plan=plan, actor=sponsor, comment=text.RETURN_COMMENT)
    return plan.status


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def _backdate_previous(plan: AccountPlan) -> None:
    # Direct update, no service: last year's plan was submitted and decided early in that year.
    start = datetime.date(plan.fiscal_year, 1, 1)
    decided = {"decided_at": _at(start + 33 * DAY)} if plan.decided_at else {}
    AccountPlan.objects.filter(pk=plan.pk).update(submitted_at=_at(start + 19 * DAY), **decided)


def _make_stale(plan: AccountPlan) -> None:
    # Direct update, no service: plan_mark_reviewed only stamps "now".
    reviewed = timezone.now() - datetime.timedelta(days=STALE_AFTER_DAYS + 30)
    AccountPlan.objects.filter(pk=plan.pk).update(
        submitted_at=reviewed - 14 * DAY, decided_at=reviewed - 7 * DAY, reviewed_at=reviewed
    )


def _add_follow_ups(builder, today: datetime.date) -> None:
    """Follow-ups on some recent interactions, owned by the team: late, due this week, later, done."""
    rng = builder.rng
    recent = defaultdict(list)
    ids = [account.pk for account in builder.accounts.values()]
    since = today - RECENT_DAYS * DAY
    # Creation order (the id) breaks ties, and the history was created in a fixed order.
    rows = Interaction.objects.filter(account_id__in=ids, occurred_on__gte=since)
    for interaction in rows.order_by("-occurred_on", "id"):
        recent[interaction.account_id].append(interaction)
    for name, account in builder.accounts.items():
        doers = [u for u, role in builder.teams[name].items() if role != SPONSOR]
        pinned = list(ALICE_FOLLOW_UPS) if name == data.ALICE_ACCOUNT else []
        for interaction in recent[account.pk][:3]:
            if not pinned and rng.random() < 0.4:
                continue
            owner = "alice" if pinned else rng.choice(doers)
            kind = pinned.pop(0) if pinned else rng.choices(list(FOLLOW_UP_KINDS), FOLLOW_UP_WEIGHTS)[0]
            (low, high), done = FOLLOW_UP_KINDS[kind]
            due = max(today + rng.randint(low, high) * DAY, interaction.occurred_on + DAY)
            follow_up = follow_up_create(
                interaction=interaction,
                description=rng.choice(text.FOLLOW_UPS[interaction.category]),
                owner=builder.users[owner],
                due_on=due,
            )
            if done:
                follow_up_complete(follow_up=follow_up)
            builder.counts["follow-ups"] += 1
