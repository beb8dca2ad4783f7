"""What people see: the health panel, the alert badge, the admin pages, and the revenue CSV import."""

import pytest
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from compliance.principal import Principal, acting_as
from kam.lib.csv_import import CsvFileError, RowsRefused, parse_rows, read_rows, run_import
from relationships.models import MonthlyRevenue, ScoreAlert, ScoringRun, ScoringSettings
from relationships.revenue.imports import REVENUE
from relationships.revenue.services import revenue_import
from relationships.scoring import services as scoring_services
from relationships.scoring.selectors import health_panel
from relationships.tests.scoring_helpers import TODAY, interact, monthly_revenue

pytestmark = pytest.mark.django_db


def _panel(user, account) -> tuple[dict, str]:
    request = RequestFactory().get("/")
    request.user = user
    health = health_panel(account)
    return health, render_to_string("relationships/includes/account_health.html", {"health": health})


def test_panel_before_the_first_run_says_not_scored_yet(personas):
    health, html = _panel(personas.alice, personas.alice_account)
    assert health["score"] is None and "Not scored yet" in html


def test_panel_shows_score_band_why_and_the_clv_curve(personas, django_assert_max_num_queries):
    account = personas.alice_account
    interact(account, "value_adding", 3)
    monthly_revenue(account, 12, revenue=10_000, margin=2_000)
    scoring_services.scoring_run_now(scored_on=TODAY())
    with django_assert_max_num_queries(2):
        health, html = _panel(personas.alice, account)
    assert health["score"].band == "green"
    assert "Interaction value mix" in html and "no data" in html  # measures without data say so
    assert 'data-testid="clv-curve"' in html and html.count("<tr><td>") >= 5 + 7
    assert health["measures"][0]["contribution"] >= health["measures"][1]["contribution"]


def test_panel_shows_why_and_the_margin_only_where_the_database_shows_the_detail(personas):
    account = personas.alice_account
    interact(account, "value_adding", 3)
    monthly_revenue(account, 12, revenue=10_000, margin=2_000)
    scoring_services.scoring_run_now(scored_on=TODAY())
    with acting_as(Principal("user", personas.alice.pk)):
        _health, insider = _panel(personas.alice, account)
    # bob is no insider of alice's account: row-level security hides the detail from his transaction.
    with acting_as(Principal("user", personas.bob.pk)):
        _health, outsider = _panel(personas.bob, account)
    assert 'data-testid="health-measures"' in insider and "annual margin of 24,000" in insider
    assert 'data-testid="health-measures"' not in outsider and "annual margin" not in outsider
    assert 'data-testid="clv"' in outsider and 'data-testid="health-band"' in outsider  # sanitized


def test_panel_says_insufficient_data_instead_of_a_guess(personas):
    scoring_services.scoring_run_now(scored_on=TODAY())
    _health, html = _panel(personas.alice, personas.alice_account)
    assert "insufficient data" in html and "Too little data" in html


def test_owner_sees_the_alert_badge_and_others_do_not(client, personas):
    ScoreAlert.objects.create(
        account=personas.alice_account,
        user=personas.alice,
        kind=ScoreAlert.Kind.MOSTLY_FIREFIGHTING,
        episode_on=TODAY(),
        message="Mostly firefighting.",
    )
    client.force_login(personas.alice)
    page = client.get(reverse("accounts:list")).content.decode()
    assert 'data-testid="score-alerts"' in page and "Mostly firefighting." in page
    client.force_login(personas.bob)
    page = client.get(reverse("accounts:list")).content.decode()
    assert 'data-testid="score-alerts"' not in page and personas.alice_account.name not in page


def test_administrator_sees_runs_and_edits_settings_in_the_admin(client, personas):
    scoring_services.scoring_run_now(scored_on=TODAY())
    client.force_login(personas.admin)
    assert client.get(reverse("admin:relationships_scoringrun_changelist")).status_code == 200
    run = ScoringRun.objects.get()
    assert client.get(reverse("admin:relationships_scoringrun_change", args=[run.pk])).status_code == 200
    url = reverse("admin:relationships_scoringsettings_change", args=[1])
    form = {f: getattr(ScoringSettings.objects.get(pk=1), f) for f in scoring_services.SETTINGS_FIELDS}
    response = client.post(url, {**form, "green_from": 75})
    assert response.status_code == 302
    assert ScoringSettings.objects.get(pk=1).green_from == 75
    response = client.post(url, {**form, "green_from": 30})  # below amber: refused
    assert response.status_code == 200 and ScoringSettings.objects.get(pk=1).green_from == 75


def test_account_manager_cannot_open_the_scoring_admin(client, personas):
    client.force_login(personas.alice)
    response = client.get(reverse("admin:relationships_scoringrun_changelist"))
    assert response.status_code == 302  # to the admin login: not staff


CSV = (
    b"account,month,revenue,margin\n"
    b"Northwind Retail,2026-01,1000.00,250.50\n"
    b"northwind retail,2026-02,1100,300\n"
)


def revenue_rows(data: bytes) -> list:
    return [row for _, row in parse_rows(read_rows(data, REVENUE), REVENUE, None)]


def test_revenue_csv_imports_all_rows_and_rescoring_is_sent_on_commit(
    personas, django_capture_on_commit_callbacks
):
    rows = revenue_rows(CSV)
    assert len(rows) == 2
    with django_capture_on_commit_callbacks() as callbacks:
        assert revenue_import(actor=personas.alice, rows=rows) == 2
    assert len(callbacks) == 1
    assert MonthlyRevenue.objects.filter(account=personas.alice_account).count() == 2
    revenue_import(actor=personas.alice, rows=revenue_rows(CSV.replace(b"1000.00", b"900")))
    assert MonthlyRevenue.objects.get(account=personas.alice_account, month="2026-01-01").revenue == 900


@pytest.mark.parametrize(
    ("line", "column"),
    [
        (b"Northwind Retail,2026-13,10,1", "month"),
        (b"Northwind Retail,2026-03,ten,1", "revenue"),
        (b"Northwind Retail,2026-03,-5,-6", "revenue"),
        (b"Northwind Retail,2026-03,10,11", "margin"),
        (b"Northwind Retail,2026-03,10.123,1", "revenue"),
        (b",2026-03,10,1", "account"),
    ],
)
def test_revenue_csv_reports_each_bad_row(personas, line, column):
    result = run_import(REVENUE, CSV + line + b"\n", context=personas.alice, commit=True)
    assert [(e.row, e.column) for e in result.errors] == [(4, column)]
    assert not MonthlyRevenue.objects.exists()


def test_revenue_csv_refuses_a_wrong_header():
    with pytest.raises(CsvFileError, match="Unknown column"):
        read_rows(b"account,month,amount\nX,2026-01,1\n", REVENUE)


def test_one_bad_row_and_nothing_is_written(personas):
    rows = revenue_rows(CSV + b"Contoso Stores,2026-01,10,1\nNorthwind Retail,2026-01,5,1\n")
    with pytest.raises(RowsRefused) as refused:
        revenue_import(actor=personas.alice, rows=rows)
    messages = [str(e) for e in refused.value.errors]
    # bob's account is walled from alice: "unknown", exactly like a missing one.
    assert messages == [
        "row 4, account: no account named “Contoso Stores” on your teams",
        "row 5, month: repeats row 2 for this account and month",
    ]
    assert not MonthlyRevenue.objects.exists()


def test_revenue_import_needs_the_permission(personas):
    with pytest.raises(PermissionDenied):
        revenue_import(actor=personas.dave, rows=revenue_rows(CSV))
