"""The nightly scoring (relationships/scoring/compute.py, applied to a chunk by
relationships/scoring/output.py) equals the scalar reference (relationships/tests/scoring_reference.py),
value for value.

Randomized inputs (numpy random, fixed seed) plus the edge cases: no interactions, one interaction, all
firefighting, missing revenue, zero weights, coverage just below the minimum, None everywhere.
"""

import datetime
import math

import numpy as np
import pytest

from relationships.models import STALE_AFTER_DAYS, AccountScore, AccountScoreDetail, ScoreAlert
from relationships.scoring import compute as v
from relationships.scoring.alerts import chunk_alerts
from relationships.scoring.inputs import Inputs
from relationships.scoring.models import BANDS_BY_RANK, Band
from relationships.scoring.output import (
    CURVE_YEARS_IF_INFINITE,
    DETAIL_COLUMNS,
    SNAPSHOT_COLUMNS,
    SOURCES,
    Config,
    score_chunk,
)
from relationships.tests import scoring_reference as scoring

RNG = np.random.default_rng(20261123)
N = 2000


def as_none(values):
    return [None if isinstance(x, float) and math.isnan(x) else x for x in np.asarray(values).tolist()]


def same(vectorised, scalar):
    assert as_none(vectorised) == list(scalar)


def ints(low, high, n=N):
    return RNG.integers(low, high, n).astype(float)


def maybe_missing(values, share=0.2):
    out = np.array(values, dtype=float)
    out[RNG.random(len(out)) < share] = np.nan
    return out


def test_measures_equal_the_scalar_functions_on_random_inputs():
    w = np.concatenate([[0.0, 1.0, 0.0], RNG.exponential(3, N - 3)])
    val = w * RNG.uniform(-1, 1, N)
    same(v.mix_scores(w, val), [scoring.mix_score(a, b) for a, b in zip(w, val, strict=True)])
    days = maybe_missing(ints(-5, 400))
    same(v.recency_scores(days, 120), [scoring.recency_score(d, 120) for d in as_none(days)])
    recent, prior = ints(0, 6), ints(0, 6)
    same(
        v.trend_scores(recent, prior),
        [scoring.trend_score(int(a), int(b)) for a, b in zip(recent, prior, strict=True)],
    )
    people = ints(0, 8)
    key = np.minimum(ints(0, 5), people)
    engaged, fresh = np.minimum(ints(0, 5), key), np.minimum(ints(0, 8), people)
    same(
        v.stakeholder_scores(key, engaged, people, fresh),
        [scoring.stakeholder_score(*map(int, t)) for t in zip(key, engaged, people, fresh, strict=True)],
    )
    due = ints(0, 6)
    overdue, review = np.minimum(ints(0, 6), due), maybe_missing(ints(0, 200))
    same(
        v.plan_scores(due, overdue, review, 90),
        [
            scoring.plan_score(int(a), int(b), r, 90)
            for a, b, r in zip(due, overdue, as_none(review), strict=True)
        ],
    )
    trailing = maybe_missing(RNG.choice([-100.0, 0.0, 500.0, 1200.0, 9e4], N) * RNG.random(N))
    prior_rev = maybe_missing(RNG.choice([-50.0, 0.0, 800.0, 1500.0], N) * RNG.random(N))
    same(
        v.commercial_scores(trailing, prior_rev),
        [scoring.commercial_score(t, p) for t, p in zip(as_none(trailing), as_none(prior_rev), strict=True)],
    )
    opened, has = ints(0, 5), RNG.random(N) < 0.7
    same(
        v.escalation_scores(opened, has),
        [scoring.escalation_score(int(o), bool(h)) for o, h in zip(opened, has, strict=True)],
    )
    total, months = maybe_missing(RNG.uniform(0, 1e5, N)), ints(0, 13)
    same(
        v.annualized(total, months, minimum_months=3),
        [scoring.annualized(t, int(m), 3) for t, m in zip(as_none(total), months, strict=True)],
    )


@pytest.mark.parametrize(
    "weights", [(30, 20, 10, 10, 10, 10, 10), (1, 0, 0, 0, 0, 0, 0), (0,) * 7, (0.3, 0.7, 0, 2.5, 1, 1, 1)]
)
def test_health_equals_the_scalar_function_exactly(weights):
    scores = RNG.uniform(-10, 110, (N, 7))
    scores[RNG.random((N, 7)) < 0.35] = np.nan
    scores[0] = np.nan  # nothing at all (no interactions, no revenue, no plan…)
    scores[1, 1:] = np.nan  # one measure
    scores[2] = [0.0, 100.0, 50.0, np.nan, np.nan, np.nan, 0.0]  # all firefighting, one recent
    bands = {"green_from": 70.0, "amber_from": 40.0, "min_coverage": 0.5}
    score, band, coverage, contributions = v.health(scores, weights, **bands)
    for k, row in enumerate(scores.tolist()):
        ref = scoring.health(as_none(row), weights, **bands)
        assert as_none(score[k : k + 1]) == [ref.score]
        assert BANDS_BY_RANK[band[k]] == ref.band
        assert coverage[k] == ref.coverage
        assert as_none(contributions[k]) == list(ref.contributions)


def test_firefighting_band_drop_retention_and_clv_equal_the_scalar_functions():
    recent = ints(0, 8)
    firefighting = np.floor(recent * RNG.random(N))
    assert v.mostly_firefighting(recent, firefighting, share=0.5).tolist() == [
        scoring.mostly_firefighting(int(r), int(t), share=0.5)
        for r, t in zip(recent, firefighting, strict=True)
    ]
    names = [BANDS_BY_RANK[rank] for rank in range(4)]
    before, after = RNG.integers(0, 4, N), RNG.integers(0, 4, N)
    assert v.band_dropped(before, after).tolist() == [
        scoring.band_dropped(names[b], names[a]) for b, a in zip(before, after, strict=True)
    ]
    health = maybe_missing(RNG.uniform(-5, 105, N))
    same(
        v.retention_from_health(health, 0.5, 0.95),
        [scoring.retention_from_health(h, 0.5, 0.95) for h in as_none(health)],
    )
    margins, retention = RNG.uniform(-1e3, 1e5, N), RNG.uniform(0, 1, N)
    curves = v.clv_curves(margins, retention, 0.1, 5)
    for k in range(N):
        assert tuple(curves[k].tolist()) == scoring.clv_curve(float(margins[k]), float(retention[k]), 0.1, 5)
    assert v.clv_infinite(margins, retention, 0.1).tolist() == [
        scoring.clv(float(m), float(r), 0.1, None) for m, r in zip(margins, retention, strict=True)
    ]
    with pytest.raises(ValueError, match="retention"):
        v.clv_infinite([100.0], [1.2], 0.1)
    assert v.clv_infinite([100.0], [0.8], 0.1).tolist() == pytest.approx([266.6666667])


# The whole chunk: output.score_chunk on named columns against the reference, account by account. -------

CONFIG = {
    "green_from": 70.0, "amber_from": 40.0, "min_coverage": 0.5, "half_life_days": 90.0,
    "recency_zero_days": 120.0, "r_min": 0.5, "r_max": 0.95, "default_retention": 0.75,
    "firefighting_share": 0.5, "discount": 0.1,
}  # fmt: skip


def _some(ids, share):
    """A random subset of `ids` (still sorted): the accounts a statement has a row for."""
    return ids[RNG.random(len(ids)) < share]


def _chunk_inputs(n: int) -> Inputs:
    ids = np.sort(RNG.choice(10 * n, n, replace=False)).astype(np.int64) + 1
    ids[:3] = [1, 2, 3]  # 1: no rows anywhere; 2: one interaction only; 3: all firefighting
    i = _some(ids[3:], 0.7)
    i = np.concatenate([[2, 3], i])
    k = len(i)
    recent = ints(0, 8, k)
    weights = RNG.exponential(3, k)
    interactions = {
        "account_id": i,
        "weight_sum": weights,
        "value_sum": weights * RNG.uniform(-1, 1, k),
        "days_since": ints(-2, 400, k),
        "recent": recent,
        "prior": ints(0, 6, k),
        "recent_firefighting": np.floor(recent * RNG.random(k)),
        "escalations": ints(0, 3, k),
    }
    interactions["weight_sum"][0], interactions["value_sum"][0], interactions["days_since"][0] = 1.0, 1.0, 0.0
    interactions["recent"][:2], interactions["prior"][:2] = [1, 4], [0, 0]
    interactions["recent_firefighting"][1], interactions["value_sum"][1] = 4, -interactions["weight_sum"][1]
    s = _some(ids[3:], 0.6)
    people = ints(1, 8, len(s))
    key = np.minimum(ints(0, 5, len(s)), people)
    p = _some(ids[3:], 0.5)
    due = ints(0, 6, len(p))
    r = _some(ids[3:], 0.6)
    months, prior_months = ints(0, 13, len(r)), ints(0, 13, len(r))
    revenue = RNG.uniform(0, 1e5, len(r))
    m = _some(ids[3:], 0.5)
    previous = _some(ids, 0.8)
    return Inputs(
        accounts={
            "account_id": ids,
            "segment_id": RNG.integers(1, 4, n).astype(np.int64),
            "owner_id": RNG.integers(1, 9, n).astype(np.int64),
        },
        interactions=interactions,
        open_followups={"account_id": (f := _some(ids[3:], 0.2)), "open_followups": ints(1, 3, len(f))},
        stakeholders={
            "account_id": s,
            "people": people,
            "key_people": key,
            "fresh": np.minimum(ints(0, 8, len(s)), people),
            "key_engaged": np.minimum(ints(0, 5, len(s)), key),
        },
        plans={
            "account_id": p,
            "days_since_review": maybe_missing(ints(0, 300, len(p)), 0.1),
            "due": due,
            "overdue": np.minimum(ints(0, 6, len(p)), due),
        },
        revenue={
            "account_id": r,
            "revenue": np.where(months > 0, revenue, np.nan),
            "margin": np.where(months > 0, revenue * RNG.uniform(-0.2, 0.6, len(r)), np.nan),
            "months": months,
            "prior_revenue": np.where(prior_months > 0, RNG.uniform(0, 1e5, len(r)), np.nan),
            "prior_months": prior_months,
        },
        previous={
            "account_id": previous,
            "band": np.array([str(b) for b in RNG.choice(list(Band), len(previous))], dtype=object),
            "mostly_firefighting": RNG.random(len(previous)) < 0.3,
        },
        month_ago={"account_id": m, "month_ago_health": maybe_missing(RNG.uniform(0, 100, len(m)), 0.2)},
        computed_at=datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        fresh=True,
    )


def _row(table: dict, account_id: int) -> dict | None:
    at = np.flatnonzero(table["account_id"] == account_id)
    return {name: values[at[:1]].tolist()[0] for name, values in table.items()} if len(at) else None


def _none(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _reference(inputs: Inputs, k: int, config: Config, rates: dict) -> dict:
    """One account's scores by the scalar reference, from the same statements' rows."""
    account_id = int(inputs.accounts["account_id"][k])
    i = _row(inputs.interactions, account_id)
    people, plan = _row(inputs.stakeholders, account_id), _row(inputs.plans, account_id)
    revenue = _row(inputs.revenue, account_id) or {"revenue": None, "margin": None, "months": 0}
    revenue = {"prior_revenue": None, "prior_months": 0, **revenue}
    followups = (_row(inputs.open_followups, account_id) or {"open_followups": 0})["open_followups"]
    i = i or dict.fromkeys(
        ("weight_sum", "value_sum", "recent", "prior", "recent_firefighting", "escalations"), 0
    )
    scores = (
        scoring.mix_score(i["weight_sum"], i["value_sum"]),
        scoring.recency_score(_none(i.get("days_since")), config.recency_zero_days),
        scoring.trend_score(int(i["recent"]), int(i["prior"])),
        people
        and scoring.stakeholder_score(
            int(people["key_people"]), int(people["key_engaged"]), int(people["people"]), int(people["fresh"])
        ),
        plan
        and scoring.plan_score(
            int(plan["due"]), int(plan["overdue"]), _none(plan["days_since_review"]), STALE_AFTER_DAYS
        ),
        scoring.commercial_score(
            scoring.annualized(_none(revenue["revenue"]), int(revenue["months"])),
            scoring.annualized(_none(revenue["prior_revenue"]), int(revenue["prior_months"])),
        ),
        scoring.escalation_score(int(i["escalations"] + followups), "days_since" in i),
    )
    health = scoring.health(
        scores, config.weights, green_from=config.green_from, amber_from=config.amber_from,
        min_coverage=config.min_coverage,
    )  # fmt: skip
    then = _none((_row(inputs.month_ago, account_id) or {"month_ago_health": None})["month_ago_health"])
    retention, source = scoring.retention_from_health(health.score, config.r_min, config.r_max), "health"
    if retention is None:
        segment_rate = rates.get(str(inputs.accounts["segment_id"][k]))
        retention, source = (
            (segment_rate, "segment") if segment_rate else (config.default_retention, "default")
        )
    retention = round(retention, 4)
    margin = scoring.annualized(_none(revenue["margin"]), int(revenue["months"]), 1)
    years = config.horizon or CURVE_YEARS_IF_INFINITE
    return {
        "measure_scores": list(scores),
        "health": health.score,
        "band": health.band,
        "coverage": health.coverage,
        "contributions": list(health.contributions),
        "mostly_firefighting": scoring.mostly_firefighting(
            int(i["recent"]), int(i["recent_firefighting"]), share=config.firefighting_share
        ),
        "trend_30d": None if health.score is None or then is None else round(health.score - then, 2),
        "retention": retention,
        "retention_source": source,
        "annual_margin": margin,
        "clv": None if margin is None else scoring.clv(margin, retention, config.discount, config.horizon),
        "clv_curve": []
        if margin is None
        else list(scoring.clv_curve(margin, retention, config.discount, years)),
    }


def _vectorised(result, k: int) -> dict:
    curve = as_none(result.clv_curve[k])
    return {
        "measure_scores": as_none(result.measure_scores[k]),
        "health": as_none(result.health[k : k + 1])[0],
        "band": BANDS_BY_RANK[int(result.band_rank[k])],
        "coverage": float(result.coverage[k]),
        "contributions": as_none(result.contributions[k]),
        "mostly_firefighting": bool(result.mostly_firefighting[k]),
        "trend_30d": as_none(result.trend_30d[k : k + 1])[0],
        "retention": float(result.retention[k]),
        "retention_source": SOURCES[int(result.retention_source[k])],
        "annual_margin": as_none(result.annual_margin[k : k + 1])[0],
        "clv": as_none(result.clv[k : k + 1])[0],
        "clv_curve": [] if all(x is None for x in curve) else curve,
    }


@pytest.mark.parametrize(
    ("weights", "horizon"),
    [((25, 15, 10, 15, 15, 10, 10), 5), ((30, 20, 10, 10, 10, 10, 10), 0), ((1, 0, 0, 0, 0, 0, 0), 3)],
)
def test_a_whole_chunk_scores_as_the_reference_scores_each_account(weights, horizon):
    inputs = _chunk_inputs(600)
    config = Config(weights=weights, horizon=horizon, **CONFIG)
    rates = {"1": 0.8, "2": 0.65}  # segment 3 has no rate: the default
    result = score_chunk(inputs, config, rates)
    assert len(result) == 600
    for k in range(len(result)):
        assert _vectorised(result, k) == _reference(inputs, k, config, rates), int(result.account_id[k])
    # The edge accounts came out as they should.
    assert _vectorised(result, 0)["band"] == Band.INSUFFICIENT  # nothing at all
    assert _vectorised(result, 2)["mostly_firefighting"] is True


def test_alerts_of_a_chunk_follow_the_reference_band_drop_and_firefighting_rules():
    inputs = _chunk_inputs(400)
    result = score_chunk(inputs, Config(weights=(25, 15, 10, 15, 15, 10, 10), horizon=5, **CONFIG), {})
    alerts = {(a, kind) for a, _owner, kind, _message in chunk_alerts(inputs, result)}
    expected = set()
    for k, account_id in enumerate(result.account_id.tolist()):
        before = _row(inputs.previous, account_id) or {"band": None, "mostly_firefighting": False}
        if scoring.band_dropped(before["band"], BANDS_BY_RANK[int(result.band_rank[k])]):
            expected.add((account_id, ScoreAlert.Kind.BAND_DROP))
        if result.mostly_firefighting[k] and not before["mostly_firefighting"]:
            expected.add((account_id, ScoreAlert.Kind.MOSTLY_FIREFIGHTING))
    assert alerts == expected and expected


def test_the_copy_columns_are_the_tables_columns():
    assert set(SNAPSHOT_COLUMNS) == {f.column for f in AccountScore._meta.concrete_fields} - {"id"}
    assert set(DETAIL_COLUMNS) == {f.column for f in AccountScoreDetail._meta.concrete_fields} - {None}


def test_rounding_is_pythons_round_even_where_np_round_is_not():
    ties = [2.675, 1.005, 0.125, 0.375, -0.125, 1.115, 8.345, 0.285, 1e-3, 99.995, -2.675, 0.0, -0.0]
    values = np.concatenate([ties, RNG.uniform(-200, 200, N), np.round(RNG.uniform(0, 100, N), 3)])
    values = np.append(values, [np.nan, np.inf])
    for digits in (2, 4):
        expected = [round(x, digits) if math.isfinite(x) else x for x in values.tolist()]
        assert as_none(v.rounded(values, digits)) == as_none(expected)
    assert np.round(2.675, 2) != round(2.675, 2) or np.round(1.005, 2) != round(1.005, 2)  # the reason
