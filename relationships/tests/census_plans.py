"""URL census cases for account plans and the stakeholder map (see kam/tests/test_url_census.py)."""

from kam.tests.census import CHANGE_ALICES_ACCOUNT, Redirect, Route, expect
from relationships.plans.views import KINDS
from relationships.tests.plan_factories import full_plan

# Reading: the team and the sponsor; everyone else is outside the wall and gets 404.
READ_ALICES_ACCOUNT = expect(alice=200, bob=404, carol=200, dave=404, admin=404)
BACK_TO_PLAN = Redirect("relationships:plan_detail")
TEAM_POSTS = expect(alice=BACK_TO_PLAN, bob=404, carol=403, dave=404, admin=404)
SPONSOR_POSTS = expect(alice=403, bob=404, carol=BACK_TO_PLAN, dave=404, admin=404)

CASES: dict[str, Route] = {
    "relationships:plan_create": Route(CHANGE_ALICES_ACCOUNT),
    "relationships:plan_detail": Route(READ_ALICES_ACCOUNT),
    "relationships:plan_edit": Route(CHANGE_ALICES_ACCOUNT),
    "relationships:plan_copy": Route(CHANGE_ALICES_ACCOUNT),
    "relationships:plan_submit": Route(TEAM_POSTS, method="post"),
    "relationships:plan_mark_reviewed": Route(TEAM_POSTS, method="post"),
    "relationships:plan_decide": Route(SPONSOR_POSTS, method="post"),
    "relationships:stakeholder_map": Route(READ_ALICES_ACCOUNT),
}
for kind in KINDS:
    for verb in ("add", "edit", "delete"):
        CASES[f"relationships:plan_{kind}_{verb}"] = Route(CHANGE_ALICES_ACCOUNT)


def url_kwargs(personas) -> dict:
    return plan_kwargs(full_plan(personas.alice_account, personas.alice))


def plan_kwargs(plan) -> dict:
    """URL kwargs naming `plan` and its first item of each kind."""
    return {
        "plan_id": plan.pk,
        "objective_id": plan.objectives.first().pk,
        "action_id": plan.actions.first().pk,
        "swot_id": plan.swot.first().pk,
        "cell_id": plan.whitespace.first().pk,
        "initiative_id": plan.initiatives.first().pk,
        "investment_id": plan.investments.first().pk,
    }
