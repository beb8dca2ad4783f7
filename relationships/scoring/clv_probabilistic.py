"""Probabilistic CLV for segments with repeat orders: BG/NBD for purchases, Gamma-Gamma for spend.

Pure functions on numpy arrays (layer one of the scoring rule): no ORM, no Django.

Per customer the inputs are the usual RFM summary of a calibration period:
- ``frequency`` x: number of *repeat* purchases (whole number, first purchase excluded);
- ``recency`` t_x: time from the first purchase to the last repeat purchase (0 when x = 0);
- ``T``: time from the first purchase to the end of the calibration period;
- ``monetary_value`` m_x: mean value of the x repeat purchases (the first one is excluded).

Units: times are in the data's period (days, weeks, ...), and every rate, horizon and parameter that
carries time (alpha, t) is in that same period. Money is in the data's currency.

References: Fader, Hardie & Lee (2005), "Counting your customers the easy way: an alternative to the
Pareto/NBD model", Marketing Science 24(2); Fader & Hardie (2013), "The Gamma-Gamma model of
monetary value" (note).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

FloatArray = NDArray[np.float64]

# Log-parameters are boxed so exp() can neither overflow nor reach zero while the optimiser explores.
_LOG_BOUND = 20.0
# On rescaled data a parameter beyond e^±12 (about 1.6e5) is a runaway, not an estimate.
_IDENTIFIED = 12.0


@dataclass(frozen=True)
class BGNBDParams:
    """Purchase rate ~ Gamma(r, alpha) (alpha in data periods); dropout p ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float


@dataclass(frozen=True)
class GammaGammaParams:
    """Transaction value ~ Gamma(p, nu), nu ~ Gamma(q, gamma) across customers (gamma in currency)."""

    p: float
    q: float
    gamma: float


@dataclass(frozen=True)
class BGNBDFit:
    params: BGNBDParams
    log_likelihood: float
    customers: int


@dataclass(frozen=True)
class GammaGammaFit:
    params: GammaGammaParams
    log_likelihood: float
    customers: int


def _as_float(values: ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def _customers(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> tuple[FloatArray, ...]:
    # Broadcast up front: the x > 0 masks below index all three arrays alike.
    return tuple(np.broadcast_arrays(_as_float(frequency), _as_float(recency), _as_float(T)))


def summary_row_problem(
    frequency: float, recency: float, T: float, monetary_value: float | None = None
) -> str | None:
    """Why one summary row breaks the models' assumptions, or None when it is usable."""
    values = (frequency, recency, T) + (() if monetary_value is None else (monetary_value,))
    if not all(math.isfinite(v) for v in values):
        return "values must be finite numbers"
    if frequency < 0 or recency < 0 or T < 0 or (monetary_value is not None and monetary_value < 0):
        return "values must not be negative"
    if frequency != int(frequency):
        return "frequency counts repeat purchases and must be a whole number"
    if T <= 0:
        return "T must be greater than 0"
    if recency > T:
        return f"recency ({recency:g}) must not exceed T ({T:g})"
    if frequency == 0 and recency != 0:
        return "recency must be 0 when frequency is 0 (there is no repeat purchase to date)"
    if frequency > 0 and recency == 0:
        # Purchases arrive in continuous time, so a repeat at the instant of the first has probability
        # zero, and one such row makes the likelihood unbounded (it grows without limit as alpha -> 0).
        return (
            "recency must be greater than 0 when frequency is greater than 0; merge orders placed in "
            "the same period as the first purchase, or measure time in a finer unit"
        )
    if monetary_value is not None and frequency > 0 and monetary_value <= 0:
        return "monetary_value must be greater than 0 when frequency is greater than 0"
    return None


def bgnbd_log_likelihood(
    params: BGNBDParams, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """Per-customer log-likelihood, FHL (2005) eq. 6, summed in log space."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, t_x, t_cal = _customers(frequency, recency, T)
    common = special.gammaln(r + x) - special.gammaln(r) + r * math.log(alpha) - special.betaln(a, b)
    still_alive = special.betaln(a, b + x) - (r + x) * np.log(alpha + t_cal)
    # The "dropped out after the last purchase" term exists only for x > 0; b + x - 1 is then > 0.
    repeat = x > 0
    dropped = np.full_like(x, -np.inf)
    dropped[repeat] = special.betaln(a + 1, b + x[repeat] - 1) - (r + x[repeat]) * np.log(alpha + t_x[repeat])
    return common + np.logaddexp(still_alive, dropped)


def gamma_gamma_log_likelihood(
    params: GammaGammaParams, frequency: ArrayLike, monetary_value: ArrayLike
) -> FloatArray:
    """Per-customer log-density of the mean spend m_x over x > 0 purchases (Fader & Hardie 2013)."""
    p, q, gamma = params.p, params.q, params.gamma
    x, m = _as_float(frequency), _as_float(monetary_value)
    px = p * x
    return (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * math.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(gamma + m * x)
    )


def _fit_positive(
    mean_neg_ll: Callable[[FloatArray], float], names: tuple[str, ...], model: str
) -> FloatArray:
    """Minimise over log-parameters from 1: L-BFGS-B gets close fast, Nelder-Mead polishes the optimum.

    The callers rescale the data so every parameter is of order 1 at a sensible optimum; one that
    runs off towards 0 or infinity means the data cannot pin the model down (too few customers or
    repeat purchases), and its numbers would be noise, so that is an error rather than a result.
    """
    start = np.zeros(len(names))
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * len(names)
    coarse = optimize.minimize(mean_neg_ll, start, method="L-BFGS-B", bounds=bounds)
    fine = optimize.minimize(
        mean_neg_ll,
        coarse.x,
        method="Nelder-Mead",
        bounds=bounds,
        options={"xatol": 1e-8, "fatol": 1e-12, "maxiter": 2000},
    )
    best = fine if fine.fun <= coarse.fun else coarse
    if not np.isfinite(best.fun):
        raise ValueError(f"the {model} likelihood is not finite at any parameters tried; check the data")
    runaway = [name for name, value in zip(names, best.x, strict=True) if abs(value) > _IDENTIFIED]
    if runaway:
        raise ValueError(
            f"the data do not identify the {model} model ({', '.join(runaway)} ran off towards 0 or "
            "infinity); fit a larger segment or a longer calibration period"
        )
    return np.exp(best.x)


def fit_bgnbd(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> BGNBDFit:
    """Maximum-likelihood BG/NBD on all customers (including those without repeat purchases)."""
    x, t_x, t_cal = _customers(frequency, recency, T)
    if not np.any(x > 0):
        # Without one repeat purchase the dropout process leaves no trace to estimate.
        raise ValueError("BG/NBD needs customers with frequency > 0 (repeat purchases)")
    # Fit in units of the longest T so alpha, a time scale, is of order 1 whatever the period.
    scale = float(np.max(t_cal))
    x_s, t_x_s, t_cal_s = x, t_x / scale, t_cal / scale

    def mean_neg_ll(log_params: FloatArray) -> float:
        return -float(np.mean(bgnbd_log_likelihood(BGNBDParams(*np.exp(log_params)), x_s, t_x_s, t_cal_s)))

    r, alpha, a, b = _fit_positive(mean_neg_ll, ("r", "alpha", "a", "b"), "BG/NBD")
    params = BGNBDParams(r=float(r), alpha=float(alpha) * scale, a=float(a), b=float(b))
    total = float(np.sum(bgnbd_log_likelihood(params, x, t_x, t_cal)))
    return BGNBDFit(params=params, log_likelihood=total, customers=int(x.size))


def fit_gamma_gamma(frequency: ArrayLike, monetary_value: ArrayLike) -> GammaGammaFit:
    """Maximum-likelihood Gamma-Gamma on the customers with at least one repeat purchase."""
    x, m = np.broadcast_arrays(_as_float(frequency), _as_float(monetary_value))
    repeat = x > 0
    x, m = x[repeat], m[repeat]
    if x.size == 0:
        raise ValueError("Gamma-Gamma needs customers with frequency > 0 (repeat purchases)")
    # Fit in units of the mean spend so gamma, a money scale, is of order 1 whatever the currency.
    scale = float(np.mean(m))
    m_s = m / scale

    def mean_neg_ll(log_params: FloatArray) -> float:
        return -float(np.mean(gamma_gamma_log_likelihood(GammaGammaParams(*np.exp(log_params)), x, m_s)))

    p, q, gamma = _fit_positive(mean_neg_ll, ("p", "q", "gamma"), "Gamma-Gamma")
    params = GammaGammaParams(p=float(p), q=float(q), gamma=float(gamma) * scale)
    total = float(np.sum(gamma_gamma_log_likelihood(params, x, m)))
    return GammaGammaFit(params=params, log_likelihood=total, customers=int(x.size))


def _alive_odds_denominator(
    params: BGNBDParams, x: FloatArray, t_x: FloatArray, t_cal: FloatArray
) -> FloatArray:
    """1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x), shared by eq. 10 and P(alive)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    repeat = x > 0
    ratio = np.zeros_like(x)
    ratio[repeat] = (a / (b + x[repeat] - 1)) * np.exp(
        (r + x[repeat]) * (np.log(alpha + t_cal[repeat]) - np.log(alpha + t_x[repeat]))
    )
    return 1.0 + ratio


def probability_alive(
    params: BGNBDParams, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """P(still active at T | x, t_x, T); exactly 1 for x = 0, since BG/NBD drops out only at a purchase."""
    x, t_x, t_cal = _customers(frequency, recency, T)
    return 1.0 / _alive_odds_denominator(params, x, t_x, t_cal)


def expected_purchases(
    params: BGNBDParams, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """E[purchases in (T, T + t] | x, t_x, T], FHL (2005) eq. 10; t in data periods. Needs a != 1."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    t = _as_float(t)
    x, t_x, t_cal = _customers(frequency, recency, T)
    horizon = alpha + t_cal + t
    hyper = special.hyp2f1(r + x, b + x, a + b + x - 1, t / horizon)
    growth = 1.0 - np.exp((r + x) * (np.log(alpha + t_cal) - np.log(horizon))) * hyper
    return ((a + b + x - 1) / (a - 1)) * growth / _alive_odds_denominator(params, x, t_x, t_cal)


def expected_average_spend(
    params: GammaGammaParams, frequency: ArrayLike, monetary_value: ArrayLike
) -> FloatArray:
    """E[mean transaction value | x, m_x]: shrinks m_x towards the population mean (x = 0 gives it)."""
    p, q, gamma = params.p, params.q, params.gamma
    x, m = _as_float(frequency), _as_float(monetary_value)
    # (gamma + m x) p / (p x + q - 1); at x = 0 this is the population mean gamma p / (q - 1), so q > 1.
    return (gamma + m * x) * p / (p * x + q - 1)


def clv(
    purchases: BGNBDParams,
    spend: GammaGammaParams,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    *,
    horizon: float,
    discount_rate: float,
    step: float = 1.0,
) -> FloatArray:
    """Discounted expected revenue over the next ``horizon`` periods, in the data's currency.

    Cash flows are booked at the end of each ``step`` (data periods) and discounted at
    ``discount_rate`` per step: with weekly data, step=52/12 and a monthly rate give monthly cash flows.
    """
    if horizon <= 0 or step <= 0 or discount_rate <= -1:
        raise ValueError("horizon and step must be positive and discount_rate greater than -1")
    x, t_x, t_cal = _customers(frequency, recency, T)
    ends = np.minimum(np.arange(1, math.ceil(horizon / step) + 1) * step, horizon)
    cumulative = np.stack([expected_purchases(purchases, end, x, t_x, t_cal) for end in ends])
    per_step = np.diff(cumulative, axis=0, prepend=np.zeros((1, *cumulative.shape[1:])))
    discount = (1.0 + discount_rate) ** -np.arange(1, ends.size + 1)
    discounted_purchases = np.tensordot(discount, per_step, axes=1)
    return expected_average_spend(spend, x, monetary_value) * discounted_purchases
