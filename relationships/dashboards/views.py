"""The executive portfolio dashboard, the account manager's dashboard, and the account page's charts.

Every chart comes with its numbers as a table and as CSV (`?format=csv&chart=NAME`).
"""

import csv

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render

from compliance.access import can_see_portfolio, get_account_for_user, record_list_read
from kam.lib import charts
from kam.lib.csv_guard import csv_safe
from relationships.dashboards import selectors
from relationships.dashboards.charts import Chart, account_charts
from relationships.dashboards.forms import DashboardFilterForm
from relationships.scoring.models import Band

STANCES = {
    "invest": "Invest: attractive and strong",
    "develop": "Develop: attractive, relationship weak",
    "maintain": "Maintain: strong, less attractive",
    "reduce": "Reduce: serve at low cost",
}
STANCE_SHAPE = {"invest": 0, "develop": 1, "maintain": 3, "reduce": 2}  # index into charts.SHAPES
STANCE_SYMBOL = {"invest": "●", "develop": "■", "maintain": "◆", "reduce": "▲"}
BAND_LABELS = dict(Band.choices)
CATEGORY_LABELS = {
    "value_adding": "Value-adding",
    "relationship": "Relationship",
    "firefighting": "Firefighting",
    "escalation": "Escalation",
    "unvalued": "Unvalued work",
}
MATRIX_LABELS = 10  # the top 10 by CLV are named on the chart; the others on hover and in the table


def _csv(charts_: list[Chart], name: str, filename: str) -> HttpResponse:
    chart = next((c for c in charts_ if c.name == name), None)
    if chart is None:
        raise Http404("No such chart.")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{chart.name}.csv"'
    writer = csv.writer(response)
    writer.writerow([csv_safe(h) for h in chart.headers])
    for row in chart.rows:
        writer.writerow([csv_safe(v) for v in row])
    return response


def _filters(request, portfolio):
    owners = get_user_model().objects.filter(owned_accounts__in=portfolio.order_by().values("pk")).distinct()
    form = DashboardFilterForm(request.GET or None, owners=owners.order_by("username"))
    return form, form.values()


def _csv_prefix(request) -> str:
    query = request.GET.copy()
    for key in ("format", "chart"):
        query.pop(key, None)
    return "?" + (query.urlencode() + "&" if query else "")


def portfolio_dashboard(request):
    """Sanitized metrics of the whole portfolio; confidential aggregates only from readable accounts."""
    if not can_see_portfolio(request.user):
        raise PermissionDenied
    form, values = _filters(request, selectors.dashboard_scope(request.user, {}).portfolio)
    scope = selectors.dashboard_scope(request.user, values)
    totals = selectors.portfolio_totals(scope) if scope.day else None
    context = {
        "form": form,
        "scope": scope,
        "totals": totals,
        "charts": {},
        "csv_prefix": _csv_prefix(request),
    }
    if scope.day:
        context.update(_portfolio_charts(scope, totals, values.get("fiscal_year")))
        clv = totals["clv_total"] or 0
        context["risk_share"] = round(100 * (totals["clv_at_risk"] or 0) / clv) if clv else None
        context["invest_count"] = context["matrix"]["quadrants"].get("invest", 0)
    # Confidential aggregates (top customers' last interactions, mix, revenue) came from these.
    record_list_read(
        request.user, scope.visible.values_list("pk", flat=True), object_type="dashboard_portfolio"
    )
    if request.GET.get("format") == "csv":
        return _csv(list(context["charts"].values()), request.GET.get("chart", ""), "portfolio")
    return render(request, "relationships/dashboard_portfolio.html", context)


def _portfolio_charts(scope, totals, year) -> dict:
    history = selectors.band_history(scope, selectors.monthly_sample_days(scope.day))
    top = selectors.top_customers(scope)
    mix = selectors.interaction_mix(scope)
    matrix = selectors.selection_matrix(scope)
    programme = [r for r in selectors.programme_results(scope) if not year or r["fiscal_year"] in (year,)]
    investments = [r for r in selectors.investment_vs_benefit(scope) if not year or r["fiscal_year"] == year]
    charts_ = [
        _bands_now(totals),
        _band_history(history),
        _clv_distribution(totals),
        _mix(mix),
        _firefighting(mix),
        _matrix(matrix),
        _investments(investments),
    ]
    return {
        "charts": {c.name: c for c in charts_},
        "top": top,
        "risk": selectors.revenue_at_risk(scope),
        "matrix": matrix,
        "stances": [
            (STANCE_SYMBOL[key], text, matrix["quadrants"].get(key, 0)) for key, text in STANCES.items()
        ],
        "programme": programme,
    }


def _month_labels(days) -> list[str]:
    """'Nov 25', then just 'Dec', 'Jan 26' at a new year: short enough for 13 columns."""
    return [d.strftime("%b %y") if i == 0 or d.month == 1 else d.strftime("%b") for i, d in enumerate(days)]


def _bands_now(totals) -> Chart:
    labels = [BAND_LABELS[b] for b in selectors.BANDS]
    values = [totals["bands"][b] for b in selectors.BANDS]
    svg = charts.bar(
        "bands-now",
        title="Accounts by health band today",
        desc=", ".join(f"{label}: {value}" for label, value in zip(labels, values, strict=True)),
        labels=labels,
        values=values,
    )
    return Chart(
        "bands_now",
        "Health today",
        svg,
        ["Band", "Accounts"],
        [list(r) for r in zip(labels, values, strict=True)],
    )


def _band_history(history) -> Chart:
    labels = _month_labels([row["day"] for row in history])
    series = [charts.Series(BAND_LABELS[b], [row[b] for row in history]) for b in selectors.BANDS]
    svg = charts.stacked_bar(
        "band-history",
        title="Health band mix over the last 12 months",
        desc="Share of accounts in each band, one column per month (last snapshot of the month).",
        labels=labels,
        series=series,
        percent=True,
    )
    rows = [[row["day"].isoformat(), *[row[b] for b in selectors.BANDS]] for row in history]
    return Chart(
        "band_history",
        "Health band mix, 12 months",
        svg,
        ["Snapshot", *map(BAND_LABELS.get, selectors.BANDS)],
        rows,
    )


def _clv_distribution(totals) -> Chart:
    buckets = totals["buckets"]
    svg = charts.bar(
        "clv-distribution",
        title="How CLV is distributed: total CLV per CLV range",
        desc="; ".join(
            f"{b['label']}: {b['accounts']} accounts, {charts.compact(b['clv'])}" for b in buckets
        ),
        labels=[f"{b['label']} ({b['accounts']})" for b in buckets],
        values=[b["clv"] for b in buckets],
    )
    rows = [[b["label"], b["accounts"], round(b["clv"])] for b in buckets]
    return Chart(
        "clv_distribution",
        "CLV by range (accounts in brackets)",
        svg,
        ["CLV range", "Accounts", "Total CLV"],
        rows,
    )


def _mix(mix) -> Chart:
    labels = _month_labels([row["month"] for row in mix])
    series = [charts.Series(CATEGORY_LABELS[c], [row[c] for row in mix]) for c in CATEGORY_LABELS]
    svg = charts.stacked_bar(
        "interaction-mix",
        title="Interactions per month by what they were about",
        desc="Counts per category, accounts you may read only.",
        labels=labels,
        series=series,
    )
    rows = [[row["month"].strftime("%Y-%m"), *[row[c] for c in CATEGORY_LABELS], row["total"]] for row in mix]
    return Chart(
        "interaction_mix", "Interaction mix", svg, ["Month", *CATEGORY_LABELS.values(), "Total"], rows
    )


def _firefighting(mix) -> Chart:
    labels = _month_labels([row["month"] for row in mix])
    values = [round(100 * row["firefighting_share"], 1) for row in mix]
    svg = charts.line(
        "firefighting",
        title="Firefighting and escalations, share of interactions",
        desc="Percent of each month's interactions that were firefighting or escalations.",
        labels=labels,
        series=[charts.Series("Firefighting + escalation", values)],
        y_max=100,
        unit="%",
    )
    rows = [[row["month"].strftime("%Y-%m"), v] for row, v in zip(mix, values, strict=True)]
    return Chart("firefighting", "Firefighting share", svg, ["Month", "Firefighting + escalation %"], rows)


def _matrix(matrix) -> Chart:
    points = [
        charts.Move(
            p["name"] if rank < MATRIX_LABELS else "",
            p["x"],
            p["y"],
            p["x_before"],
            p["y_before"],
            STANCE_SHAPE[p["stance"]],
            tip=p["name"],
        )
        for rank, p in enumerate(matrix["points"])
    ]
    svg = charts.scatter_moves(
        "selection-matrix",
        title="Selection matrix: which customers to invest in",
        desc="Customer attractiveness (CLV, growth, partnership orientation) against relationship strength "
        "(health); arrows start where the account stood a year ago.",
        points=points,
        x_label="Customer attractiveness",
        y_label="Relationship strength (health)",
        quadrants=["Maintain", "Invest", "Reduce", "Develop"],
    )
    rows = [
        [
            p["name"],
            STANCES[p["stance"]].split(":")[0],
            round(p["x"], 1),
            round(p["y"], 1),
            None if p["x_before"] is None else round(p["x_before"], 1),
            None if p["y_before"] is None else round(p["y_before"], 1),
            round(p["clv"] or 0),
        ]
        for p in matrix["points"]
    ]
    headers = [
        "Account",
        "Stance",
        "Attractiveness",
        "Health",
        "Attractiveness a year ago",
        "Health a year ago",
        "CLV",
    ]
    return Chart("selection_matrix", "Selection matrix (top accounts by CLV)", svg, headers, rows)


def _investments(rows_) -> Chart:
    labels = [f"FY{r['fiscal_year']}" for r in rows_]
    svg = charts.line(
        "investment",
        title="Investment vs expected benefit by fiscal year",
        desc="Costs are booked in their year; expected benefits are spread over their years.",
        labels=labels,
        series=[
            charts.Series("Investment", [r["cost"] for r in rows_]),
            charts.Series("Expected benefit", [r["benefit"] for r in rows_]),
        ],
    )
    rows = [[f"FY{r['fiscal_year']}", round(r["cost"]), round(r["benefit"])] for r in rows_]
    return Chart(
        "investment", "Investment vs benefit", svg, ["Fiscal year", "Investment", "Expected benefit"], rows
    )


def my_dashboard(request):
    """My accounts (the ones I may read): health, trend, CLV and what drives it; what needs doing."""
    if not request.user.has_perm("relationships.view_interaction"):
        raise PermissionDenied
    form, values = _filters(request, selectors.dashboard_scope(request.user, {}, mine=True).visible)
    del form.fields["fiscal_year"]  # nothing on this page is by fiscal year
    scope = selectors.dashboard_scope(request.user, values, mine=True)
    accounts = selectors.my_accounts(scope)
    record_list_read(request.user, [row["account"].pk for row in accounts], object_type="dashboard_mine")
    for row in accounts:
        row["sparkline"] = charts.sparkline(
            f"spark-{row['account'].pk}",
            title=f"{row['account'].name}: health, last 30 days",
            values=row["history"],
        )
    table = [
        [
            r["account"].name,
            r["account"].health,
            r["account"].band,
            r["account"].trend,
            r["account"].clv,
            "; ".join(label for _c, label in r["drivers"]),
        ]
        for r in accounts
    ]
    chart = Chart(
        "my_accounts",
        "My accounts",
        "",
        ["Account", "Health", "Band", "30-day change", "CLV", "Drivers"],
        table,
    )
    if request.GET.get("format") == "csv":
        return _csv([chart], request.GET.get("chart", ""), "my-accounts")
    context = {
        "form": form,
        "scope": scope,
        "accounts": accounts,
        "overdue": selectors.overdue_actions(scope),
        "stale": selectors.stale_plans(scope),
        "cold": selectors.cold_stakeholders(scope),
        "cold_days": selectors.COLD_AFTER_DAYS,
        "csv_prefix": _csv_prefix(request),
    }
    return render(request, "relationships/dashboard_mine.html", context)


def account_chart_csv(request, account_id: int):
    account = get_account_for_user(request.user, account_id)
    found = account_charts(account)
    return _csv(list(found.values()), request.GET.get("chart", "score_history"), f"account-{account.pk}")
