"""The scalar reference of the nightly scoring: one account at a time, in plain Python.

Used by tests only. The nightly run computes with the vectorised functions of
relationships/scoring/compute.py; relationships/tests/test_scoring_compute.py checks, on randomized
inputs and edge cases, that they give exactly these values (the same IEEE operations in the same
order). Every measure is scaled 0–100, or None when the account has no data for it. The measures, the
category values and the band names are the production ones.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from relationships.scoring.compute import (  # noqa: F401 - re-exported for the tests
    CATEGORY_VALUE,
    MEASURE_LABELS,
    MEASURES,
)
from relationships.scoring.models import Band

GREEN, AMBER, RED, INSUFFICIENT = Band.GREEN, Band.AMBER, Band.RED, Band.INSUFFICIENT
BAND_RANK = {GREEN: 3, AMBER: 2, RED: 1}


def clamp(value: float, low: float = 0.0, high: float = 100.0) -> float:
    return low if value < low else high if value > high else value


def decay_weight(age_days: float, half_life_days: float) -> float:
    """Weight of an interaction `age_days` old: 1 today, ½ after one half-life."""
    return 0.5 ** (max(age_days, 0.0) / half_life_days)


# --- measures, each 0–100 or None (no data) -------------------------------------------------------


def mix_score(weight_sum: float, value_sum: float) -> float | None:
    """Decayed mean category value (−1..+1) mapped to 0–100; `value_sum` = Σ decay·value."""
    if weight_sum <= 0:
        return None
    return clamp(50.0 + 50.0 * value_sum / weight_sum)


def mix_score_of(interactions: Sequence[tuple[str, float]], half_life_days: float) -> float | None:
    """The same from (category, age in days) pairs; the SQL computes the sums in one pass."""
    weights = [decay_weight(age, half_life_days) for _category, age in interactions]
    values = [w * CATEGORY_VALUE[c] for w, (c, _age) in zip(weights, interactions, strict=True)]
    return mix_score(sum(weights), sum(values))


def recency_score(days_since_last: float | None, zero_after_days: float) -> float | None:
    """100 the day of an interaction, falling linearly to 0 after `zero_after_days` of silence."""
    if days_since_last is None:
        return None
    return clamp(100.0 * (1.0 - max(days_since_last, 0.0) / zero_after_days))


def trend_score(recent: int, prior: int) -> float | None:
    """Interactions in the last window vs the one before: 50 steady, 100 all new, 0 gone quiet."""
    if recent + prior == 0:
        return None
    return clamp(50.0 + 50.0 * (recent - prior) / (recent + prior))


def stakeholder_score(key_people: int, key_engaged: int, people: int, people_fresh: int) -> float | None:
    """70 % coverage (key stakeholders met recently), 30 % freshness (records kept current)."""
    if people == 0:
        return None
    coverage = key_engaged / key_people if key_people else 0.0
    return clamp(70.0 * coverage + 30.0 * people_fresh / people)


def plan_score(
    actions_due: int, actions_overdue: int, days_since_review: float | None, stale_after_days: float
) -> float | None:
    """70 % actions on time, 30 % plan reviewed (100 within `stale_after_days`, 0 at twice that)."""
    if days_since_review is None:
        return None
    on_time = 1.0 - actions_overdue / actions_due if actions_due else 1.0
    overdue_for = max(days_since_review - stale_after_days, 0.0)
    reviewed = clamp(1.0 - overdue_for / stale_after_days, 0.0, 1.0)
    return clamp(70.0 * on_time + 30.0 * reviewed)


def commercial_score(trailing: float | None, prior: float | None, full_scale: float = 0.25) -> float | None:
    """Revenue growth over the prior year: 50 flat, 100 at +`full_scale` (25 %) or more, 0 at −25 %."""
    if trailing is None or prior is None or (trailing <= 0 and prior <= 0):
        return None
    if prior <= 0:
        return 100.0
    growth = (trailing - prior) / prior
    return clamp(50.0 + 50.0 * growth / full_scale)


def escalation_score(open_escalations: int, has_interactions: bool, penalty: float = 35.0) -> float | None:
    """100 with none open, `penalty` points less per open escalation."""
    if not has_interactions:
        return None
    return clamp(100.0 - penalty * open_escalations)


# --- combining --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Health:
    score: float | None  # None: insufficient data
    band: str
    coverage: float  # share of the configured weight that had data, 0–1
    weights: tuple[float | None, ...]  # renormalized weight per measure (None: no data)
    contributions: tuple[float | None, ...]  # points each measure adds to the score


def renormalized(weights: Sequence[float], scores: Sequence[float | None]) -> tuple[float | None, ...]:
    """The weights of the measures with data, rescaled to sum to 1; None for the others."""
    total = sum(w for w, s in zip(weights, scores, strict=True) if s is not None and w > 0)
    if total <= 0:
        return tuple(None for _ in weights)
    return tuple(w / total if s is not None else None for w, s in zip(weights, scores, strict=True))


def band_of(score: float | None, green_from: float, amber_from: float) -> str:
    if score is None:
        return INSUFFICIENT
    return GREEN if score >= green_from else AMBER if score >= amber_from else RED


def health(
    scores: Sequence[float | None],
    weights: Sequence[float],
    *,
    green_from: float,
    amber_from: float,
    min_coverage: float,
) -> Health:
    """Weighted mean of the measures with data; "insufficient" when they carry too little weight."""
    configured = covered = 0.0
    for weight, score in zip(weights, scores, strict=True):
        if weight > 0:
            configured += weight
            if score is not None:
                covered += weight
    coverage = covered / configured if configured else 0.0
    if coverage < min_coverage or covered <= 0:
        nothing = (None,) * len(scores)
        return Health(None, INSUFFICIENT, coverage, nothing, nothing)
    # renormalized(weights, scores) and the contributions in one pass (this runs for every account every
    # night): `covered` is renormalized's total, summed in the same order, so these are the same floats.
    shares: list[float | None] = []
    contributions: list[float | None] = []
    total = 0  # as sum() starts
    for weight, score in zip(weights, scores, strict=True):
        if score is None:
            shares.append(None)
            contributions.append(None)
        else:
            share = weight / covered
            shares.append(share)
            contributions.append(share * score)
            total += share * score
    score = round(total, 2)
    band = band_of(score, green_from, amber_from)
    return Health(score, band, coverage, tuple(shares), tuple(contributions))


def band_dropped(previous: str | None, current: str) -> bool:
    """Green→amber, amber→red or green→red; moving to or from "insufficient" is not a drop."""
    return previous in BAND_RANK and current in BAND_RANK and BAND_RANK[current] < BAND_RANK[previous]


def mostly_firefighting(
    recent: int, recent_firefighting: int, *, share: float = 0.5, minimum: int = 3
) -> bool:
    """More than `share` of the recent interactions were firefighting or escalation (at least `minimum`)."""
    return recent >= minimum and recent_firefighting > share * recent


# --- CLV: the B2B margin model --------------------------------------------------------------------


def retention_from_health(score: float | None, r_min: float, r_max: float) -> float | None:
    """Linear: health 0 → `r_min`, health 100 → `r_max` (annual probability the account stays)."""
    if score is None:
        return None
    return r_min + (r_max - r_min) * clamp(score) / 100.0


def clv_curve(
    margins: Sequence[float] | float, retention: float, discount: float, years: int
) -> tuple[float, ...]:
    """Cumulative discounted margin by year t = 1..`years`: Σ m_t · r^t / (1+d)^t.

    `margins` is one annual margin (the same every year) or one per year (the last repeats).
    """
    total, curve = 0.0, []
    factor = retention / (1.0 + discount)
    survival = 1.0
    if isinstance(margins, int | float):  # the nightly case: one margin, every year
        for _t in range(years):
            survival *= factor
            total += margins * survival
            curve.append(total)
        return tuple(curve)
    per_year = list(margins)
    for t in range(1, years + 1):
        survival *= factor
        total += per_year[min(t, len(per_year)) - 1] * survival
        curve.append(total)
    return tuple(curve)


def clv(margin: float, retention: float, discount: float, horizon_years: int | None) -> float:
    """CLV of a constant annual margin; `horizon_years` None (or 0) is the infinite-horizon closed form
    m·r / (1 + d − r)."""
    if not horizon_years:
        if retention >= 1.0 + discount:
            raise ValueError("retention must be below 1 + discount for an infinite horizon")
        return margin * retention / (1.0 + discount - retention)
    return clv_curve(margin, retention, discount, horizon_years)[-1]


def annualized(total: float | None, months: int, minimum_months: int = 3) -> float | None:
    """A yearly figure from `months` known months (scaled up to 12); None with too few months."""
    if total is None or months < minimum_months:
        return None
    return total * 12.0 / months
