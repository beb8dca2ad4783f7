"""The nightly scoring's pure functions: numpy arrays in, arrays out, one call per chunk of accounts.

No ORM, no Django. Every measure is scaled 0–100, NaN where the account has no data for it, so the
health score can say why it is what it is. The nightly service (relationships/scoring/services.py)
loads a chunk's aggregates in SQL (relationships/scoring/inputs.py) and applies these functions to
them (relationships/scoring/output.py). The scalar functions in relationships/tests/scoring_reference.py
are the readable, one-account-at-a-time statement of the same formulas; these do the same IEEE
operations in the same order, so the results are equal, not merely close
(relationships/tests/test_scoring_compute.py checks that on randomized inputs and edge cases).
"""

import math

import numpy as np

# The measures, in the order they are stored (AccountScoreDetail.measure_scores and contributions).
MIX = "interaction_mix"
RECENCY = "engagement_recency"
TREND = "engagement_trend"
STAKEHOLDERS = "stakeholder_coverage"
PLAN = "plan_progress"
COMMERCIAL = "commercial_trend"
ESCALATIONS = "open_escalations"
MEASURES = (MIX, RECENCY, TREND, STAKEHOLDERS, PLAN, COMMERCIAL, ESCALATIONS)
MEASURE_LABELS = {
    MIX: "Interaction value mix",
    RECENCY: "Engagement recency",
    TREND: "Engagement trend",
    STAKEHOLDERS: "Stakeholder coverage and freshness",
    PLAN: "Plan progress",
    COMMERCIAL: "Commercial trend",
    ESCALATIONS: "Open escalations",
}

# Value of each interaction category (Interaction.Category) to the relationship: +1 builds it,
# −1 erodes it.
CATEGORY_VALUE = {
    "relationship": 1.0,
    "value_adding": 1.0,
    "firefighting": -1.0,
    "escalation": -1.0,
    "unvalued": -0.5,
}

# `health` ranks each account's band: 0 insufficient data, 1 red, 2 amber, 3 green
# (relationships/scoring/models.py names them: Band, BANDS_BY_RANK).
INSUFFICIENT_RANK, RED_RANK, AMBER_RANK, GREEN_RANK = 0, 1, 2, 3
NAN = np.nan


def decay_rate(half_life_days: float) -> float:
    """λ with 0.5^(age / half-life) = exp(−λ·age): the SQL weighs each interaction with one exp()."""
    return math.log(2.0) / half_life_days


def _f(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def rounded(values, digits: int) -> np.ndarray:
    """Python's round(x, digits) elementwise: the exact value rounded half to even, not np.round's.

    np.round rounds x·10^digits, which is itself rounded: it can land across a half from the exact
    value. Only where it lands within an ulp of a half does that matter; those few values are rounded
    by round() itself. Both then divide the integer by 10^digits, so the floats are the same.
    """
    v = _f(values)
    scale = 10.0**digits
    scaled = v * scale
    result = np.rint(scaled) / scale
    with np.errstate(invalid="ignore"):
        near_half = np.abs(scaled - np.floor(scaled) - 0.5) <= np.spacing(np.abs(scaled))
    for k in np.flatnonzero(near_half).tolist():
        result[k] = round(float(v[k]), digits)
    return result


def clamp(values: np.ndarray, low: float = 0.0, high: float = 100.0) -> np.ndarray:
    """Clamp elementwise (NaN stays NaN)."""
    return np.where(values < low, low, np.where(values > high, high, values))


def _safe_div(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return numerator / denominator


def mix_scores(weight_sum, value_sum) -> np.ndarray:
    """Decayed mean category value (−1..+1) mapped to 0–100; `value_sum` = Σ decay·CATEGORY_VALUE."""
    w, v = _f(weight_sum), _f(value_sum)
    return np.where(w > 0, clamp(50.0 + _safe_div(50.0 * v, w)), NAN)


def recency_scores(days_since_last, zero_after_days: float) -> np.ndarray:
    """100 the day of an interaction, falling linearly to 0 after `zero_after_days` of silence."""
    d = _f(days_since_last)  # NaN: no interaction
    return clamp(100.0 * (1.0 - np.maximum(d, 0.0) / zero_after_days))


def trend_scores(recent, prior) -> np.ndarray:
    """Interactions in the last window vs the one before: 50 steady, 100 all new, 0 gone quiet."""
    r, p = _f(recent), _f(prior)
    total = r + p
    return np.where(total == 0, NAN, clamp(50.0 + _safe_div(50.0 * (r - p), total)))


def stakeholder_scores(key_people, key_engaged, people, people_fresh) -> np.ndarray:
    """70 % coverage (key stakeholders met recently), 30 % freshness (records kept current)."""
    kp, ke, n, fresh = _f(key_people), _f(key_engaged), _f(people), _f(people_fresh)
    coverage = np.where(kp != 0, _safe_div(ke, kp), 0.0)
    return np.where(n == 0, NAN, clamp(70.0 * coverage + _safe_div(30.0 * fresh, n)))


def plan_scores(actions_due, actions_overdue, days_since_review, stale_after_days: float) -> np.ndarray:
    """70 % actions on time, 30 % plan reviewed (100 within `stale_after_days`, 0 at twice that)."""
    due, overdue, days = _f(actions_due), _f(actions_overdue), _f(days_since_review)
    on_time = np.where(due != 0, 1.0 - _safe_div(overdue, due), 1.0)
    overdue_for = np.maximum(days - stale_after_days, 0.0)
    reviewed = clamp(1.0 - overdue_for / stale_after_days, 0.0, 1.0)
    return np.where(np.isnan(days), NAN, clamp(70.0 * on_time + 30.0 * reviewed))


def commercial_scores(trailing, prior, full_scale: float = 0.25) -> np.ndarray:
    """Revenue growth over the prior year: 50 flat, 100 at +`full_scale` (25 %) or more, 0 at −25 %."""
    t, p = _f(trailing), _f(prior)
    none = np.isnan(t) | np.isnan(p) | ((t <= 0) & (p <= 0))
    growth = _safe_div(t - p, p)
    scored = np.where(p <= 0, 100.0, clamp(50.0 + 50.0 * growth / full_scale))
    return np.where(none, NAN, scored)


def escalation_scores(open_escalations, has_interactions, penalty: float = 35.0) -> np.ndarray:
    """100 with none open, `penalty` points less per open escalation."""
    return np.where(np.asarray(has_interactions, bool), clamp(100.0 - penalty * _f(open_escalations)), NAN)


def annualized(total, months, minimum_months: int = 3) -> np.ndarray:
    """A yearly figure from `months` known months (scaled up to 12); NaN with too few months."""
    t, m = _f(total), _f(months)
    return np.where(np.isnan(t) | (m < minimum_months), NAN, _safe_div(t * 12.0, m))


def health(scores: np.ndarray, weights, *, green_from: float, amber_from: float, min_coverage: float):
    """The weighted mean of the measures with data, for an (accounts × measures) array (NaN: no data).

    The weights are renormalized over the measures with data; when those carry less than
    `min_coverage` of the configured weight the account has insufficient data (score and
    contributions NaN, rank 0). Returns (score rounded to 2 decimals like round(), band rank 0–3,
    coverage, contributions: the points each measure adds to the score).
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
    score = rounded(total, 2)
    score[~ok] = NAN
    band = np.where(score >= green_from, GREEN_RANK, np.where(score >= amber_from, AMBER_RANK, RED_RANK))
    return score, np.where(ok, band, INSUFFICIENT_RANK), coverage, contributions


def band_dropped(previous_rank, current_rank) -> np.ndarray:
    """Green→amber, amber→red or green→red (ranks); to or from insufficient data (0) is not a drop."""
    p, c = np.asarray(previous_rank), np.asarray(current_rank)
    return (p > 0) & (c > 0) & (c < p)


def mostly_firefighting(recent, recent_firefighting, *, share: float = 0.5, minimum: int = 3) -> np.ndarray:
    """More than `share` of the recent interactions were firefighting or escalation (at least `minimum`).

    Not the account page's relationship check (relationships/interactions/selectors.py `in_trouble`,
    two of the last three interactions), which is another rule under another name.
    """
    r, t = _f(recent), _f(recent_firefighting)
    return (r >= minimum) & (t > share * r)


def retention_from_health(score, r_min: float, r_max: float) -> np.ndarray:
    """Linear: health 0 → `r_min`, health 100 → `r_max` (annual probability the account stays)."""
    return r_min + (r_max - r_min) * clamp(_f(score)) / 100.0


def clv_curves(margins, retention, discount: float, years: int) -> np.ndarray:
    """(accounts × years) cumulative discounted margin Σ m · r^t / (1+d)^t, one constant margin each."""
    m, factor = _f(margins), _f(retention) / (1.0 + discount)
    curve = np.empty((len(m), years))
    survival, total = np.ones(len(m)), np.zeros(len(m))
    for t in range(years):
        survival = survival * factor
        total = total + m * survival
        curve[:, t] = total
    return curve


def clv_infinite(margins, retention, discount: float) -> np.ndarray:
    """The infinite-horizon closed form m·r / (1 + d − r)."""
    r = _f(retention)
    if np.any(r >= 1.0 + discount):
        raise ValueError("retention must be below 1 + discount for an infinite horizon")
    return _f(margins) * r / (1.0 + discount - r)
