"""BG/NBD + Gamma-Gamma: the published CDNOW estimates, the fit command, and the formulas' properties.

The CDNOW summaries ship in the `lifetimes` wheel, installed with --no-deps (requirements-testdata.txt)
only for its data files. No test needs the database.
"""

import importlib.util
import io
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from relationships.scoring import clv_probabilistic as clv

PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # FHL 2005, Table 1
PUBLISHED_LOG_LIKELIHOOD = -9582.4
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}  # Fader & Hardie 2013
# The shipped file rounds mean spend to cents, which moves the optimum to gamma = 15.448; the
# log-likelihood differs from gamma = 15.44 by under 1e-5, so gamma gets one cent of slack.
GAMMA_GAMMA_TOLERANCE = {"p": 0.005, "q": 0.005, "gamma": 0.01}


def cdnow_file(name: str) -> Path:
    # find_spec locates the package without executing lifetimes/__init__.py, which imports pandas,
    # autograd and dill: the wheel is installed with --no-deps, only for its data files.
    spec = importlib.util.find_spec("lifetimes")
    locations = spec.submodule_search_locations if spec else None
    path = Path(locations[0]) / "datasets" / name if locations else None
    if path and path.is_file():
        return path
    reason = f"CDNOW test data missing: pip install --no-deps -r requirements-testdata.txt ({name})"
    if os.environ.get("KAM_REQUIRE_TESTDATA"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def cdnow() -> dict[str, np.ndarray]:
    """Columns ID, x, t_x, T, zbar (weeks; US dollars) for the 2,357 customers of FHL 2005."""
    table = np.loadtxt(cdnow_file("cdnow_customers_summary_with_transactions.csv"), delimiter=",", skiprows=1)
    return {"frequency": table[:, 1], "recency": table[:, 2], "T": table[:, 3], "monetary": table[:, 4]}


@pytest.fixture(scope="module")
def bgnbd_fit(cdnow) -> clv.BGNBDFit:
    return clv.fit_bgnbd(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.fixture(scope="module")
def gamma_gamma_fit(cdnow) -> clv.GammaGammaFit:
    return clv.fit_gamma_gamma(cdnow["frequency"], cdnow["monetary"])


# Made-up but plausible parameters for the property tests, so they need no data file.
PURCHASES = clv.BGNBDParams(r=0.25, alpha=4.0, a=0.8, b=2.5)
SPEND = clv.GammaGammaParams(p=6.0, q=4.0, gamma=15.0)


def simulate(count: int, seed: int, horizon: float = 30.0) -> list[tuple[float, float, float, float]]:
    """Customer summaries (x, t_x, T, m_x) drawn from the BG/NBD and Gamma-Gamma models themselves."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(count):
        rate, dropout = rng.gamma(PURCHASES.r, 1 / PURCHASES.alpha), rng.beta(PURCHASES.a, PURCHASES.b)
        times, now = [], rng.exponential(1 / rate)
        while now < horizon:
            times.append(now)
            if rng.random() < dropout:
                break
            now += rng.exponential(1 / rate)
        nu = rng.gamma(SPEND.q, 1 / SPEND.gamma)
        spend = float(np.mean(rng.gamma(SPEND.p, 1 / nu, len(times)))) if times else 0.0
        rows.append((float(len(times)), round(times[-1], 2) if times else 0.0, horizon, round(spend, 2)))
    return rows


@pytest.fixture(scope="module")
def simulated() -> list[tuple[float, float, float, float]]:
    return simulate(600, seed=4)


def run_command(csv_path: Path, unit: str = "weeks") -> dict:
    out = io.StringIO()
    call_command("fit_clv_model", summary_csv=str(csv_path), unit=unit, stdout=out)
    return json.loads(out.getvalue())


def write_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "summary.csv"
    path.write_text(text)
    return path


# --- the published CDNOW estimates ---------------------------------------------------------------


def test_bgnbd_reproduces_the_published_cdnow_estimates(bgnbd_fit):
    fitted = vars(bgnbd_fit.params)
    for name, published in PUBLISHED_BGNBD.items():
        assert fitted[name] == pytest.approx(published, abs=5e-4), name
    assert bgnbd_fit.log_likelihood == pytest.approx(PUBLISHED_LOG_LIKELIHOOD, abs=0.1)
    assert bgnbd_fit.customers == 2357


def test_gamma_gamma_reproduces_the_published_cdnow_estimates(gamma_gamma_fit):
    fitted = vars(gamma_gamma_fit.params)
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert fitted[name] == pytest.approx(published, abs=GAMMA_GAMMA_TOLERANCE[name]), name
    assert gamma_gamma_fit.customers == 946


def test_expected_purchases_match_the_papers_worked_example(bgnbd_fit):
    # FHL 2005: 2 repeat purchases, the last at week 30.43 of 38.86 -> 1.226 in the next 39 weeks.
    assert clv.expected_purchases(bgnbd_fit.params, 39, 2, 30.43, 38.86) == pytest.approx(1.226, abs=1e-3)


def test_the_summary_file_without_spend_gives_the_same_fit(bgnbd_fit):
    table = np.loadtxt(cdnow_file("cdnow_customers_summary.csv"), delimiter=",", skiprows=1)
    assert clv.fit_bgnbd(table[:, 1], table[:, 2], table[:, 3]) == bgnbd_fit


# --- the command ------------------------------------------------------------------------------------


def test_command_prints_the_cdnow_fit_as_json(tmp_path, cdnow):
    source = cdnow_file("cdnow_customers_summary_with_transactions.csv").read_text().splitlines()
    # The shipped file names its columns x, t_x, zbar; the command takes the lifetimes-style names.
    copy = write_csv(tmp_path, "\n".join(["ID,frequency,recency,T,monetary_value", *source[1:]]))

    result = run_command(copy)

    assert result["unit"] == "weeks"
    assert result["customers"] == 2357
    assert result["repeat_customers"] == 946
    for name, published in PUBLISHED_BGNBD.items():
        assert result[name] == pytest.approx(published, abs=5e-4), name
    assert result["log_likelihood"] == pytest.approx(PUBLISHED_LOG_LIKELIHOOD, abs=0.1)
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert result[name] == pytest.approx(published, abs=GAMMA_GAMMA_TOLERANCE[name]), name


def test_command_without_monetary_value_prints_only_the_purchase_model(tmp_path, simulated):
    lines = [f"{x:g},{t_x:g},{t:g}" for x, t_x, t, _ in simulated]
    path = write_csv(tmp_path, "\n".join(["frequency,recency,T", *lines]))

    result = run_command(path, unit="days")

    assert set(result) == {"unit", "customers", "r", "alpha", "a", "b", "log_likelihood"}
    assert result["unit"] == "days"
    assert result["customers"] == len(simulated)


def test_command_ignores_the_customer_id_column(tmp_path, simulated):
    lines = [f"C{i},{x:g},{t_x:g},{t:g},{m:g}" for i, (x, t_x, t, m) in enumerate(simulated)]
    path = write_csv(tmp_path, "\n".join(["customer_id,frequency,recency,T,monetary_value", *lines]))

    result = run_command(path)

    assert result["customers"] == len(simulated)
    assert result["repeat_customers"] == sum(1 for x, *_ in simulated if x > 0)


def test_command_refuses_a_segment_too_small_to_identify_the_model(tmp_path):
    path = write_csv(tmp_path, "frequency,recency,T\n0,0,10\n2,5,10\n1,1,8\n3,9,9\n0,0,4\n")
    with pytest.raises(CommandError, match="do not identify the BG/NBD model"):
        run_command(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("frequency,recency,T\n", "no customers"),
        ("frequency,recency,T,revenue\n1,1,2,3\n", "unknown columns: revenue"),
        ("Frequency,recency,T\n1,1,2\n", "missing columns: frequency"),
        ("frequency,recency,T,T\n1,1,2,2\n", "duplicate columns: T"),
        ("ID,frequency,recency,T\n1,1,1,2\n2,one,1,2\n", "line 3: frequency is not a number: 'one'"),
        ("frequency,recency,T\n1,1,2\n1,1\n", "line 3: expected 3 fields, got 2"),
        ("frequency,recency,T\n-1,0,2\n", "line 2: values must not be negative"),
        ("frequency,recency,T\n1,nan,2\n", "line 2: values must be finite"),
        ("frequency,recency,T\n1.5,1,2\n", "line 2: frequency counts repeat purchases"),
        ("frequency,recency,T\n1,3,2\n", "line 2: recency (3) must not exceed T (2)"),
        ("frequency,recency,T\n0,1,2\n", "line 2: recency must be 0 when frequency is 0"),
        ("frequency,recency,T\n2,0,2\n", "line 2: recency must be greater than 0 when frequency"),
        ("frequency,recency,T\n0,0,0\n", "line 2: T must be greater than 0"),
        ("frequency,recency,T,monetary_value\n1,1,2,0\n", "line 2: monetary_value must be greater"),
        ("frequency,recency,T,monetary_value\n0,0,2,0\n", "BG/NBD needs customers with frequency > 0"),
    ],
)
def test_command_rejects_bad_input_with_a_clear_message(tmp_path, text, message):
    with pytest.raises(CommandError) as raised:
        run_command(write_csv(tmp_path, text))
    assert message in str(raised.value)


def test_command_rejects_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        run_command(tmp_path / "absent.csv")


def test_command_rejects_an_unknown_unit(tmp_path):
    with pytest.raises(CommandError, match="invalid choice"):
        run_command(write_csv(tmp_path, "frequency,recency,T\n1,1,2\n"), unit="fortnights")


# --- the formulas ---------------------------------------------------------------------------------


def test_log_likelihood_matches_the_papers_formula_computed_directly():
    x, t_x, t_cal = np.array([0.0, 1.0, 4.0]), np.array([0.0, 2.0, 7.5]), np.array([10.0, 10.0, 9.0])
    r, alpha, a, b = vars(PURCHASES).values()
    beta = math.gamma(a) * math.gamma(b) / math.gamma(a + b)

    def direct(xi: float, txi: float, ti: float) -> float:
        rate = math.gamma(r + xi) * alpha**r / math.gamma(r)
        alive = math.gamma(a) * math.gamma(b + xi) / math.gamma(a + b + xi) / beta / (alpha + ti) ** (r + xi)
        dropped = 0.0
        if xi > 0:
            dropped = (math.gamma(a + 1) * math.gamma(b + xi - 1) / math.gamma(a + b + xi) / beta) / (
                alpha + txi
            ) ** (r + xi)
        return math.log(rate * (alive + dropped))

    expected = [direct(*row) for row in zip(x, t_x, t_cal, strict=True)]
    assert clv.bgnbd_log_likelihood(PURCHASES, x, t_x, t_cal) == pytest.approx(expected, rel=1e-12)


def test_the_fit_beats_the_true_parameters_on_simulated_data(simulated):
    x, t_x, t, m = (np.array(column) for column in zip(*simulated, strict=True))
    purchases, spend = clv.fit_bgnbd(x, t_x, t), clv.fit_gamma_gamma(x, m)
    # A maximum-likelihood fit can never do worse than the parameters that generated the data.
    assert purchases.log_likelihood >= clv.bgnbd_log_likelihood(PURCHASES, x, t_x, t).sum()
    repeat = x > 0
    assert spend.log_likelihood >= clv.gamma_gamma_log_likelihood(SPEND, x[repeat], m[repeat]).sum()
    assert purchases.params.r == pytest.approx(PURCHASES.r, rel=0.5)


def test_a_repeat_at_the_moment_of_the_first_purchase_makes_the_likelihood_unbounded():
    # Why the command rejects frequency > 0 with recency 0: alpha -> 0 drives the likelihood up forever.
    alphas = [1.0, 1e-2, 1e-4, 1e-8]
    ll = [clv.bgnbd_log_likelihood(clv.BGNBDParams(0.25, alpha, 0.8, 2.5), 2, 0, 10)[()] for alpha in alphas]
    assert np.all(np.diff(ll) > 1)


def test_a_customer_without_repeat_purchases_is_certainly_alive():
    # BG/NBD customers can only drop out right after a purchase, so x = 0 means still active.
    assert clv.probability_alive(PURCHASES, [0, 0], [0, 0], [5, 50]) == pytest.approx([1.0, 1.0])


def test_probability_alive_falls_the_longer_since_the_last_purchase():
    alive = clv.probability_alive(PURCHASES, 3, [30, 20, 10, 1], 30)
    assert alive[0] == pytest.approx(1 / (1 + PURCHASES.a / (PURCHASES.b + 2)))
    assert np.all(np.diff(alive) < 0)
    assert np.all((alive > 0) & (alive <= 1))


def test_expected_purchases_start_at_zero_and_grow_with_the_horizon():
    purchases = clv.expected_purchases(PURCHASES, np.array([0, 1, 4, 13, 52, 104]), 2, 20, 30)
    assert purchases[0] == pytest.approx(0.0, abs=1e-12)
    assert np.all(np.diff(purchases) > 0)


def test_expected_average_spend_shrinks_towards_the_population_mean():
    population = SPEND.gamma * SPEND.p / (SPEND.q - 1)
    spend = clv.expected_average_spend(SPEND, [0, 1, 10, 1000], 100.0)
    assert spend[0] == pytest.approx(population)
    assert np.all(np.diff(spend) > 0)
    assert population < spend[-1] < 100.0
    assert spend[-1] == pytest.approx(100.0, rel=1e-3)


def test_clv_undiscounted_is_expected_spend_times_expected_purchases():
    value = clv.clv(PURCHASES, SPEND, 2, 20, 30, 40.0, horizon=52, discount_rate=0.0, step=4)
    purchases = clv.expected_purchases(PURCHASES, 52, 2, 20, 30)
    assert value == pytest.approx(clv.expected_average_spend(SPEND, 2, 40.0) * purchases)


def test_clv_decreases_with_the_discount_rate():
    values = [
        clv.clv(PURCHASES, SPEND, [2, 5], [20, 29], [30, 30], [40.0, 25.0], horizon=52, discount_rate=rate)
        for rate in (0.0, 0.001, 0.01, 0.05)
    ]
    assert np.all(np.diff(np.stack(values), axis=0) < 0)


def test_clv_rejects_a_meaningless_horizon():
    with pytest.raises(ValueError, match="horizon"):
        clv.clv(PURCHASES, SPEND, 1, 1, 2, 10.0, horizon=0, discount_rate=0.01)


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ((0, 0, 5, None), None),
        ((3, 0.5, 5, 12.5), None),
        ((3, 0, 5, 12.5), "recency must be greater than 0"),
        ((0, 0, 5, 0), None),
        ((2, 6, 5, None), "must not exceed T"),
        ((2, 4, 5, 0), "monetary_value must be greater than 0"),
        ((2, 4, 5, -1), "must not be negative"),
        ((2, 4, math.inf, None), "finite"),
    ],
)
def test_summary_row_problem(row, problem):
    found = clv.summary_row_problem(*row)
    assert found == problem if problem is None else problem in found
