"""Canaries behind the wall: no page, export or header shows Northwind's confidential text to anyone
outside its team.

Every confidential text field of alice's account ("Northwind Retail") holds a unique canary
(`CANARY-<hex>-<field>`), and its revenue a distinctive amount. Then bob (who leads the competitor,
Contoso Stores), dave (compliance: sanitized only), admin, frank (whose wall crossing has ended) and
gina (who owned a follow-up and a plan action on Northwind's team and has just moved to Contoso's)
visit every route of the project (the URL census' route walk) with URL kwargs pointing at alice's
objects and, separately, at bob's own, with and without the interesting query strings (searches,
CSV formats, every dashboard chart's CSV). No canary may appear in any body or header. carol, who
sponsors the account, does see them: the test can fail.
"""

import datetime
import re
import uuid
from decimal import Decimal
from html import unescape
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.selectors import competitor_links_of
from accounts.services import CONTEXT_FIELDS
from compliance import services as compliance_services
from compliance.models import AccessLogEntry
from kam.tests.test_url_census import (
    CENSUS,
    ROUTES,
    add_crossing_personas,
    add_newcomer_persona,
    sign_in_and_join,
)
from relationships.dashboards.services import interaction_mix_refresh
from relationships.models import (
    AccountPlan,
    Investment,
    JointInitiative,
    PlanAction,
    PlanObjective,
    SwotItem,
    WhitespaceCell,
)
from relationships.plans import services as plan_services
from relationships.revenue.services import monthly_revenue_upsert
from relationships.scoring import services as scoring_services
from relationships.tests.census_plans import plan_kwargs
from relationships.tests.factories import follow_up, log_interaction
from relationships.tests.plan_factories import add, full_plan, make_plan

pytestmark = pytest.mark.django_db

REVENUE = Decimal("987654.32")
MARGIN = Decimal("123456.78")
# The amounts as a page, a CSV or a chart could print them.
AMOUNT_FORMS = (
    "987654.32",
    "987,654.32",
    "987.654,32",
    "987654,32",
    "987,654",
    "987.654",
    "987 654",
    "987\u00a0654",
    "987\u202f654",
    "123456.78",
    "123,456.78",
    "123.456,78",
    "123456,78",
    "123,456",
    "123\u00a0456",
)
# Every chart of the dashboards (`?format=csv&chart=NAME`), read from the view module so a new
# chart is walked too.
DASHBOARDS = Path(__file__).resolve().parents[2] / "relationships" / "dashboards"
CHART_NAMES = tuple(
    sorted(
        {
            name
            for module in DASHBOARDS.glob("*.py")
            for name in re.findall(r'Chart\(\s*"(\w+)"', module.read_text())
        }
    )
)
QUERIES = ("", "?q=CANARY", "?q=CANARY-", "?q=Northwind", "?format=csv", "?page=2")


class Canaries:
    """Unique strings planted in confidential fields; `found_in(text)` names those it contains."""

    def __init__(self):
        self.by_token: dict[str, str] = {}

    def __call__(self, field: str) -> str:
        token = uuid.uuid4().hex[:12]
        self.by_token[token] = field
        return f"CANARY-{token}-{field}"

    def email(self, field: str) -> str:
        token = uuid.uuid4().hex[:12]
        self.by_token[token] = field
        return f"canary-{token}@northwind.example"

    def found_in(self, text: str) -> list[str]:
        lowered = text.lower()
        return sorted(f"{field} ({token})" for token, field in self.by_token.items() if token in lowered)


def _plant(personas, canary: Canaries):
    """alice's account with a canary in every confidential text field; returns the URL kwargs."""
    account, alice, carol = personas.alice_account, personas.alice, personas.carol
    account_services.account_context_update(
        account=account, actor=alice, **{name: canary(f"context.{name}") for name in CONTEXT_FIELDS}
    )
    force = account_services.business_force_create(
        account=account, kind="regulation", impact="threat", description=canary("force.description")
    )
    boss = account_services.stakeholder_update(
        stakeholder=personas.stakeholder,
        name=canary("stakeholder.name"),
        title=canary("stakeholder.title"),
        notes=canary("stakeholder.notes"),
        phone=canary("stakeholder.phone"),
        email=canary.email("stakeholder.email"),
    )
    report = account_services.stakeholder_create(
        account=account,
        name=canary("stakeholder2.name"),
        title=canary("stakeholder2.title"),
        notes=canary("stakeholder2.notes"),
        reports_to=boss,
        relationship_owner=alice,
    )
    interaction = log_interaction(
        account,
        alice,
        summary=canary("interaction.summary"),
        their_participants=[boss, report],
        follow_ups=[follow_up(alice, due_in_days=2, description=canary("follow_up.description"))],
    )
    log_interaction(
        account, alice, days_ago=40, category="firefighting", summary=canary("interaction2.summary")
    )

    plan = make_plan(
        account,
        alice,
        fiscal_year=plan_services.current_fiscal_year(),
        customer_goals=canary("plan.customer_goals"),
        our_goals=canary("plan.our_goals"),
    )
    objective = add(
        plan, alice, PlanObjective, title=canary("objective.title"), measure=canary("objective.measure")
    )
    action = add(
        plan,
        alice,
        PlanAction,
        objective=objective,
        description=canary("action.description"),
        owner=alice,
        due_on=timezone.localdate() + datetime.timedelta(days=10),
        status=PlanAction.Status.IN_PROGRESS,
        percent_done=30,
    )
    swot = [
        add(plan, alice, SwotItem, kind=kind, text=canary(f"swot.{kind}")) for kind in SwotItem.Kind.values
    ]
    cell = add(
        plan,
        alice,
        WhitespaceCell,
        offering=canary("whitespace.offering"),
        business_unit=canary("whitespace.business_unit"),
        state=WhitespaceCell.State.COMPETITOR,
        competitor=canary("whitespace.competitor"),
        renewal_on=timezone.localdate() + datetime.timedelta(days=200),
    )
    initiative = add(
        plan,
        alice,
        JointInitiative,
        name=canary("initiative.name"),
        description=canary("initiative.description"),
        our_investment=Decimal("50000"),
        customer_investment=Decimal("30000"),
    )
    year = plan.fiscal_year
    investment = add(
        plan,
        alice,
        Investment,
        description=canary("investment.description"),
        cost=Decimal("120000"),
        cost_fiscal_year=year,
        expected_benefit=Decimal("300000"),
        benefit_from_fiscal_year=year + 1,
        benefit_to_fiscal_year=year + 2,
    )
    # The sponsor's review comment: submitted, then returned by carol with a comment.
    plan_services.plan_submit(plan=plan, actor=alice)
    plan_services.plan_return(plan=plan, actor=carol, comment=canary("plan.review_comment"))

    first = timezone.localdate().replace(day=1)
    months = [(first.year * 12 + first.month - 1 - ago) for ago in range(1, 15)]
    monthly_revenue_upsert(
        rows=[(account.pk, datetime.date(m // 12, m % 12 + 1, 1), REVENUE, MARGIN) for m in months]
    )
    scoring_services.scoring_run_now(scored_on=timezone.localdate() - datetime.timedelta(days=30))
    scoring_services.scoring_run_now(scored_on=timezone.localdate())
    interaction_mix_refresh()

    bob_crossing = compliance_services.crossing_request(
        user=personas.bob, account=account, reason="Joint tender.", days=5
    )
    exception = compliance_services.exception_grant(
        user=personas.bob, account=account, reason="Canary test.", actor=personas.dave
    )
    link = competitor_links_of(account).get()
    alices = {
        "account_id": account.pk,
        "member_id": account.team.get(user=carol).pk,
        "stakeholder_id": boss.pk,
        "force_id": force.pk,
        "link_id": link.pk,
        "interaction_id": interaction.pk,
        "follow_up_id": interaction.follow_ups.get().pk,
        "plan_id": plan.pk,
        "objective_id": objective.pk,
        "action_id": action.pk,
        "swot_id": swot[0].pk,
        "cell_id": cell.pk,
        "initiative_id": initiative.pk,
        "investment_id": investment.pk,
        "crossing_id": bob_crossing.pk,
        "exception_id": exception.pk,
        "user_id": alice.pk,
        **NO_PASSWORD_LINK,
    }
    return alices, _bobs_own(personas, link, exception)


# The password-set page's kwargs: a link that is not valid (the page says so).
NO_PASSWORD_LINK = {"uidb64": "MQ", "token": "not-a-valid-token"}


def _bobs_own(personas, link, exception) -> dict:
    """The same kwargs on bob's own account (plain text, no canary)."""
    account, bob = personas.bob_account, personas.bob
    force = account_services.business_force_create(
        account=account, kind="regulation", impact="threat", description="Contoso levy."
    )
    stakeholder = account_services.stakeholder_create(account=account, name="Ada Lovelace", title="CFO")
    interaction = log_interaction(
        account, bob, their_participants=[stakeholder], follow_ups=[follow_up(bob, due_in_days=3)]
    )
    plan = full_plan(account, bob)
    erins = compliance_services.crossing_request(
        user=personas.erin, account=account, reason="Contoso audit.", days=3
    )
    return {
        "account_id": account.pk,
        "member_id": account.team.get(user=bob).pk,
        "stakeholder_id": stakeholder.pk,
        "force_id": force.pk,
        "link_id": link.pk,
        "interaction_id": interaction.pk,
        "follow_up_id": interaction.follow_ups.get().pk,
        **plan_kwargs(plan),
        "crossing_id": erins.pk,
        "exception_id": exception.pk,
        "user_id": bob.pk,
        **NO_PASSWORD_LINK,
    }


def _plant_ginas_work(personas, canary: Canaries, plan_id: int) -> None:
    """gina, on Northwind's team until she moves, owns a follow-up and a plan action there."""
    account, alice, gina = personas.alice_account, personas.alice, personas.gina
    log_interaction(
        account,
        alice,
        summary=canary("interaction3.summary"),
        follow_ups=[follow_up(gina, due_in_days=1, description=canary("follow_up2.description"))],
    )
    add(
        AccountPlan.objects.get(pk=plan_id),
        alice,
        PlanAction,
        description=canary("action2.description"),
        owner=gina,
        due_on=timezone.localdate() - datetime.timedelta(days=1),
        status=PlanAction.Status.IN_PROGRESS,
        percent_done=10,
    )


@pytest.fixture
def planted(personas):
    add_newcomer_persona(add_crossing_personas(personas))
    canary = Canaries()
    alices, bobs = _plant(personas, canary)
    _plant_ginas_work(personas, canary, alices["plan_id"])
    needed = {name for kwargs in ROUTES.values() for name in kwargs}
    assert needed <= set(alices), f"the canary walk has no value for {sorted(needed - set(alices))}"
    return personas, canary, alices, bobs


def _text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    headers = "\n".join(f"{key}: {value}" for key, value in response.headers.items())
    return headers + "\n" + body.decode("utf-8", errors="replace")


def _requests(kwarg_sets):
    """(method, url) of every route with each kwarg set and query string, and every chart's CSV."""
    seen = set()
    for kwargs in kwarg_sets:
        for name, kwarg_names in sorted(ROUTES.items()):
            url = reverse(name, kwargs={k: kwargs[k] for k in kwarg_names})
            methods = {"get", CENSUS[name].method} if name in CENSUS else {"get"}
            if name == "logout":
                methods = {"get"}  # a POST would end the session and the rest of the walk
            queries = list(QUERIES)
            if "dashboard" in name or "chart" in name:
                queries += [f"?format=csv&chart={chart}" for chart in CHART_NAMES]
                queries += [f"?chart={chart}" for chart in CHART_NAMES]
            for method in sorted(methods):
                for query in queries if method == "get" else [""]:
                    if (method, url + query) not in seen:
                        seen.add((method, url + query))
                        yield method, url + query
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        for query in ("", "?q=CANARY", "?q=Northwind"):
            yield "get", changelist + query


def _walk(client, user, kwarg_sets, canary: Canaries) -> tuple[list[str], int]:
    client.force_login(user)
    leaks, answered = [], 0
    for method, url in _requests(kwarg_sets):
        response = getattr(client, method)(url)
        answered += response.status_code == 200
        text = _text(response)
        found = canary.found_in(text)
        amounts = [form for form in AMOUNT_FORMS if form in text]
        if found or amounts:
            leaks.append(f"{method.upper()} {url} ({response.status_code}): {', '.join(found + amounts)}")
    return leaks, answered


@pytest.mark.parametrize("persona", ["bob", "dave", "admin", "frank", "gina"])
def test_no_canary_reaches_anyone_outside_the_wall(client, planted, persona):
    personas, canary, alices, bobs = planted
    if persona == "gina":
        sign_in_and_join(client, personas)
    leaks, answered = _walk(client, getattr(personas, persona), [bobs, alices], canary)
    assert answered > 20, "the walk reached too few pages to mean anything"
    assert not leaks, f"{persona} saw Northwind's confidential content:\n" + "\n".join(leaks)


def test_the_sponsor_sees_the_canaries_on_the_account_page(client, planted):
    personas, canary, alices, _ = planted
    client.force_login(personas.carol)
    response = client.get(reverse("accounts:detail", kwargs={"account_id": alices["account_id"]}))
    assert response.status_code == 200
    found = canary.found_in(_text(response))
    assert found, "carol sponsors Northwind: its confidential content should be on her account page"
    assert any(field.startswith("context.strategy") for field in found)
    plan = client.get(
        reverse(
            "relationships:plan_detail",
            kwargs={"account_id": alices["account_id"], "plan_id": alices["plan_id"]},
        )
    )
    assert canary.found_in(_text(plan))


# The insider's browsing leaves no canary in the log. -------------------------------------------------

NOT_WALKED = ("/logout/", "/admin/", "/static/", "/login/")
HREF = re.compile(r'href="(/[^"#]*)')


def _links(html: str) -> set[str]:
    return {unescape(href) for href in HREF.findall(html) if not href.startswith(NOT_WALKED)}


def _browse_every_link(client, start: list[str], limit: int = 400) -> int:
    """GET `start` and every same-site link reachable from it (breadth first); returns pages seen."""
    seen, queue = set(start), list(start)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for link in sorted(_links(response.content.decode()) - seen):
            seen.add(link)
            queue.append(link)
    return len(seen)


def test_the_insiders_browsing_leaves_no_canary_for_the_compliance_officer(client, planted):
    personas, canary, alices, _ = planted
    account = alices["account_id"]
    add(
        AccountPlan.objects.get(pk=alices["plan_id"]),
        personas.alice,
        WhitespaceCell,
        offering=canary("whitespace2.offering"),
        business_unit=canary("whitespace2.business_unit"),
        state=WhitespaceCell.State.WON,
    )
    start = [
        reverse("accounts:detail", kwargs={"account_id": account}),
        reverse("relationships:plan_detail", kwargs={"account_id": account, "plan_id": alices["plan_id"]}),
        reverse("relationships:my_week"),
        reverse("relationships:dashboard_mine"),
    ]
    searches = [
        reverse("relationships:interaction_list", kwargs={"account_id": account})
        + "?"
        + urlencode({"q": canary("typed.search"), "person": f"s{alices['stakeholder_id']}", "page": "1"}),
        reverse("accounts:list") + "?" + urlencode({"q": canary("typed.account_search")}),
    ]
    for insider in (personas.alice, personas.carol):
        client.force_login(insider)
        assert _browse_every_link(client, start + searches) > 15, "the walk reached too few pages"
        client.get(reverse("relationships:dashboard_portfolio"))

    client.force_login(personas.dave)
    leaks = []
    pages = [reverse("compliance:log") + f"?page={n}" for n in range(1, 40)]
    pages += [reverse("compliance:log") + "?account=Northwind", reverse("compliance:log_export")]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        found = canary.found_in(_text(response))
        if found:
            leaks.append(f"{url}: {', '.join(found)}")
    assert AccessLogEntry.objects.filter(user_id=personas.alice.pk).count() > 40
    assert not leaks, "the compliance officer read confidential content in the log:\n" + "\n".join(leaks)

    # The metrics count what the insiders browsed, by view name: no canary, no account's name.
    metrics = _text(client.get(reverse("metrics")))
    assert 'view="accounts:detail"' in metrics
    named = [name for name in (personas.alice_account.name, personas.bob_account.name) if name in metrics]
    assert not canary.found_in(metrics) and not named, f"the metrics name {canary.found_in(metrics) + named}"
