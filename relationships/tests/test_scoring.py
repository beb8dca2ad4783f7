"""The scoring formulas, in their scalar reference (relationships/tests/scoring_reference.py): measures,
weights, bands, retention, CLV."""

import math

import pytest

from relationships.scoring import compute
from relationships.tests import scoring_reference as s

WEIGHTS = (25, 15, 10, 15, 15, 10, 10)
BANDS = {"green_from": 70, "amber_from": 40, "min_coverage": 0.5}


def test_clv_closed_form_infinite_horizon():
    assert round(s.clv(100, 0.8, 0.1, None), 2) == 266.67


def test_clv_finite_horizon_converges_to_the_closed_form():
    assert s.clv(100, 0.8, 0.1, 500) == pytest.approx(266.6667, abs=1e-3)
    assert s.clv(100, 0.8, 0.1, 1) == pytest.approx(100 * 0.8 / 1.1)


def test_clv_curve_is_cumulative_discounted_margin_by_year():
    curve = s.clv_curve(100, 0.8, 0.1, 3)
    expected = [sum(100 * 0.8**t / 1.1**t for t in range(1, n + 1)) for n in (1, 2, 3)]
    assert curve == pytest.approx(expected)
    assert s.clv(100, 0.8, 0.1, 3) == pytest.approx(expected[-1])


def test_clv_curve_with_a_margin_per_year_repeats_the_last():
    assert s.clv_curve([100, 200], 1.0, 0.0, 3) == pytest.approx((100, 300, 500))


def test_clv_infinite_horizon_needs_retention_below_one_plus_discount():
    with pytest.raises(ValueError, match="retention"):
        s.clv(100, 1.2, 0.1, 0)


@pytest.mark.parametrize(
    ("score", "expected"), [(None, None), (0, 0.5), (50, 0.725), (100, 0.95), (150, 0.95)]
)
def test_health_maps_linearly_to_retention(score, expected):
    assert s.retention_from_health(score, 0.5, 0.95) == (
        None if expected is None else pytest.approx(expected)
    )


def test_decay_halves_every_half_life():
    assert s.decay_weight(0, 90) == 1
    assert s.decay_weight(90, 90) == pytest.approx(0.5)
    assert s.decay_weight(-3, 90) == 1  # a future date counts as today


@pytest.mark.parametrize(
    ("interactions", "expected"),
    [
        pytest.param([], None, id="no interactions"),
        pytest.param([("value_adding", 10)], 100.0, id="one value-adding interaction"),
        pytest.param([("relationship", 0), ("firefighting", 0)], 50.0, id="balanced"),
        pytest.param(
            [("firefighting", 1), ("escalation", 5), ("firefighting", 40)], 0.0, id="all firefighting"
        ),
        pytest.param([("unvalued", 0)], 25.0, id="unvalued work"),
    ],
)
def test_interaction_mix(interactions, expected):
    assert s.mix_score_of(interactions, 90) == expected


def test_recent_trouble_weighs_more_than_old_goodwill():
    assert s.mix_score_of([("firefighting", 0), ("value_adding", 365)], 90) < 20


@pytest.mark.parametrize(("days", "expected"), [(None, None), (0, 100.0), (60, 50.0), (120, 0.0), (400, 0.0)])
def test_recency(days, expected):
    assert s.recency_score(days, 120) == expected


@pytest.mark.parametrize(
    ("recent", "prior", "expected"), [(0, 0, None), (1, 0, 100.0), (0, 3, 0.0), (4, 4, 50.0), (3, 1, 75.0)]
)
def test_engagement_trend(recent, prior, expected):
    assert s.trend_score(recent, prior) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [((0, 0, 0, 0), None), ((2, 1, 4, 4), 65.0), ((0, 0, 3, 0), 0.0), ((3, 3, 5, 5), 100.0)],
)
def test_stakeholder_coverage_and_freshness(args, expected):
    assert s.stakeholder_score(*args) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param((0, 0, None), None, id="no plan"),
        pytest.param((0, 0, 10), 100.0, id="fresh plan, nothing due"),
        pytest.param((4, 1, 10), 82.5, id="one of four overdue"),
        pytest.param((4, 0, 135), 85.0, id="review half-way stale"),
        pytest.param((2, 2, 400), 0.0, id="all overdue and never reviewed"),
    ],
)
def test_plan_progress(args, expected):
    assert s.plan_score(*args, stale_after_days=90) == expected


@pytest.mark.parametrize(
    ("trailing", "prior", "expected"),
    [
        pytest.param(None, None, None, id="missing revenue"),
        pytest.param(100.0, None, None, id="one year only"),
        pytest.param(0.0, 0.0, None, id="nothing bought"),
        pytest.param(100.0, 100.0, 50.0, id="flat"),
        pytest.param(125.0, 100.0, 100.0, id="+25%"),
        pytest.param(90.0, 100.0, 30.0, id="-10%"),
        pytest.param(50.0, 0.0, 100.0, id="new business"),
    ],
)
def test_commercial_trend(trailing, prior, expected):
    assert s.commercial_score(trailing, prior) == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize(
    ("count", "has", "expected"), [(0, False, None), (0, True, 100.0), (2, True, 30.0), (5, True, 0.0)]
)
def test_open_escalations(count, has, expected):
    assert s.escalation_score(count, has) == expected


def test_annualized_needs_enough_months():
    assert s.annualized(None, 0) is None
    assert s.annualized(100.0, 2) is None
    assert s.annualized(300.0, 3) == 1200.0
    assert s.annualized(50.0, 1, minimum_months=1) == 600.0


def test_weights_renormalize_over_measures_with_data():
    shares = s.renormalized((25, 15, 10), (80.0, None, 40.0))
    assert shares == (pytest.approx(25 / 35), None, pytest.approx(10 / 35))


def test_health_explains_itself_with_contributions_that_sum_to_the_score():
    scores = (80.0, 100.0, 50.0, None, None, None, 100.0)
    result = s.health(scores, WEIGHTS, **BANDS)
    assert result.coverage == pytest.approx(0.6)
    assert result.score == pytest.approx((25 * 80 + 15 * 100 + 10 * 50 + 10 * 100) / 60, abs=0.01)
    assert sum(c for c in result.contributions if c is not None) == pytest.approx(result.score, abs=0.01)
    assert result.contributions[3] is None and result.weights[3] is None
    assert result.band == "green"


@pytest.mark.parametrize(
    ("scores", "band"),
    [
        pytest.param((None,) * 7, "insufficient", id="no data at all"),
        pytest.param((None, None, None, 90.0, 90.0, 90.0, None), "insufficient", id="no interactions"),
        pytest.param(
            (100.0, 100.0, 100.0, None, None, None, 100.0), "green", id="one value-adding interaction"
        ),
        pytest.param((0.0, 100.0, 100.0, None, None, None, 100.0), "amber", id="one firefight today"),
        pytest.param((0.0, 90.0, 50.0, 20.0, None, None, 0.0), "red", id="all firefighting"),
        pytest.param((60.0, 60.0, 60.0, 60.0, 60.0, None, 60.0), "amber", id="missing revenue"),
    ],
)
def test_bands_and_insufficient_data(scores, band):
    result = s.health(scores, WEIGHTS, **BANDS)
    assert result.band == band
    assert (result.score is None) == (band == "insufficient")


@pytest.mark.parametrize(
    ("score", "band"),
    [(None, "insufficient"), (0, "red"), (39.99, "red"), (40, "amber"), (70, "green"), (100, "green")],
)
def test_band_thresholds(score, band):
    assert s.band_of(score, 70, 40) == band


def test_zero_weights_give_insufficient_data():
    assert s.health((50.0,) * 7, (0,) * 7, **BANDS).band == "insufficient"


@pytest.mark.parametrize(
    ("previous", "current", "dropped"),
    [
        ("green", "amber", True), ("amber", "red", True), ("green", "red", True), ("amber", "green", False),
        ("red", "red", False), (None, "red", False), ("insufficient", "red", False),
        ("green", "insufficient", False),
    ],
)  # fmt: skip
def test_band_drop(previous, current, dropped):
    assert s.band_dropped(previous, current) is dropped


@pytest.mark.parametrize(
    ("recent", "firefighting", "expected"),
    [(0, 0, False), (2, 2, False), (4, 2, False), (5, 3, True), (3, 3, True)],
)
def test_mostly_firefighting_needs_more_than_half_of_at_least_three(recent, firefighting, expected):
    assert s.mostly_firefighting(recent, firefighting) is expected


def test_measures_are_named_and_labelled():
    assert len(s.MEASURES) == 7 and set(s.MEASURE_LABELS) == set(s.MEASURES)
    assert not math.isnan(s.clamp(float("inf")))


@pytest.mark.parametrize("age", [0, 1, 45, 90, 365, 730])
def test_decay_rate_gives_the_decay_weight_with_one_exp(age):
    assert math.exp(-age * compute.decay_rate(90)) == pytest.approx(s.decay_weight(age, 90), rel=1e-12)
