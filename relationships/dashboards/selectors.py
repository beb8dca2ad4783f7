"""Reads for the dashboards, from the nightly snapshots (AccountScore, InteractionMonthlyMix) and the
monthly revenue table. Each function is a fixed number of queries, whatever the portfolio size.

Two scopes, both from compliance/access.py:
- `scope.portfolio`: sanitized metrics (health, band, CLV, name, tier, owner, word) of every account
  the viewer may list: AccountScore only, never AccountScoreDetail;
- `scope.visible`: accounts whose confidential content the viewer may read. Anything built from
  confidential rows (interactions, revenue, margin, plans, a score's detail) is restricted to these.
"""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import ExtractYear, RowNumber
from django.utils import timezone

from accounts.models import Account, Stakeholder
from compliance.access import can_see_portfolio, portfolio_accounts, visible_accounts
from relationships.models import (
    STALE_AFTER_DAYS,
    AccountPlan,
    AccountScore,
    AccountScoreDetail,
    Interaction,
    InteractionMonthlyMix,
    PlanAction,
    ScoringRun,
)
from relationships.plans.selectors import latest_plans, open_actions_of_latest_plans
from relationships.scoring.compute import MEASURE_LABELS, MEASURES
from relationships.scoring.models import AT_RISK, Band

BANDS = tuple(Band)
CLV_BUCKETS = (0, 10_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000)
ORIENTATION_SCORE = {"partnership": 100.0, "balanced": 50.0, "price_only": 0.0}
COLD_AFTER_DAYS = 90
MATRIX_POINTS = 25
MY_ACCOUNTS_LIMIT = 50
# Without the model's default ordering by account (name), which would join accounts to every snapshot.
SCORES = AccountScore.objects.order_by()


@dataclass(frozen=True)
class Scope:
    portfolio: QuerySet  # Account rows (sanitized fields), filtered
    visible: QuerySet  # the subset the viewer may read
    day: datetime.date | None  # the latest snapshot date
    # True when `portfolio` is every account (a portfolio role, no filter): queries then skip the
    # account-id filter, which lets PostgreSQL count from the (scored_on, band) index alone.
    whole: bool = False


def _apply_filters(accounts: QuerySet, filters: dict) -> QuerySet:
    for field in ("segment", "tier", "owner"):
        if filters.get(field):
            accounts = accounts.filter(**{field: filters[field]})
    return accounts


def dashboard_scope(user, filters: dict, *, mine: bool = False) -> Scope:
    visible = _apply_filters(visible_accounts(user), filters)
    portfolio = visible if mine else _apply_filters(portfolio_accounts(user), filters)
    whole = (
        not mine and not any(filters.get(f) for f in ("segment", "tier", "owner")) and can_see_portfolio(user)
    )
    return Scope(portfolio=portfolio, visible=visible, day=latest_snapshot_day(), whole=whole)


def _in_portfolio(scores: QuerySet, scope: Scope) -> QuerySet:
    return scores if scope.whole else scores.filter(account__in=_ids(scope.portfolio))


def latest_snapshot_day() -> datetime.date | None:
    # ScoringRun is small; AccountScore has a row per account and day.
    return ScoringRun.objects.aggregate(day=Max("scored_on"))["day"]


def monthly_sample_days(day: datetime.date, months: int = 12) -> list[datetime.date]:
    """The last snapshot day of each of the last `months` months (one query on the small run table)."""
    start = (day.replace(day=1) - datetime.timedelta(days=31 * (months - 1))).replace(day=1)
    days = ScoringRun.objects.filter(scored_on__gte=start, scored_on__lte=day).values_list(
        "scored_on", flat=True
    )
    last_of_month: dict[tuple[int, int], datetime.date] = {}
    for one in days:
        key = (one.year, one.month)
        last_of_month[key] = max(one, last_of_month.get(key, one))
    return sorted(last_of_month.values())


def _ids(accounts: QuerySet) -> QuerySet:
    return accounts.order_by().values("pk")


def portfolio_totals(scope: Scope) -> dict:
    """Accounts, CLV, CLV at risk, the band mix and the CLV distribution: one query."""
    aggregates = {
        "accounts": Count("pk"),
        "clv_total": Sum("clv"),
        "clv_at_risk": Sum("clv", filter=Q(band__in=AT_RISK)),
        "accounts_at_risk": Count("pk", filter=Q(band__in=AT_RISK)),
    }
    for band in BANDS:
        aggregates[f"band_{band}"] = Count("pk", filter=Q(band=band))
    edges = (*CLV_BUCKETS, None)
    for index, low in enumerate(CLV_BUCKETS):
        high = edges[index + 1]
        within = Q(clv__gte=low) & (Q(clv__lt=high) if high else Q())
        aggregates[f"clv_n{index}"] = Count("pk", filter=within)
        aggregates[f"clv_s{index}"] = Sum("clv", filter=within)
    row = _in_portfolio(SCORES.filter(scored_on=scope.day), scope).aggregate(**aggregates)
    buckets = [
        {
            "label": _bucket_label(low, edges[i + 1]),
            "accounts": row[f"clv_n{i}"],
            "clv": row[f"clv_s{i}"] or 0,
        }
        for i, low in enumerate(CLV_BUCKETS)
    ]
    return {**row, "bands": {band: row[f"band_{band}"] for band in BANDS}, "buckets": buckets}


def _bucket_label(low: int, high: int | None) -> str:
    from kam.lib.charts import compact

    return f"{compact(low)}–{compact(high)}" if high else f"≥ {compact(low)}"


def band_history(scope: Scope, days: list[datetime.date]) -> list[dict]:
    """Accounts per band on each sampled day: one query."""
    rows = (
        _in_portfolio(SCORES.filter(scored_on__in=days), scope)
        .values("scored_on", "band")
        # count(*), not count(id): with the whole portfolio it is an index-only scan of (scored_on, band).
        .annotate(accounts=Count("*"))
    )
    by_day = {day: dict.fromkeys(BANDS, 0) for day in days}
    for row in rows:
        by_day[row["scored_on"]][row["band"]] = row["accounts"]
    return [{"day": day, **counts} for day, counts in by_day.items()]


def revenue_at_risk(scope: Scope) -> dict:
    """Trailing-12-month revenue of amber and red accounts, from the visible accounts only."""
    since = (timezone.localdate().replace(day=1) - datetime.timedelta(days=365)).replace(day=1)
    at_risk = AccountScore.objects.filter(scored_on=scope.day, band__in=AT_RISK).values("account_id")
    from relationships.models import MonthlyRevenue

    row = MonthlyRevenue.objects.filter(account__in=_ids(scope.visible), month__gte=since).aggregate(
        total=Sum("revenue"), at_risk=Sum("revenue", filter=Q(account__in=at_risk))
    )
    return {"total": float(row["total"] or 0), "at_risk": float(row["at_risk"] or 0)}


def top_customers(scope: Scope, limit: int = 10) -> list[dict]:
    """The highest-CLV accounts with their one-word relationship; the categories of their last
    three interactions only where the viewer may read them ("—" otherwise). Two queries."""
    visible = visible_accounts_subquery(scope)
    scores = list(
        _in_portfolio(AccountScore.objects.filter(scored_on=scope.day, clv__isnull=False), scope)
        .select_related("account")
        .only("clv", "health", "band", "account__name", "account__relationship_word", "account__tier")
        .order_by("-clv", "account_id")[:limit]
    )
    readable = set(visible.filter(pk__in=[s.account_id for s in scores]).values_list("pk", flat=True))
    for score in scores:
        score.readable = score.account_id in readable
    recent = (
        Interaction.objects.filter(account__in=visible.filter(pk__in=readable))
        .annotate(
            rank=Window(
                RowNumber(), partition_by=F("account_id"), order_by=[F("occurred_on").desc(), F("pk").desc()]
            )
        )
        .filter(rank__lte=3)
        .values_list("account_id", "category")
    )
    categories: dict[int, list[str]] = {}
    labels = dict(Interaction.Category.choices)
    for account_id, category in recent:
        categories.setdefault(account_id, []).append(labels[category])
    return [
        {
            "name": s.account.name,
            "account_id": s.account_id,
            "word": s.account.relationship_word or "—",
            "clv": s.clv,
            "band": s.band,
            "health": s.health,
            "readable": s.readable,
            "last_three": categories.get(s.account_id, []) if s.readable else None,
        }
        for s in scores
    ]


def visible_accounts_subquery(scope: Scope) -> QuerySet:
    return scope.visible.model.objects.filter(pk__in=_ids(scope.visible))


def interaction_mix(scope: Scope, months: int = 12) -> list[dict]:
    """Interactions per month and category on the visible accounts, from the nightly mix table."""
    since = (timezone.localdate().replace(day=1) - datetime.timedelta(days=31 * (months - 1))).replace(day=1)
    rows = (
        InteractionMonthlyMix.objects.filter(account__in=_ids(scope.visible), month__gte=since)
        .values("month", "category")
        .annotate(n=Sum("interactions"))
        .order_by("month")
    )
    by_month: dict[datetime.date, dict] = {}
    for row in rows:
        by_month.setdefault(row["month"], dict.fromkeys(Interaction.Category.values, 0))[row["category"]] = (
            row["n"]
        )
    result = []
    for month, counts in sorted(by_month.items()):
        total = sum(counts.values())
        firefighting = sum(counts[category] for category in Interaction.FIREFIGHTING_CATEGORIES)
        result.append(
            {
                "month": month,
                **counts,
                "total": total,
                "firefighting_share": firefighting / total if total else 0,
            }
        )
    return result


MATRIX_SQL = """
WITH now AS (
    SELECT s.account_id, s.health, s.clv, a.name,
        CASE a.orientation WHEN 'partnership' THEN 100 WHEN 'balanced' THEN 50 ELSE 0 END AS orient
    FROM relationships_accountscore s JOIN accounts_account a ON a.id = s.account_id
    WHERE s.scored_on = %s AND {in_portfolio} AND s.health IS NOT NULL
), ranked AS (
    SELECT now.*, b.health AS health_before, b.clv AS clv_before,
        100 * percent_rank() OVER (ORDER BY coalesce(now.clv, 0)) AS clv_rank,
        100 * percent_rank() OVER (ORDER BY coalesce(b.clv, 0)) AS clv_rank_before,
        CASE WHEN b.clv > 0 THEN least(greatest(50 + 100 * (now.clv - b.clv) / b.clv, 0), 100) ELSE 50 END
            AS growth
    FROM now LEFT JOIN relationships_accountscore b ON b.account_id = now.account_id AND b.scored_on = %s
), scored AS (
    SELECT *, 0.5 * clv_rank + 0.25 * growth + 0.25 * orient AS attractiveness,
        CASE WHEN health_before IS NULL THEN NULL ELSE 0.5 * clv_rank_before + 12.5 + 0.25 * orient END
            AS attractiveness_before,
        CASE WHEN 0.5 * clv_rank + 0.25 * growth + 0.25 * orient >= 50
            THEN CASE WHEN health >= 50 THEN 'invest' ELSE 'develop' END
            ELSE CASE WHEN health >= 50 THEN 'maintain' ELSE 'reduce' END END AS stance
    FROM ranked
)
"""


def selection_matrix(scope: Scope) -> dict:
    """Attractiveness (CLV rank 50 %, CLV growth over the year 25 %, partnership orientation 25 %)
    against relationship strength (health), with each account's position a year ago (its CLV rank
    then, growth taken as neutral). Two queries: the quadrant counts of every account, and the top
    accounts by CLV to draw."""
    if scope.day is None:
        return {"quadrants": {}, "points": []}
    ids_sql, ids_params = ("TRUE", []) if scope.whole else _sql_in(scope.portfolio)
    in_portfolio = ids_sql if scope.whole else f"s.account_id IN ({ids_sql})"
    params = [scope.day, *ids_params, scope.day - datetime.timedelta(days=365), MATRIX_POINTS]
    columns = ("account_id", "name", "x", "y", "x_before", "y_before", "clv", "stance")
    # One statement: the quadrant counts of every account, then the top accounts by CLV to draw.
    # `in_portfolio` is TRUE or the gateway queryset's own compiled SQL, its values passed as parameters.
    sql = MATRIX_SQL.format(in_portfolio=in_portfolio) + (  # noqa: S608
        "SELECT NULL, stance, NULL, NULL, NULL, NULL, count(*), stance, TRUE FROM scored GROUP BY stance "
        "UNION ALL (SELECT account_id, name, attractiveness, health, attractiveness_before, health_before,"
        " clv, stance, FALSE FROM scored ORDER BY clv DESC NULLS LAST, account_id LIMIT %s)"
    )
    quadrants, points = {}, []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for *row, is_count in cursor.fetchall():
            if is_count:
                quadrants[row[7]] = int(row[6])
            else:
                points.append(dict(zip(columns, row, strict=True)))
    return {"quadrants": quadrants, "points": points}


PROGRAMME_SQL = """
WITH m AS (
    SELECT r.account_id, a.tier = 'key' AS is_key, extract(year FROM r.month)::int AS fy,
        extract(month FROM r.month)::int AS moy, r.revenue::float8 AS rev, r.margin::float8 AS mar
    FROM relationships_monthlyrevenue r JOIN accounts_account a ON a.id = r.account_id
    WHERE r.account_id IN ({ids}) AND r.revenue > 0
), present AS (SELECT DISTINCT fy, moy FROM m),
ay AS (
    -- Per account and year; `rev_vs_prev`: revenue in the months the year before also has (like for
    -- like), `rev_vs_next`: revenue in the months the year after also has.
    SELECT m.account_id, m.is_key, m.fy, count(*) AS months, sum(m.rev) AS rev, sum(m.mar) AS mar,
        sum(m.rev) FILTER (WHERE prev.fy IS NOT NULL) AS rev_vs_prev,
        sum(m.rev) FILTER (WHERE next.fy IS NOT NULL) AS rev_vs_next
    FROM m LEFT JOIN present prev ON prev.fy = m.fy - 1 AND prev.moy = m.moy
        LEFT JOIN present next ON next.fy = m.fy + 1 AND next.moy = m.moy
    GROUP BY 1, 2, 3
)
SELECT y.is_key, y.fy, sum(y.rev), sum(y.mar), count(*), count(p.account_id), coalesce(sum(y.rev_vs_prev), 0),
    coalesce(sum(y.rev_vs_next), 0), (SELECT count(*) FROM present WHERE present.fy = y.fy)
FROM ay y LEFT JOIN ay p ON p.account_id = y.account_id AND p.fy = y.fy - 1
GROUP BY 1, 2 ORDER BY 2, 1
"""


def _sql_in(queryset: QuerySet) -> tuple[str, list]:
    sql, params = _ids(queryset).query.sql_with_params()
    return sql, list(params)


def programme_results(scope: Scope) -> list[dict]:
    """Key vs non-key accounts by fiscal (calendar) year, from the visible accounts' revenue and
    interaction mix: revenue growth, margin, retention, satisfaction. Two queries."""
    ids_sql, params = _sql_in(scope.visible)
    with connection.cursor() as cursor:
        cursor.execute(PROGRAMME_SQL.format(ids=ids_sql), params)
        rows = cursor.fetchall()
    sentiment = (
        InteractionMonthlyMix.objects.filter(account__in=_ids(scope.visible))
        .annotate(
            fy=ExtractYear("month"),
            is_key=Case(
                When(account__tier="key", then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
        )
        .values("fy", "is_key")
        .annotate(total=Sum("sentiment_sum"), n=Sum("interactions"))
    )
    mood = {(row["fy"], bool(row["is_key"])): row["total"] / row["n"] for row in sentiment if row["n"]}
    by_key = {(row[0], row[1]): row[2:] for row in rows}
    results = []
    for (is_key, fy), (rev, mar, n, kept, vs_prev, _vs_next, months) in sorted(
        by_key.items(), key=lambda item: (item[0][1], not item[0][0])
    ):
        previous = by_key.get((is_key, fy - 1))
        # Like for like: this year's months against the same calendar months of the year before.
        base = previous[5] if previous else 0
        results.append(
            {
                "fiscal_year": fy,
                "months": months,
                "group": "Key accounts" if is_key else "Other accounts",
                "accounts": n,
                "revenue": rev,
                "growth": (vs_prev / base - 1) if base else None,
                "margin_rate": mar / rev if rev else None,
                "retention": kept / previous[2] if previous and previous[2] else None,
                "satisfaction": mood.get((fy, is_key)),
            }
        )
    return results


INVESTMENT_SQL = """
WITH inv AS (
    SELECT i.cost::float8 AS cost, i.cost_fiscal_year AS cost_fy, i.expected_benefit::float8 AS benefit,
        i.benefit_from_fiscal_year::int AS b_from, i.benefit_to_fiscal_year::int AS b_to
    FROM relationships_investment i JOIN relationships_accountplan p ON p.id = i.plan_id
    WHERE p.account_id IN ({ids})
)
SELECT fy, sum(cost), sum(benefit) FROM (
    SELECT cost_fy::int AS fy, cost, 0::float8 AS benefit FROM inv
    UNION ALL
    SELECT y, 0::float8, benefit / (b_to - b_from + 1) FROM inv, generate_series(b_from, b_to) AS y
) spread GROUP BY fy ORDER BY fy
"""


def investment_vs_benefit(scope: Scope) -> list[dict]:
    """Cost and expected benefit (spread evenly over its years) per fiscal year, visible plans only."""
    ids_sql, params = _sql_in(scope.visible)
    with connection.cursor() as cursor:
        cursor.execute(INVESTMENT_SQL.format(ids=ids_sql), params)
        return [
            {"fiscal_year": fy, "cost": cost, "benefit": benefit} for fy, cost, benefit in cursor.fetchall()
        ]


# --- the account manager's dashboard ---------------------------------------------------------------


def my_accounts(scope: Scope) -> list[dict]:
    """My accounts, worst health first, with the latest snapshot and 30 days of health: two queries."""
    latest = AccountScore.objects.filter(account=OuterRef("pk"), scored_on=scope.day)
    # The detail is confidential: read only for `scope.visible`, and under row-level security.
    detail = AccountScoreDetail.objects.filter(account=OuterRef("pk"), scored_on=scope.day)
    accounts = list(
        scope.visible.select_related("owner")
        .annotate(
            health=Subquery(latest.values("health")),
            band=Subquery(latest.values("band")),
            trend=Subquery(latest.values("trend_30d")),
            clv=Subquery(latest.values("clv")),
            contributions=Subquery(detail.values("contributions")),
        )
        .order_by(F("health").asc(nulls_first=True), "name")[:MY_ACCOUNTS_LIMIT]
    )
    since = (scope.day or timezone.localdate()) - datetime.timedelta(days=30)
    history: dict[int, list] = {}
    for account_id, health in (
        AccountScore.objects.filter(account__in=[a.pk for a in accounts], scored_on__gte=since)
        # In the unique (account, scored_on) index's order: ordering by day alone made PostgreSQL walk
        # the (scored_on, band) index through every account's month of snapshots.
        .order_by("account_id", "scored_on")
        .values_list("account_id", "health")
    ):
        history.setdefault(account_id, []).append(health)
    rows = []
    for account in accounts:
        drivers = sorted(
            (
                (c, MEASURE_LABELS[m])
                for m, c in zip(MEASURES, account.contributions or [], strict=False)
                if c
            ),
            reverse=True,
        )[:3]
        rows.append({"account": account, "history": history.get(account.pk, []), "drivers": drivers})
    return rows


def overdue_actions(scope: Scope, limit: int = 20) -> list[PlanAction]:
    overdue = open_actions_of_latest_plans(_ids(scope.visible)).filter(due_on__lt=timezone.localdate())
    return list(overdue[:limit])


def stale_plans(scope: Scope, limit: int = 20) -> list[AccountPlan]:
    cutoff = timezone.now() - datetime.timedelta(days=STALE_AFTER_DAYS)
    return list(
        latest_plans(_ids(scope.visible))
        .filter(reviewed_at__lt=cutoff)
        .select_related("account")
        .order_by("reviewed_at")[:limit]
    )


def cold_stakeholders(scope: Scope, limit: int = 10) -> list[Stakeholder]:
    """Influential stakeholders of my accounts not met for 90 days (or never), from the stored
    last contact (kept by the interaction services), so no interactions are read on page load."""
    cutoff = timezone.localdate() - datetime.timedelta(days=COLD_AFTER_DAYS)
    return list(
        Stakeholder.objects.filter(account__in=_ids(scope.visible))
        .annotate(last_contact=F("last_contact_on"))
        .filter(Q(last_contact__isnull=True) | Q(last_contact__lt=cutoff))
        .select_related("account")
        .order_by("-influence", F("last_contact").asc(nulls_first=True), "pk")[:limit]
    )


# --- the account page --------------------------------------------------------------------------------


def score_history(
    account: Account, days: int = 365
) -> list[tuple[datetime.date, float | None, float | None]]:
    """(day, health, CLV) of one account over the last year: one query. `account` from the gateway."""
    since = timezone.localdate() - datetime.timedelta(days=days)
    return list(
        AccountScore.objects.filter(account=account, scored_on__gte=since)
        .order_by("scored_on")
        .values_list("scored_on", "health", "clv")
    )


def latest_curve(account: Account) -> list[float]:
    row = (
        AccountScore.objects.filter(account=account)
        .order_by("-scored_on")
        .values_list("clv_curve", flat=True)[:1]
    )
    return list(row[0]) if row else []
