"""Pooling identical rows into binomial counts leaves a logistic fit unchanged (estimates and intervals)."""

import numpy as np
import pandas as pd
import pytest

from analysis.stats import models


def _data(n=6000, clusters=12, seed=3):
    rng = np.random.default_rng(seed)
    force = rng.integers(0, clusters, n)
    a = rng.random(n) < 0.4
    b = rng.random(n) < 0.3
    logit = -1.0 + 0.8 * a - 0.5 * b + 0.3 * (force % 4)
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    covariates = pd.DataFrame({"a": a.astype(float), "b": b.astype(float), "force": [f"F{f:02d}" for f in force]})
    return y.astype(float), covariates, np.array([f"F{f:02d}" for f in force])


@pytest.mark.parametrize("se", ["model", "cluster"])
def test_collapsed_fit_equals_row_level_fit(se, monkeypatch):
    y, covariates, force = _data()
    pooled = models.logistic_regression(y, covariates, cluster=force if se == "cluster" else None, se=se)
    assert isinstance(pooled.fit.model.endog, np.ndarray) and pooled.fit.model.endog.shape[0] < 200
    monkeypatch.setattr(models, "_collapse_binary", lambda *args, **kwargs: None)
    rows = models.logistic_regression(y, covariates, cluster=force if se == "cluster" else None, se=se)
    assert rows.fit.model.endog.shape[0] == len(y)
    merged = pooled.table.merge(rows.table, on="term", suffixes=("_pooled", "_rows"))
    assert len(merged) == len(rows.table)
    for column in ("coef", "se", "lower", "upper", "p_value"):
        np.testing.assert_allclose(merged[f"{column}_pooled"], merged[f"{column}_rows"], rtol=2e-5, atol=1e-10)  # IRLS stopping tolerance
    assert (pooled.n_obs, pooled.df_resid, pooled.n_clusters) == (rows.n_obs, rows.df_resid, rows.n_clusters)


def test_small_or_varied_data_is_not_collapsed():
    rng = np.random.default_rng(1)
    y = (rng.random(500) < 0.5).astype(float)
    assert models._collapse_binary(y, np.column_stack([np.ones(500), rng.random(500)]), None) is None


def test_separation_is_still_detected_after_pooling():
    y, covariates, force = _data()
    y = np.where(covariates["a"] == 1, 1.0, y)  # every row with a = 1 is an event: quasi-complete separation
    fit = models.logistic_regression(y, covariates, cluster=force, se="cluster")
    assert fit.status == "separation"
