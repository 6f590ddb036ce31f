"""Detect when a maximum likelihood estimate does not exist, by linear programming, before trusting a fit.

statsmodels only warns on perfect separation and still reports convergence (REFERENCE_VALUES.md), and it does
not notice quasi-complete separation at all, so the wrappers check the design directly:
- logistic (Albert and Anderson 1984; Konis 2007, "Linear programming algorithms for detecting separated
  data in binary logistic regression models"): separation exists iff some b != 0 has x_i'b >= 0 for every
  y_i = 1 and x_i'b <= 0 for every y_i = 0 with at least one strict; found by maximising the sum of the signed
  x_i'b subject to those constraints and -1 <= b <= 1;
- Poisson (Santos Silva and Tenreyro 2010, Economics Letters 107:310-312): the estimate does not exist iff some
  b has x_i'b = 0 for every y_i > 0 and x_i'b <= 0 for every y_i = 0, with at least one strict.
Columns are scaled to unit maximum so that one tolerance suits any units of measurement. The terms with a
non-zero direction in the solution are the ones whose estimates run off to infinity.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

_TOL = 1e-7


def _scaled(x: np.ndarray) -> np.ndarray:
    scale = np.abs(x).max(axis=0)
    return x / np.where(scale > 0, scale, 1.0)


def _solve(c: np.ndarray, a_ub, b_ub, a_eq, b_eq, k: int) -> tuple[bool, np.ndarray]:
    res = optimize.linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=[(-1.0, 1.0)] * k,
                           method="highs")
    if res.status != 0:
        return False, np.zeros(k)
    return bool(-res.fun > _TOL), res.x


def logistic_separation(x: np.ndarray, y: np.ndarray) -> tuple[bool, np.ndarray]:
    """(separated, direction) for a binary outcome y (0/1) and design matrix x (with intercept column)."""
    xs = _scaled(np.asarray(x, dtype=float))
    sign = np.where(np.asarray(y) > 0.5, 1.0, -1.0)
    signed = xs * sign[:, None]
    # maximise sum_i s_i x_i'b subject to s_i x_i'b >= 0  <=>  minimise -sum(signed) b with -signed b <= 0
    return _solve(-signed.sum(axis=0), -signed, np.zeros(len(y)), None, None, xs.shape[1])


def poisson_separation(x: np.ndarray, y: np.ndarray) -> tuple[bool, np.ndarray]:
    """(non-existence, direction) for a count outcome y and design matrix x."""
    xs = _scaled(np.asarray(x, dtype=float))
    y = np.asarray(y, dtype=float)
    zero, pos = xs[y == 0], xs[y > 0]
    if zero.shape[0] == 0:
        return False, np.zeros(xs.shape[1])
    a_eq = pos if pos.shape[0] else None
    b_eq = np.zeros(pos.shape[0]) if pos.shape[0] else None
    # maximise -sum_{y=0} x_i'b subject to x_i'b <= 0 (y = 0) and x_i'b = 0 (y > 0)
    return _solve(zero.sum(axis=0), zero, np.zeros(zero.shape[0]), a_eq, b_eq, xs.shape[1])


def involved_terms(names: list[str], direction: np.ndarray) -> list[str]:
    """Names of the terms with a non-zero component in the separating direction."""
    return [n for n, b in zip(names, direction, strict=True) if abs(b) > 1e-6]
