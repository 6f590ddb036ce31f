"""Vectorised sampling helpers shared by the generator modules (numpy only, no Python loops over rows)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy.special import expit, ndtr, ndtri

DAY = np.timedelta64(1, "D")


def weights_to_probs(weights: Sequence[float] | np.ndarray) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"weights must be non-negative with a positive sum, got {weights!r}")
    return w / w.sum()


def categorical(rng: np.random.Generator, probs: np.ndarray, size: int) -> np.ndarray:
    """Indices drawn from one categorical distribution (inverse CDF on uniforms)."""
    cum = np.cumsum(weights_to_probs(probs))
    cum[-1] = 1.0
    return np.searchsorted(cum, rng.random(size), side="right").astype(np.int64)


def choose(rng: np.random.Generator, mapping: Mapping, size: int) -> np.ndarray:
    """Keys of `mapping` ({key: weight}) drawn with probability proportional to the weights."""
    keys = np.array(list(mapping.keys()), dtype=object)
    return keys[categorical(rng, np.array(list(mapping.values()), dtype=float), size)]


def spread(rng: np.random.Generator, bounds: Sequence[float], size: int) -> np.ndarray:
    """One value per force, uniform between two bounds (a "spread" in params/synthetic.yaml)."""
    low, high = float(bounds[0]), float(bounds[1])
    return low + (high - low) * rng.random(size)


def truncated_lognormal_days(
    rng: np.random.Generator, median: float | np.ndarray, sigma: float, upper: np.ndarray
) -> np.ndarray:
    """Whole days from a lognormal(log median, sigma) truncated to [0, upper] (inverse CDF, vectorised).

    Used for delays that must end on or before a fixed date (extraction or period end): drawing from the
    truncated law rather than clipping keeps the shape of the delay distribution and piles no mass at the
    bound.
    """
    upper = np.asarray(upper, dtype=float)
    mu = np.log(np.broadcast_to(np.asarray(median, dtype=float), upper.shape))
    cap = ndtr((np.log(np.maximum(upper, 1e-9)) - mu) / sigma)
    u = rng.random(upper.shape) * cap
    days = np.exp(mu + sigma * ndtri(np.clip(u, 1e-300, 1.0)))
    return np.clip(np.floor(days), 0, np.maximum(upper, 0)).astype(np.int64)


def growth_offsets(rng: np.random.Generator, total_days: int, annual_growth: float, size: int) -> np.ndarray:
    """Day offsets in [0, total_days] from a density growing by `annual_growth` a year (inverse CDF)."""
    lam = np.log1p(annual_growth) / 365.25
    u = rng.random(size)
    if lam == 0:
        t = u * total_days
    else:
        t = np.log1p(u * np.expm1(lam * total_days)) / lam
    return np.minimum(np.floor(t), total_days).astype(np.int64)


def solve_intercept(offset: np.ndarray, target: float, weight: np.ndarray | None = None) -> float:
    """The intercept b with mean(weight * expit(b + offset)) == target (Newton's method on a monotone curve).

    Calibrates a force's logistic model so that its expected rate equals the force's target while the
    planted odds ratios (in `offset`) stay exactly as documented.
    """
    offset = np.asarray(offset, dtype=float)
    if offset.size == 0:
        return float(np.log(target / (1 - target)))
    w = np.ones_like(offset) if weight is None else np.asarray(weight, dtype=float)
    if not 0 < target < w.mean():
        raise ValueError(f"target rate {target} is not attainable (at most {w.mean():.4f})")
    b = float(np.log(target / (1 - target)))
    for _ in range(100):
        p = expit(b + offset)
        f = np.mean(w * p) - target
        slope = np.mean(w * p * (1 - p))
        step = f / max(slope, 1e-12)
        b -= float(np.clip(step, -2.0, 2.0))
        if abs(step) < 1e-12:
            break
    return b


def group_positions(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups of the given sizes laid end to end: (group index of each item, position within group)."""
    counts = np.asarray(counts, dtype=np.int64)
    owner = np.repeat(np.arange(counts.size), counts)
    starts = np.cumsum(counts) - counts
    position = np.arange(counts.sum()) - np.repeat(starts, counts)
    return owner, position


def lognormal_quantiles(median: float, sigma: float, n: int) -> np.ndarray:
    """n evenly spaced quantiles of a lognormal: a skewed spread that does not depend on the seed."""
    p = (np.arange(n) + 0.5) / n
    return median * np.exp(sigma * ndtri(p))


def largest_remainder(total: int, shares: np.ndarray) -> np.ndarray:
    """Integers proportional to `shares` (rows) that add up exactly to `total` per row (Hamilton's method)."""
    shares = np.atleast_2d(np.asarray(shares, dtype=float))
    totals = np.broadcast_to(np.asarray(total, dtype=np.int64).reshape(-1, 1), (shares.shape[0], 1))
    exact = shares / shares.sum(axis=1, keepdims=True) * totals
    base = np.floor(exact).astype(np.int64)
    short = (totals[:, 0] - base.sum(axis=1)).astype(np.int64)
    order = np.argsort(-(exact - base), axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(shares.shape[1])[None, :].repeat(shares.shape[0], 0), axis=1)
    return base + (rank < short[:, None])
