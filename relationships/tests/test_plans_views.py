"""Account plan pages: the journeys of alice (team lead) and carol (sponsor), and the wall."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from kam.roles import Role
from relationships.models import AccountPlan, PlanAction, WhitespaceCell
from relationships.plans import services as plan_services
from relationships.plans import urls as urls_plans
from relationships.tests import census_plans
from relationships.tests.plan_factories import add, full_plan, make_plan

pytestmark = pytest.mark.django_db


def _url(name: str, plan: AccountPlan, *extra) -> str:
    return reverse(f"relationships:{name}", args=[plan.account_id, plan.pk, *extra])


@pytest.fixture
def plan(personas):
    return full_plan(personas.alice_account, personas.alice)


def test_new_plan_form_defaults_to_this_year(client, personas):
    client.force_login(personas.alice)
    response = client.get(reverse("relationships:plan_create", args=[personas.alice_account.pk]))
    assert response.context["form"]["fiscal_year"].value() == timezone.localdate().year


def test_alice_creates_a_plan(client, personas):
    client.force_login(personas.alice)
    url = reverse("relationships:plan_create", args=[personas.alice_account.pk])
    response = client.post(url, {"fiscal_year": 2027, "customer_goals": "Grow", "our_goals": "Partner"})
    plan = personas.alice_account.plans.get()
    assert response.url == _url("plan_detail", plan)


def test_duplicate_year_shows_a_clear_message_and_writes_nothing(client, personas, plan):
    client.force_login(personas.alice)
    url = reverse("relationships:plan_create", args=[personas.alice_account.pk])
    response = client.post(url, {"fiscal_year": plan.fiscal_year})
    assert response.status_code == 200
    assert "already has a plan for FY2026" in response.content.decode()
    assert personas.alice_account.plans.count() == 1


@pytest.mark.parametrize("percent", ["150", "-5"])
def test_bad_percent_is_refused_on_the_form(client, personas, plan, percent):
    client.force_login(personas.alice)
    data = {"description": "X", "owner": personas.alice.pk, "due_on": "2026-05-01", "status": "in_progress"}
    response = client.post(_url("plan_action_add", plan), data | {"percent_done": percent})
    assert response.status_code == 200 and response.context["form"].errors["percent_done"]
    assert plan.actions.count() == 2


def test_far_past_due_date_is_refused_on_the_form(client, personas, plan):
    client.force_login(personas.alice)
    data = {"description": "X", "owner": personas.alice.pk, "due_on": "2019-05-01", "status": "not_started"}
    response = client.post(_url("plan_action_add", plan), data | {"percent_done": 0})
    assert "must be due between" in response.content.decode()
    assert plan.actions.count() == 2


def test_benefit_year_not_after_cost_year_is_refused_on_the_form(client, personas, plan):
    client.force_login(personas.alice)
    data = {
        "description": "Engineer",
        "cost": "10",
        "cost_fiscal_year": 2026,
        "expected_benefit": "20",
        "benefit_from_fiscal_year": 2026,
        "benefit_to_fiscal_year": 2027,
    }
    response = client.post(_url("plan_investment_add", plan), data)
    assert response.status_code == 200 and response.context["form"].errors
    assert plan.investments.count() == 1


def test_negative_investment_is_refused_on_the_form(client, personas, plan):
    client.force_login(personas.alice)
    data = {"name": "Pilot", "our_investment": "-1", "customer_investment": "0"}
    response = client.post(_url("plan_initiative_add", plan), data)
    assert "Must not be negative" in response.content.decode()
    assert plan.initiatives.count() == 1


def test_duplicate_whitespace_cell_is_refused_on_the_form(client, personas, plan):
    client.force_login(personas.alice)
    response = client.post(
        _url("plan_cell_add", plan), {"offering": "POS", "business_unit": "Grocery", "state": "open"}
    )
    assert "already has a cell" in response.content.decode()
    assert plan.whitespace.count() == 2


def test_oversized_goals_are_refused_on_the_form(client, personas, plan):
    client.force_login(personas.alice)
    response = client.post(_url("plan_edit", plan), {"customer_goals": "x" * 4001, "our_goals": ""})
    assert response.status_code == 200 and response.context["form"].errors["customer_goals"]
    plan.refresh_from_db()
    assert plan.customer_goals == "Open 20 stores."


def test_alice_edits_and_submits_then_carol_approves(client, personas, plan):
    client.force_login(personas.alice)
    client.post(_url("plan_edit", plan), {"customer_goals": "Open 25 stores", "our_goals": "Own checkout"})
    client.post(_url("plan_submit", plan))
    plan.refresh_from_db()
    assert (plan.customer_goals, plan.status) == ("Open 25 stores", AccountPlan.Status.SUBMITTED)
    # Submitted means read-only: the edit page sends her back with the reason.
    response = client.get(_url("plan_edit", plan), follow=True)
    assert "read-only until the sponsor decides" in response.content.decode()

    client.force_login(personas.carol)
    page = client.get(_url("plan_detail", plan)).content.decode()
    assert "Your decision as executive sponsor" in page
    client.post(_url("plan_decide", plan), {"decision": "approve", "comment": ""})
    plan.refresh_from_db()
    assert (plan.status, plan.decided_by) == (AccountPlan.Status.APPROVED, personas.carol)


def test_carol_returns_a_plan_only_with_a_comment(client, personas):
    plan = make_plan(personas.alice_account, personas.alice, fiscal_year=2027)
    plan_services.plan_submit(plan=plan, actor=personas.alice)
    client.force_login(personas.carol)
    response = client.post(_url("plan_decide", plan), {"decision": "return", "comment": ""}, follow=True)
    assert "a comment is required" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == AccountPlan.Status.SUBMITTED
    response = client.post(
        _url("plan_decide", plan), {"decision": "return", "comment": "Add pricing."}, follow=True
    )
    plan.refresh_from_db()
    assert plan.status == AccountPlan.Status.RETURNED
    assert "Add pricing." in response.content.decode()


def test_editing_an_approved_plan_shows_the_note(client, personas, plan):
    plan_services.plan_submit(plan=plan, actor=personas.alice)
    plan_services.plan_approve(plan=plan, actor=personas.carol)
    client.force_login(personas.alice)
    client.post(_url("plan_swot_add", plan), {"kind": "threat", "text": "Discounters"})
    page = client.get(_url("plan_detail", plan)).content.decode()
    assert "Status: Draft" in page and "after approval" in page


def test_stale_plan_is_flagged_until_marked_reviewed(client, personas, plan):
    AccountPlan.objects.filter(pk=plan.pk).update(reviewed_at=timezone.now() - datetime.timedelta(days=91))
    client.force_login(personas.alice)
    account_page = reverse("accounts:detail", args=[personas.alice_account.pk])
    assert "⚠ Stale" in client.get(_url("plan_detail", plan)).content.decode()
    assert "⚠ Stale" in client.get(account_page).content.decode()
    client.post(_url("plan_mark_reviewed", plan))
    assert "⚠ Stale" not in client.get(_url("plan_detail", plan)).content.decode()
    assert "⚠ Stale" not in client.get(account_page).content.decode()


def test_account_page_summarises_the_plan(client, personas, plan):
    client.force_login(personas.alice)
    page = client.get(reverse("accounts:detail", args=[personas.alice_account.pk])).content.decode()
    assert "FY2026 plan" in page and "1 of 2 actions done (50%)" in page
    assert reverse("relationships:stakeholder_map", args=[personas.alice_account.pk]) in page


def test_plan_page_shows_grid_money_and_years(client, personas, plan):
    client.force_login(personas.alice)
    response = client.get(_url("plan_detail", plan))
    grid = response.context["whitespace"]
    assert grid["units"] == ["Fashion", "Grocery"]
    assert [offering for offering, _ in grid["rows"]] == ["Analytics", "POS"]
    page = response.content.decode()
    assert "✖ Held by a competitor" in page.replace('<span aria-hidden="true">✖</span>', "✖")
    assert "Fabrikam, renews 30 Jun 2027" in page
    assert "Not assessed" in page  # Analytics × Grocery is a gap
    assert "80,000.00" in page  # joint initiatives: 50,000 ours + 30,000 theirs
    years = {row["year"]: row for row in response.context["investment_years"]}
    assert years[2026]["cost"] == 120000 and years[2027]["benefit"] == 150000


def test_copy_from_the_page(client, personas, plan):
    client.force_login(personas.alice)
    assert client.get(_url("plan_copy", plan)).context["form"]["fiscal_year"].value() == 2027
    response = client.post(_url("plan_copy", plan), {"fiscal_year": 2027})
    new = personas.alice_account.plans.get(fiscal_year=2027)
    assert response.url == _url("plan_detail", new)
    assert new.actions.get().status == PlanAction.Status.NOT_STARTED


def _every_plan_url(personas):
    kwargs = {"account_id": personas.alice_account.pk} | census_plans.url_kwargs(personas)
    for pattern in urls_plans.urlpatterns:
        names = pattern.pattern.regex.groupindex
        url = reverse(f"relationships:{pattern.name}", kwargs={name: kwargs[name] for name in names})
        yield url, census_plans.CASES[f"relationships:{pattern.name}"].method == "post"


@pytest.mark.parametrize("who", ["bob", "outside_executive"])
def test_outsiders_get_404_on_every_plan_and_map_url(client, personas, make_user, who):
    user = make_user("erin", Role.EXECUTIVE) if who == "outside_executive" else personas.bob
    client.force_login(user)
    for url, post_only in _every_plan_url(personas):
        for method in (client.get, client.post):
            response = method(url)
            # A GET to a POST-only route is refused before any lookup, the same for every account.
            expected = 405 if post_only and method == client.get else 404
            assert response.status_code == expected, url
            assert "Northwind" not in response.content.decode()
    assert AccountPlan.objects.filter(status=AccountPlan.Status.DRAFT).count() == 1


def test_a_gap_in_the_grid_opens_a_prefilled_cell_form(client, personas, plan):
    client.force_login(personas.alice)
    page = client.get(_url("plan_detail", plan)).content.decode()
    link = re.search(r'href="([^"]+)">assess<span class="visually-hidden"> POS for Fashion<', page)
    url = html.unescape(link.group(1))
    # The link names the gap by the ids of cells in its row and column, never by their text.
    assert "POS" not in url and "Fashion" not in url
    response = client.get(url + "&state=won")
    form = response.context["form"]
    assert (form["offering"].value(), form["business_unit"].value()) == ("POS", "Fashion")
    assert form["state"].value() == "open"  # only the grid position is taken from the link


def test_a_gap_link_naming_another_plans_cells_prefills_nothing(client, personas, plan):
    other = make_plan(personas.bob_account, personas.bob, fiscal_year=2026)
    theirs = add(other, personas.bob, WhitespaceCell, offering="Secret", business_unit="Hidden")
    client.force_login(personas.alice)
    query = f"?offering_cell_id={theirs.pk}&business_unit_cell_id={theirs.pk}"
    form = client.get(_url("plan_cell_add", plan) + query).context["form"]
    assert (form["offering"].value(), form["business_unit"].value()) == (None, None)


def test_a_cell_is_edited_on_its_own(client, personas, plan):
    cell = plan.whitespace.get(offering="POS")
    client.force_login(personas.alice)
    data = {"offering": "POS", "business_unit": "Grocery", "state": "competitor", "competitor": "Fabrikam"}
    client.post(_url("plan_cell_edit", plan, cell.pk), data | {"renewal_on": "2027-01-31"})
    cell.refresh_from_db()
    assert (cell.state, cell.competitor, str(cell.renewal_on)) == ("competitor", "Fabrikam", "2027-01-31")
