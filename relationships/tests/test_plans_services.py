"""Account plan services: the rules, the workflow, copy. Bad input is refused and writes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AccountTeamMember
from accounts.services import team_member_add
from kam.roles import Role
from relationships.models import (
    AccountPlan,
    Investment,
    JointInitiative,
    PlanAction,
    PlanObjective,
    SwotItem,
    WhitespaceCell,
)
from relationships.plans import services as plans
from relationships.tests.plan_factories import add, full_plan, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(personas):
    return make_plan(personas.alice_account, personas.alice)


def _action(plan, actor, **overrides):
    fields = {
        "objective": None,
        "description": "Workshop",
        "owner": actor,
        "due_on": datetime.date(plan.fiscal_year, 5, 1),
        "status": PlanAction.Status.NOT_STARTED,
        "percent_done": 0,
    } | overrides
    return add(plan, actor, PlanAction, **fields)


def _investment(plan, actor, **overrides):
    fields = {
        "description": "Onsite engineer",
        "cost": Decimal("100"),
        "cost_fiscal_year": 2026,
        "expected_benefit": Decimal("300"),
        "benefit_from_fiscal_year": 2027,
        "benefit_to_fiscal_year": 2028,
    } | overrides
    return add(plan, actor, Investment, **fields)


def test_plan_defaults_to_the_current_fiscal_year(personas):
    plan = plans.plan_create(account=personas.alice_account, actor=personas.alice)
    assert plan.fiscal_year == timezone.localdate().year
    assert plan.status == AccountPlan.Status.DRAFT


def test_duplicate_fiscal_year_is_refused_with_a_clear_message(personas, plan):
    with pytest.raises(ValidationError) as error:
        make_plan(personas.alice_account, personas.alice, fiscal_year=plan.fiscal_year)
    assert "already has a plan for FY2026" in str(error.value)
    assert personas.alice_account.plans.count() == 1


def test_oversized_goals_are_refused(personas, plan):
    with pytest.raises(ValidationError, match="At most 4000"):
        plans.plan_update(plan=plan, actor=personas.alice, customer_goals="x" * 4001)
    plan.refresh_from_db()
    assert plan.customer_goals == ""


def test_only_the_account_team_creates_plans(personas):
    with pytest.raises(ValidationError):
        make_plan(personas.alice_account, personas.bob)
    with pytest.raises(ValidationError):
        make_plan(personas.alice_account, personas.carol)  # a sponsor reviews, she does not write
    assert not personas.alice_account.plans.exists()


@pytest.mark.parametrize("percent", [101, -1])
def test_percent_done_outside_0_to_100_is_refused(personas, plan, percent):
    with pytest.raises(ValidationError, match="between 0 and 100"):
        _action(plan, personas.alice, percent_done=percent)
    assert not plan.actions.exists()


def test_action_due_long_before_the_fiscal_year_is_refused(personas, plan):
    with pytest.raises(ValidationError) as error:
        _action(plan, personas.alice, due_on=datetime.date(2020, 1, 1))
    assert "due_on" in error.value.error_dict
    assert not plan.actions.exists()


def test_action_may_be_due_in_the_past_within_the_plan_year(personas):
    last_year = timezone.localdate().year - 1
    plan = make_plan(personas.alice_account, personas.alice, fiscal_year=last_year)
    action = _action(plan, personas.alice, due_on=datetime.date(last_year, 1, 15))
    assert action.pk


def test_action_owner_must_be_on_the_account_team(personas, plan):
    with pytest.raises(ValidationError, match="member of the account team"):
        _action(plan, personas.alice, owner=personas.bob)


def test_a_done_action_is_100_percent(personas, plan):
    action = _action(plan, personas.alice, status=PlanAction.Status.DONE, percent_done=60)
    assert action.percent_done == 100


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"cost": Decimal("-1")}, "cost"),
        ({"expected_benefit": Decimal("-5")}, "expected_benefit"),
        ({"benefit_from_fiscal_year": 2026}, "benefit_from_fiscal_year"),
        ({"benefit_from_fiscal_year": 2025, "benefit_to_fiscal_year": 2025}, "benefit_from_fiscal_year"),
        ({"benefit_to_fiscal_year": 2026}, "benefit_to_fiscal_year"),
    ],
)
def test_bad_investments_are_refused(personas, plan, overrides, field):
    with pytest.raises(ValidationError) as error:
        _investment(plan, personas.alice, **overrides)
    assert field in error.value.error_dict
    assert not plan.investments.exists()


def test_negative_joint_investment_is_refused(personas, plan):
    with pytest.raises(ValidationError, match="negative"):
        add(plan, personas.alice, JointInitiative, name="Pilot", our_investment=Decimal("-1"))


def test_duplicate_whitespace_cell_is_refused(personas, plan):
    add(plan, personas.alice, WhitespaceCell, offering="POS", business_unit="Grocery")
    with pytest.raises(ValidationError, match="already has a cell"):
        add(plan, personas.alice, WhitespaceCell, offering="pos ", business_unit="GROCERY")
    assert plan.whitespace.count() == 1


def test_competitor_cell_needs_the_competitor(personas, plan):
    with pytest.raises(ValidationError, match="Name the competitor"):
        add(plan, personas.alice, WhitespaceCell, offering="POS", business_unit="Fashion", state="competitor")


def test_oversized_initiative_description_is_refused(personas, plan):
    with pytest.raises(ValidationError, match="At most 4000"):
        add(plan, personas.alice, JointInitiative, name="Pilot", description="x" * 4001)
    assert not plan.initiatives.exists()


def test_alice_submits_and_carol_approves(personas, plan):
    plans.plan_submit(plan=plan, actor=personas.alice)
    assert plan.status == AccountPlan.Status.SUBMITTED
    plans.plan_approve(plan=plan, actor=personas.carol, comment="Good plan.")
    plan.refresh_from_db()
    assert (plan.status, plan.decided_by, plan.review_comment) == ("approved", personas.carol, "Good plan.")


def test_returning_needs_a_comment(personas, plan):
    plans.plan_submit(plan=plan, actor=personas.alice)
    with pytest.raises(ValidationError, match="comment is required"):
        plans.plan_return(plan=plan, actor=personas.carol, comment="  ")
    plan.refresh_from_db()
    assert plan.status == AccountPlan.Status.SUBMITTED
    plans.plan_return(plan=plan, actor=personas.carol, comment="Add the pricing objective.")
    plan.refresh_from_db()
    assert plan.status == AccountPlan.Status.RETURNED


def test_only_a_sponsor_of_the_account_decides(personas, plan, make_user):
    plans.plan_submit(plan=plan, actor=personas.alice)
    with pytest.raises(ValidationError, match="executive sponsor"):
        plans.plan_approve(plan=plan, actor=personas.alice)
    other_exec = make_user("erin", Role.EXECUTIVE)
    with pytest.raises(ValidationError, match="executive sponsor"):
        plans.plan_approve(plan=plan, actor=other_exec)


def test_a_submitted_plan_is_read_only(personas, plan):
    plans.plan_submit(plan=plan, actor=personas.alice)
    with pytest.raises(ValidationError, match="read-only"):
        add(plan, personas.alice, SwotItem, kind="threat", text="Discounters")
    with pytest.raises(ValidationError, match="read-only"):
        plans.plan_update(plan=plan, actor=personas.alice, our_goals="More")
    assert not plan.swot.exists()


def test_editing_an_approved_plan_returns_it_to_draft_with_a_note(personas, plan):
    plans.plan_submit(plan=plan, actor=personas.alice)
    plans.plan_approve(plan=plan, actor=personas.carol)
    add(plan, personas.alice, PlanObjective, title="Expand", measure="2 new BUs")
    plan.refresh_from_db()
    assert plan.status == AccountPlan.Status.DRAFT
    assert "after approval" in plan.review_comment


def test_an_approved_plan_cannot_be_submitted_again_without_changes(personas, plan):
    plans.plan_submit(plan=plan, actor=personas.alice)
    plans.plan_approve(plan=plan, actor=personas.carol)
    with pytest.raises(ValidationError, match="cannot be submitted"):
        plans.plan_submit(plan=plan, actor=personas.alice)


def test_mark_reviewed_moves_reviewed_at(personas, plan):
    AccountPlan.objects.filter(pk=plan.pk).update(reviewed_at=timezone.now() - datetime.timedelta(days=200))
    plan.refresh_from_db()
    plans.plan_mark_reviewed(plan=plan, actor=personas.alice)
    plan.refresh_from_db()
    assert timezone.now() - plan.reviewed_at < datetime.timedelta(minutes=1)


def test_copy_carries_the_plan_into_next_year(personas):
    source = full_plan(personas.alice_account, personas.alice, fiscal_year=2026)
    copy = plans.plan_copy(plan=source, actor=personas.alice)
    assert (copy.fiscal_year, copy.status) == (2027, AccountPlan.Status.DRAFT)
    assert copy.customer_goals == source.customer_goals
    assert [o.title for o in copy.objectives.all()] == ["Grow share of wallet"]
    (action,) = copy.actions.all()  # the done action stays behind
    assert (action.description, action.due_on) == ("Run a QBR", datetime.date(2027, 3, 31))
    assert (action.status, action.percent_done) == (PlanAction.Status.NOT_STARTED, 0)
    assert action.objective.plan_id == copy.pk
    assert copy.swot.count() == 1 and copy.whitespace.count() == 2 and copy.initiatives.count() == 1
    assert copy.investments.count() == 1  # its benefit runs into FY2027
    assert source.actions.count() == 2


def test_copy_leaves_investments_whose_benefit_has_ended(personas):
    source = full_plan(personas.alice_account, personas.alice, fiscal_year=2026)
    copy = plans.plan_copy(plan=source, actor=personas.alice, fiscal_year=2029)
    assert not copy.investments.exists()


def test_copy_into_a_year_that_has_a_plan_is_refused(personas):
    source = full_plan(personas.alice_account, personas.alice, fiscal_year=2026)
    make_plan(personas.alice_account, personas.alice, fiscal_year=2027)
    with pytest.raises(ValidationError, match="already has a plan"):
        plans.plan_copy(plan=source, actor=personas.alice)
    assert personas.alice_account.plans.count() == 2


def test_team_member_other_than_the_lead_can_edit(personas, plan, make_user):
    frank = make_user("frank", Role.ACCOUNT_MANAGER)
    team_member_add(account=personas.alice_account, user=frank, role=AccountTeamMember.Role.MEMBER)
    item = add(plan, frank, SwotItem, kind="weakness", text="Slow IT")
    plans.plan_item_update(item=item, actor=frank, text="Slow IT change")
    item.refresh_from_db()
    assert item.text == "Slow IT change"
