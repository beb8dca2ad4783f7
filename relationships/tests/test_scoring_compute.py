"""The vectorised pure functions equal the scalar reference functions, value for value.

Randomized inputs (numpy random, fixed seed) plus the edge cases: no interactions, one interaction, all
firefighting, missing revenue, zero weights, coverage just below the minimum, None everywhere.
"""

import math

import numpy as np
import pytest

from relationships.scoring import compute as v
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
        assert v.BANDS[band[k]] == ref.band
        assert coverage[k] == ref.coverage
        assert as_none(contributions[k]) == list(ref.contributions)


def test_in_trouble_band_drop_retention_and_clv_equal_the_scalar_functions():
    recent = ints(0, 8)
    trouble = np.floor(recent * RNG.random(N))
    assert v.in_trouble(recent, trouble, share=0.5).tolist() == [
        scoring.in_trouble(int(r), int(t), share=0.5) for r, t in zip(recent, trouble, strict=True)
    ]
    names = v.BANDS.tolist()
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
