"""Account plans for tests, built through the services so they obey the same rules as the app."""

import datetime
from decimal import Decimal

from relationships.models import (
    AccountPlan,
    Investment,
    JointInitiative,
    PlanAction,
    PlanObjective,
    SwotItem,
    WhitespaceCell,
)
from relationships.plans import services as plan_items
from relationships.plans.services import plan_create


def make_plan(account, actor, *, fiscal_year: int = 2026, **fields) -> AccountPlan:
    return plan_create(account=account, actor=actor, fiscal_year=fiscal_year, **fields)


def add(plan: AccountPlan, actor, model, **fields):
    return plan_items.plan_item_create(plan=plan, actor=actor, model=model, **fields)


def full_plan(account, actor, *, fiscal_year: int = 2026) -> AccountPlan:
    """A plan with one of every part, the kind the URL census and the copy tests need."""
    plan = make_plan(
        account,
        actor,
        fiscal_year=fiscal_year,
        customer_goals="Open 20 stores.",
        our_goals="Be their POS partner.",
    )
    objective = add(plan, actor, PlanObjective, title="Grow share of wallet", measure="Revenue +15%")
    add(
        plan,
        actor,
        PlanAction,
        objective=objective,
        description="Run a QBR",
        owner=actor,
        due_on=datetime.date(fiscal_year, 3, 31),
        status=PlanAction.Status.IN_PROGRESS,
        percent_done=40,
    )
    add(
        plan,
        actor,
        PlanAction,
        objective=None,
        description="Sign the framework",
        owner=actor,
        due_on=datetime.date(fiscal_year, 2, 1),
        status=PlanAction.Status.DONE,
        percent_done=100,
    )
    add(plan, actor, SwotItem, kind=SwotItem.Kind.STRENGTH, text="Loyal customers")
    add(plan, actor, WhitespaceCell, offering="POS", business_unit="Grocery", state=WhitespaceCell.State.WON)
    add(
        plan,
        actor,
        WhitespaceCell,
        offering="Analytics",
        business_unit="Fashion",
        state=WhitespaceCell.State.COMPETITOR,
        competitor="Fabrikam",
        renewal_on=datetime.date(fiscal_year + 1, 6, 30),
    )
    add(
        plan,
        actor,
        JointInitiative,
        name="Self-checkout pilot",
        our_investment=Decimal("50000"),
        customer_investment=Decimal("30000"),
    )
    add(
        plan,
        actor,
        Investment,
        description="Dedicated onsite engineer",
        cost=Decimal("120000"),
        cost_fiscal_year=fiscal_year,
        expected_benefit=Decimal("300000"),
        benefit_from_fiscal_year=fiscal_year + 1,
        benefit_to_fiscal_year=fiscal_year + 2,
    )
    return plan
