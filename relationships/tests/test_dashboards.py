"""The dashboards: sanitized portfolio metrics for executives, the wall on everything confidential,
CSV that a spreadsheet cannot execute, and query counts that do not grow with the portfolio."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AccountFactory
from kam.lib import charts
from kam.lib.csv_guard import csv_safe
from relationships.dashboards.services import interaction_mix_refresh
from relationships.models import AccountPlan, Investment, PlanAction
from relationships.scoring import services as scoring_services
from relationships.tests.scoring_helpers import TODAY, interact, monthly_revenue

pytestmark = pytest.mark.django_db
CANARY = "CANARY-7f3e-alice-secret"


def _portfolio(personas, extra_accounts: int = 0):
    alice_account = personas.alice_account
    for days_ago in (1, 5, 40):
        interact(alice_account, "firefighting", days_ago).__class__.objects.filter(
            account=alice_account
        ).update(summary=CANARY)
    monthly_revenue(alice_account, 14, revenue=50_000, margin=12_000)
    monthly_revenue(personas.bob_account, 14, revenue=20_000, margin=3_000)
    interact(personas.bob_account, "value_adding", 3)
    plan = AccountPlan.objects.create(
        account=alice_account, fiscal_year=TODAY().year, our_goals=CANARY, reviewed_at="2020-01-01T00:00Z"
    )
    Investment.objects.create(
        plan=plan,
        description=CANARY,
        cost=Decimal(10_000),
        cost_fiscal_year=TODAY().year,
        expected_benefit=Decimal(30_000),
        benefit_from_fiscal_year=TODAY().year + 1,
        benefit_to_fiscal_year=TODAY().year + 2,
    )
    for index in range(extra_accounts):
        account = AccountFactory(name=f"Extra {index}", segment=personas.segment, owner=personas.bob)
        monthly_revenue(account, 3, revenue=1_000 * (index + 1), margin=200)
        interact(account, "relationship", 2)
    scoring_services.scoring_run_now(scored_on=TODAY() - datetime.timedelta(days=30))
    scoring_services.scoring_run_now(scored_on=TODAY())
    interaction_mix_refresh()


def test_carol_sees_the_portfolio_with_alices_interactions_but_no_others(client, personas):
    _portfolio(personas)
    client.force_login(personas.carol)
    page = client.get(reverse("relationships:dashboard_portfolio")).content.decode()
    assert 'data-testid="total-clv"' in page and "Selection matrix" in page
    assert "Northwind Retail" in page and "Contoso Stores" in page  # sanitized: every account
    assert "Firefighting, Firefighting, Firefighting" in page  # alice's account: carol sponsors it
    assert CANARY not in page
    assert "your accounts only" in page and "no data" in page  # share of wallet and referrals


def test_compliance_sees_sanitized_metrics_without_any_interaction_categories(client, personas):
    _portfolio(personas)
    client.force_login(personas.dave)
    page = client.get(reverse("relationships:dashboard_portfolio")).content.decode()
    assert "Northwind Retail" in page and "Firefighting, " not in page and CANARY not in page
    assert "No revenue recorded for your accounts." in page


def test_bob_never_sees_alices_confidential_content_on_any_dashboard(client, personas):
    _portfolio(personas)
    client.force_login(personas.bob)
    mine = client.get(reverse("relationships:dashboard_mine")).content.decode()
    assert "Contoso Stores" in mine and "Northwind Retail" not in mine and CANARY not in mine
    assert client.get(reverse("relationships:dashboard_portfolio")).status_code == 403
    csv_url = reverse("relationships:account_chart_csv", args=[personas.alice_account.pk])
    assert client.get(csv_url).status_code == 404
    for chart in ("my_accounts",):
        body = client.get(reverse("relationships:dashboard_mine"), {"format": "csv", "chart": chart})
        assert CANARY not in body.content.decode() and "Northwind" not in body.content.decode()


def test_every_portfolio_chart_downloads_as_csv_without_confidential_text(client, personas):
    _portfolio(personas)
    client.force_login(personas.carol)
    url = reverse("relationships:dashboard_portfolio")
    for chart in (
        "bands_now",
        "band_history",
        "clv_distribution",
        "interaction_mix",
        "firefighting",
        "selection_matrix",
        "investment",
    ):
        response = client.get(url, {"format": "csv", "chart": chart})
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv"), chart
        assert CANARY not in response.content.decode()
    assert client.get(url, {"format": "csv", "chart": "nope"}).status_code == 404


PORTFOLIO_CHARTS = ("bands_now", "band_history", "clv_distribution", "selection_matrix")


def _detail_reads(client, urls) -> list[str]:
    """The statements that touched the score detail table while `client` opened `urls`."""
    with CaptureQueriesContext(connection) as queries:
        for url, params in urls:
            assert client.get(url, params).status_code == 200, (url, params)
    return [q["sql"] for q in queries.captured_queries if "accountscoredetail" in q["sql"]]


def test_portfolio_views_read_only_the_sanitized_snapshot_never_its_detail(client, personas):
    _portfolio(personas)
    portfolio = reverse("relationships:dashboard_portfolio")
    urls = [(portfolio, {}), (reverse("accounts:list"), {})]
    urls += [(portfolio, {"format": "csv", "chart": chart}) for chart in PORTFOLIO_CHARTS]
    for persona in (personas.carol, personas.dave):
        client.force_login(persona)
        assert _detail_reads(client, urls) == [], persona.username
    # Control: alice's own dashboard does read it (what drives her accounts' scores).
    client.force_login(personas.alice)
    assert _detail_reads(client, [(reverse("relationships:dashboard_mine"), {})])


def test_alice_dashboard_shows_drivers_stale_plan_and_cold_stakeholder(client, personas):
    _portfolio(personas)
    client.force_login(personas.alice)
    page = client.get(reverse("relationships:dashboard_mine")).content.decode()
    assert "Northwind Retail" in page and "Contoso Stores" not in page
    assert "Grace Hopper" in page  # never met: going cold
    assert f"Northwind Retail FY{TODAY().year}" in page  # reviewed in 2020: stale
    assert "<svg" in page and "<title" in page


def test_account_page_has_score_history_and_clv_curve(client, personas):
    _portfolio(personas)
    client.force_login(personas.alice)
    page = client.get(reverse("accounts:detail", args=[personas.alice_account.pk])).content.decode()
    assert 'data-testid="chart-score_history"' in page and 'data-testid="chart-clv_curve"' in page
    csv = client.get(
        reverse("relationships:account_chart_csv", args=[personas.alice_account.pk]), {"chart": "clv_curve"}
    )
    assert csv.status_code == 200 and csv.content.decode().startswith("Year,Cumulative CLV")


@pytest.mark.parametrize("value", ["=HYPERLINK(1)", "+1+1", "-2+3", "@SUM(A1)", "\tx"])
def test_csv_cells_that_would_run_as_formulas_are_quoted(value):
    assert csv_safe(value) == "'" + value
    assert csv_safe(-5) == -5 and csv_safe("Acme") == "Acme"


def test_charts_are_accessible_svg_with_escaped_labels():
    svg = charts.bar("t", title="T <b>", desc="D", labels=["<script>"], values=[3])
    assert "<title" in svg and "<desc" in svg and "<script>" not in svg and 'role="img"' in svg
    scatter = charts.scatter_moves(
        "s",
        title="M",
        desc="d",
        points=[charts.Move("A", 80, 70, 40, 30, 0)],
        x_label="x",
        y_label="y",
        quadrants=["a", "b", "c", "d"],
    )
    assert "marker-end" in scatter  # the movement arrow


@pytest.mark.parametrize("page", ["relationships:dashboard_portfolio", "relationships:dashboard_mine"])
def test_query_count_does_not_grow_with_the_portfolio(client, personas, django_assert_max_num_queries, page):
    user = personas.carol if page.endswith("portfolio") else personas.bob
    _portfolio(personas, extra_accounts=2)
    client.force_login(user)
    client.get(reverse(page))  # warm the session and permission caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse(page)).status_code == 200
    for index in range(2, 14):
        AccountFactory(name=f"More {index}", segment=personas.segment, owner=personas.bob)
    scoring_services.scoring_run_now(scored_on=TODAY())
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse(page)).status_code == 200


def test_interaction_mix_refresh_counts_each_month_and_category_once(personas):
    from relationships.models import InteractionMonthlyMix

    interact(personas.alice_account, "escalation", 0)
    interact(personas.alice_account, "escalation", 0)
    interaction_mix_refresh()
    interaction_mix_refresh()  # idempotent: a rebuild, not an increment
    row = InteractionMonthlyMix.objects.get(account=personas.alice_account, category="escalation")
    assert (row.interactions, row.sentiment_sum) == (2, 0)


def test_programme_growth_compares_the_same_months_of_each_year(personas):
    from compliance.access import visible_accounts
    from relationships.dashboards.selectors import Scope, programme_results

    monthly_revenue(personas.alice_account, 14, revenue=50_000, margin=12_000)  # flat: growth is 0
    scope = Scope(
        portfolio=visible_accounts(personas.alice), visible=visible_accounts(personas.alice), day=None
    )
    rows = programme_results(scope)
    later = [row for row in rows if row["growth"] is not None]
    assert later and all(abs(row["growth"]) < 1e-9 for row in later)
    assert all(row["retention"] in (None, 1.0) for row in rows)


def test_filters_narrow_the_portfolio(client, personas):
    _portfolio(personas, extra_accounts=1)
    client.force_login(personas.carol)
    page = client.get(reverse("relationships:dashboard_portfolio"), {"tier": "standard"}).content.decode()
    top = page.split('data-testid="top-customers"')[1].split("</table>")[0]
    assert "Extra 0" in top and "Northwind Retail" not in top


def test_my_dashboard_lists_overdue_actions_of_the_latest_plan_only(client, personas):
    today = timezone.localdate()
    for year, text in ((today.year - 1, "Superseded step"), (today.year, "Carried-over step")):
        plan = AccountPlan.objects.create(
            account=personas.alice_account, fiscal_year=year, reviewed_at=timezone.now()
        )
        PlanAction.objects.create(
            plan=plan, description=text, owner=personas.alice, due_on=today - datetime.timedelta(days=5)
        )
    client.force_login(personas.alice)

    page = client.get(reverse("relationships:dashboard_mine")).content.decode()

    assert "Carried-over step" in page
    assert "Superseded step" not in page
