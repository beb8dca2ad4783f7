"""Vectorised twins of the pure scoring functions in relationships/scoring.py: numpy arrays in, arrays out.

No ORM, no Django. The scalar functions in relationships/scoring.py stay the documented reference; each
function here computes the same floats for a whole chunk of accounts at once (NaN where the scalar one
returns None), doing the same IEEE operations in the same order, so the results are equal, not merely
close (relationships/tests/test_scoring_vectorised.py checks that on randomized inputs and edge cases).
The nightly service calls these once per chunk instead of the scalar ones once per account.
"""

import numpy as np

from relationships.tests.scoring_reference import AMBER, GREEN, INSUFFICIENT, RED

NAN = np.nan
BANDS = np.array([INSUFFICIENT, RED, AMBER, GREEN], dtype=object)  # indexed by BAND_RANK (0: none)


def _f(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def clamp(values: np.ndarray, low: float = 0.0, high: float = 100.0) -> np.ndarray:
    """scoring.clamp elementwise (NaN stays NaN)."""
    return np.where(values < low, low, np.where(values > high, high, values))


def _safe_div(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return numerator / denominator


def mix_scores(weight_sum, value_sum) -> np.ndarray:
    w, v = _f(weight_sum), _f(value_sum)
    return np.where(w > 0, clamp(50.0 + _safe_div(50.0 * v, w)), NAN)


def recency_scores(days_since_last, zero_after_days: float) -> np.ndarray:
    d = _f(days_since_last)  # NaN: no interaction
    return clamp(100.0 * (1.0 - np.maximum(d, 0.0) / zero_after_days))


def trend_scores(recent, prior) -> np.ndarray:
    r, p = _f(recent), _f(prior)
    total = r + p
    return np.where(total == 0, NAN, clamp(50.0 + _safe_div(50.0 * (r - p), total)))


def stakeholder_scores(key_people, key_engaged, people, people_fresh) -> np.ndarray:
    kp, ke, n, fresh = _f(key_people), _f(key_engaged), _f(people), _f(people_fresh)
    coverage = np.where(kp != 0, _safe_div(ke, kp), 0.0)
    return np.where(n == 0, NAN, clamp(70.0 * coverage + _safe_div(30.0 * fresh, n)))


def plan_scores(actions_due, actions_overdue, days_since_review, stale_after_days: float) -> np.ndarray:
    due, overdue, days = _f(actions_due), _f(actions_overdue), _f(days_since_review)
    on_time = np.where(due != 0, 1.0 - _safe_div(overdue, due), 1.0)
    overdue_for = np.maximum(days - stale_after_days, 0.0)
    reviewed = clamp(1.0 - overdue_for / stale_after_days, 0.0, 1.0)
    return np.where(np.isnan(days), NAN, clamp(70.0 * on_time + 30.0 * reviewed))


def commercial_scores(trailing, prior, full_scale: float = 0.25) -> np.ndarray:
    t, p = _f(trailing), _f(prior)
    none = np.isnan(t) | np.isnan(p) | ((t <= 0) & (p <= 0))
    growth = _safe_div(t - p, p)
    scored = np.where(p <= 0, 100.0, clamp(50.0 + 50.0 * growth / full_scale))
    return np.where(none, NAN, scored)


def escalation_scores(open_escalations, has_interactions, penalty: float = 35.0) -> np.ndarray:
    return np.where(np.asarray(has_interactions, bool), clamp(100.0 - penalty * _f(open_escalations)), NAN)


def annualized(total, months, minimum_months: int = 3) -> np.ndarray:
    t, m = _f(total), _f(months)
    return np.where(np.isnan(t) | (m < minimum_months), NAN, _safe_div(t * 12.0, m))


def health(scores: np.ndarray, weights, *, green_from: float, amber_from: float, min_coverage: float):
    """scoring.health for an (accounts × measures) array of scores (NaN: no data).

    Returns (score, band rank 0–3 into BANDS, coverage, contributions array); score and contributions
    NaN where the scalar function gives None. The score is rounded to 2 decimals like round().
    """
    scores = np.asarray(scores, dtype=np.float64)
    has = ~np.isnan(scores)
    configured = 0.0
    covered = np.zeros(len(scores))
    for j, weight in enumerate(weights):  # summed in the scalar function's order
        if weight > 0:
            configured += weight
            covered = covered + np.where(has[:, j], weight, 0.0)
    coverage = covered / configured if configured else np.zeros(len(scores))
    ok = ~((coverage < min_coverage) | (covered <= 0))
    contributions = np.full(scores.shape, NAN)
    total = np.zeros(len(scores))
    for j, weight in enumerate(weights):
        part = _safe_div(weight, covered) * scores[:, j]
        contributions[:, j] = np.where(has[:, j] & ok, part, NAN)
        total = total + np.where(has[:, j], part, 0.0)
    # round() per value: Python's correctly rounded round(x, 2), which np.round is not in every case.
    score = np.array([round(x, 2) for x in total.tolist()])
    score[~ok] = NAN
    band = np.where(score >= green_from, 3, np.where(score >= amber_from, 2, 1))
    return score, np.where(ok, band, 0), coverage, contributions


def band_dropped(previous_rank, current_rank) -> np.ndarray:
    """Ranks 1–3 (red, amber, green), 0 for none or insufficient."""
    p, c = np.asarray(previous_rank), np.asarray(current_rank)
    return (p > 0) & (c > 0) & (c < p)


def in_trouble(recent, recent_trouble, *, share: float = 0.5, minimum: int = 3) -> np.ndarray:
    r, t = _f(recent), _f(recent_trouble)
    return (r >= minimum) & (t > share * r)


def retention_from_health(score, r_min: float, r_max: float) -> np.ndarray:
    return r_min + (r_max - r_min) * clamp(_f(score)) / 100.0


def clv_curves(margins, retention, discount: float, years: int) -> np.ndarray:
    """(accounts × years) cumulative discounted margin, one constant margin per account."""
    m, factor = _f(margins), _f(retention) / (1.0 + discount)
    curve = np.empty((len(m), years))
    survival, total = np.ones(len(m)), np.zeros(len(m))
    for t in range(years):
        survival = survival * factor
        total = total + m * survival
        curve[:, t] = total
    return curve


def clv_infinite(margins, retention, discount: float) -> np.ndarray:
    r = _f(retention)
    if np.any(r >= 1.0 + discount):
        raise ValueError("retention must be below 1 + discount for an infinite horizon")
    return _f(margins) * r / (1.0 + discount - r)
