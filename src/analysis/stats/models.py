"""Logistic and Poisson regression wrappers returning tidy odds- or rate-ratio tables with explicit statuses.

Inputs are an outcome array and a covariate DataFrame (numbers and booleans as they are, text/categorical
columns as indicators against their first level; an intercept is added). Built on statsmodels GLM and GEE.
Standard errors (`se`):
- "model": model-based (the default without clusters); normal intervals;
- "robust": heteroskedasticity-robust sandwich HC1 (White 1980; MacKinnon and White 1985), normal intervals:
  the HC0 sandwich B^-1 (sum s_i s_i') B^-1 (s_i the score of row i, B the information) times n/(n-k), k counting
  the intercept, as R's sandwich::vcovHC(type = "HC1") for a glm. statsmodels 0.15 has no HC1 for GLM (or for
  discrete Logit): cov_type="HC1" silently falls back to HC0, so the fit is made with cov_type="HC0" and the
  factor applied here; the table, intervals and p-values use HC1, the statsmodels `fit` object keeps HC0;
- "cluster": cluster-robust sandwich (Liang and Zeger 1986) with statsmodels' small-sample factor
  G/(G-1) (n-1)/(n-k), t intervals and p-values on G-1 degrees of freedom (Cameron and Miller 2015); the
  default when `cluster` is given;
- "gee": GEE with exchangeable working correlation and the bias-reduced sandwich of Mancl and DeRouen (2001)
  for few clusters (statsmodels cov_type="bias_reduced"), also with t on G-1 degrees of freedom.
Cluster-robust and GEE errors need at least MIN_CLUSTERS (10) clusters: with fewer, the sandwich rests on too few
independent score sums (with 2 clusters its middle matrix has rank 1 whatever the number of parameters) and is
far too small; the fit then has status "too_few_clusters" and no estimate (Cameron and Miller 2015, section VI;
`min_clusters` lowers the minimum for reference checks, never below 2).
Reference distributions: wherever the standard error uses an estimated scale the interval and p-value use t, not
the normal: t on G-1 df for cluster-robust and GEE errors; t on the residual df (n - k) for quasi-Poisson
(scale="pearson") with model-based errors, as R's summary.glm for quasipoisson. Model-based errors of a
logistic or plain Poisson fit (scale fixed at 1) and the HC1 sandwich (no scale enters) use the normal.
Rows missing the outcome, any covariate, the cluster or the exposure are dropped together BEFORE clusters are
aligned (statsmodels' own missing-value handling would misalign the cluster labels); n_dropped counts them.
Perfect or quasi-complete separation is detected by linear programming before fitting (analysis.stats.separation)
and reported as status "separation" with no estimate; a fit that stops before converging has status
"not_converged"; too few rows, no variation in the outcome, a rank-deficient design or fewer than two clusters
give "insufficient_data"; fewer than MIN_CLUSTERS clusters give "too_few_clusters". Poisson fits carry the Pearson
overdispersion check.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.genmod import cov_struct, families
from statsmodels.genmod.generalized_estimating_equations import GEE
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.tools.sm_exceptions import (
    ConvergenceWarning,
    IterationLimitWarning,
    PerfectSeparationWarning,
)

from analysis.stats._arrays import check_level, z_value
from analysis.stats._rows import complete_rows
from analysis.stats.model_result import (
    MIN_CLUSTERS,
    Dispersion,
    ModelResult,
    empty_table,
    fit_collecting_warnings,
    tidy_table,
)
from analysis.stats.separation import involved_terms, logistic_separation, poisson_separation

SE_TYPES = ("auto", "model", "robust", "cluster", "gee")


def _se_text(se: str, df_inf: float | None) -> str:
    if se == "model":
        return "model-based SE" + (f", t on {df_inf:g} residual df" if df_inf is not None else "")
    if se == "robust":
        return "robust (HC1) SE"
    if se == "cluster":
        return f"cluster-robust SE (CR1), t on {df_inf:g} df"
    return f"GEE exchangeable, bias-reduced (Mancl-DeRouen) SE, t on {df_inf:g} df"


def _glm(outcome, covariates, family, measure, cluster, se, level, maxiter, exposure=None, scale=None,
         include_intercept=False, min_clusters=MIN_CLUSTERS) -> ModelResult:
    check_level(level)
    if not min_clusters >= 2:
        raise ValueError(f"min_clusters must be at least 2, got {min_clusters!r}")
    if se not in SE_TYPES:
        raise ValueError(f"se must be one of {list(SE_TYPES)}, got {se!r}")
    if se == "auto":
        se = "cluster" if cluster is not None else "model"
    if se in ("cluster", "gee") and cluster is None:
        raise ValueError(f"se={se!r} needs cluster labels")
    kind = "logistic" if measure == "odds ratio" else "Poisson"
    rows = complete_rows({"outcome": outcome}, covariates, {"cluster": cluster, "exposure": exposure})
    y = pd.Series(rows.outcomes["outcome"])
    if kind == "logistic":
        if y.dtype == bool or y.dtype == object and set(pd.unique(y)) <= {True, False}:
            y = y.astype(int)
        y = y.to_numpy(dtype=float)
        if not np.isin(y, (0.0, 1.0)).all():
            raise ValueError("the outcome of a logistic regression must be 0/1 or boolean")
    else:
        y = y.to_numpy(dtype=float)
        if (y < 0).any() or (y != np.round(y)).any():
            raise ValueError("the outcome of a Poisson regression must be non-negative counts")
    names = ["Intercept", *rows.design.columns]
    x = np.column_stack([np.ones(len(y)), rows.design.to_numpy(float)])
    n_obs, k = x.shape
    keep_terms = [t for t in names if include_intercept or t != "Intercept"]
    groups = rows.extras["cluster"]
    n_clusters = int(pd.Series(groups).nunique()) if groups is not None else None
    df_resid = float(n_obs - k)
    df_inf = float(n_clusters - 1) if se in ("cluster", "gee") else None
    if se == "model" and scale:
        df_inf = df_resid  # quasi-Poisson: the Pearson scale is estimated on the residual df
    method = f"{kind} regression ({'quasi-Poisson, Pearson scale, ' if scale else ''}{_se_text(se, df_inf)})"

    def stop(status: str, note: str, fit=None) -> ModelResult:
        return ModelResult(empty_table(keep_terms, measure), status, method, n_obs, rows.n_dropped, n_clusters,
                           df_resid, df_inf, level, False, (note,), None, None, fit)

    if n_obs <= k:
        return stop("insufficient_data", f"{n_obs} complete rows for {k} parameters")
    if np.unique(y).size < 2:
        return stop("insufficient_data", "the outcome does not vary")
    if n_clusters is not None and n_clusters < 2:
        return stop("insufficient_data", "fewer than two clusters")
    if se in ("cluster", "gee") and n_clusters < min_clusters:
        return stop("too_few_clusters", f"{n_clusters} clusters, fewer than the {min_clusters} that cluster-robust "
                                        "standard errors need")
    collapsed = _collapse_binary(y, x, groups) if (kind == "logistic" and se in ("model", "cluster")) else None
    if np.linalg.matrix_rank(collapsed.x if collapsed is not None else x) < k:
        return stop("insufficient_data", "the design matrix is rank deficient (collinear or constant terms)")
    if collapsed is not None:
        # Separation depends only on which (x, y) points occur: one row per pattern and outcome value.
        xs, ys = collapsed.points()
        separated, direction = logistic_separation(xs, ys)
    else:
        separated, direction = logistic_separation(x, y) if kind == "logistic" else poisson_separation(x, y)
    if separated:
        terms = ", ".join(involved_terms(names, direction))
        return stop("separation", f"maximum likelihood estimate does not exist; terms involved: {terms}")

    offset_kw = {}
    if exposure is not None:
        expo = rows.extras["exposure"].astype(float)
        if (expo <= 0).any():
            raise ValueError("exposure must be positive")
        offset_kw = {"exposure": expo}
    if se == "gee":
        model = GEE(y, x, groups=groups, family=family, cov_struct=cov_struct.Exchangeable(), **offset_kw)
        fit, kinds = fit_collecting_warnings(lambda: model.fit(maxiter=maxiter, cov_type="bias_reduced"))
        converged = bool(getattr(fit, "converged", True))
    elif collapsed is not None:
        model = GLM(collapsed.endog, collapsed.x, family=family)
        kwargs = {"maxiter": maxiter}
        if se == "cluster":
            kwargs.update(cov_type="cluster", cov_kwds={"groups": collapsed.groups, "use_correction": False},
                          use_t=True)
        fit, kinds = fit_collecting_warnings(lambda: model.fit(**kwargs))
        converged = bool(fit.converged)
    else:
        model = GLM(y, x, family=family, **offset_kw)
        kwargs: dict = {"maxiter": maxiter}
        if scale:
            kwargs["scale"] = "X2"
        if se == "cluster":
            kwargs.update(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        elif se == "robust":
            kwargs.update(cov_type="HC0")  # statsmodels' "HC1" for GLM is HC0 too: the factor is applied below
        fit, kinds = fit_collecting_warnings(lambda: model.fit(**kwargs))
        converged = bool(fit.converged)
    if PerfectSeparationWarning in kinds:
        return stop("separation", "statsmodels detected perfect prediction", fit)
    if not converged or kinds & {ConvergenceWarning, IterationLimitWarning}:
        return stop("not_converged", f"the fit did not converge within {maxiter} iterations", fit)

    coef = np.asarray(fit.params, dtype=float)
    bse = np.asarray(fit.bse, dtype=float)
    if se == "robust":
        bse = np.sqrt(np.diag(hc1_covariance(fit)))
    if collapsed is not None and se == "cluster":
        # CR1 with the individual-level count: G/(G-1) x (N-1)/(N-K), as statsmodels applies to unpooled rows.
        factor = n_clusters / (n_clusters - 1) * (n_obs - 1) / (n_obs - k)
        bse = bse * np.sqrt(factor)
    if df_inf is not None:
        crit = float(stats.t.ppf(1 - (1 - level) / 2, df_inf))
        pvals = 2 * stats.t.sf(np.abs(coef / bse), df_inf)
    else:
        crit = z_value(level)
        pvals = 2 * stats.norm.sf(np.abs(coef / bse))
    table = tidy_table(names, coef, bse, crit, pvals, measure)
    table = table[table["term"].isin(keep_terms)].reset_index(drop=True)
    dispersion = None
    if kind == "Poisson":
        # The check is read from a plain Poisson GLM fit. The main fit is one unless it is a GEE fit or was made
        # with the Pearson scale (which moves the fitted means in the last digits): then the GLM is refitted.
        reuse = se != "gee" and not scale
        dispersion = _dispersion_of(fit) if reuse else poisson_dispersion(y, x, offset_kw.get("exposure"), maxiter)
    notes: tuple[str, ...] = ()
    if dispersion is not None and dispersion.overdispersed and se == "model" and not scale:
        notes = ("Poisson overdispersion: model-based intervals are too narrow; use scale='pearson' or clusters",)
    return ModelResult(table, "ok", method, n_obs, rows.n_dropped, n_clusters, df_resid, df_inf, level, True, notes,
                       dispersion, None, fit)


@dataclass(frozen=True)
class _Collapsed:
    """Rows with the same covariates (and cluster) pooled into binomial counts.

    A logistic model with a few binary covariates and cluster fixed effects has few distinct rows; fitting
    the binomial model to (events, non-events) per distinct row gives the same estimates, model-based
    covariance and cluster score sums as the row-level fit, at a fraction of the cost.
    """

    x: np.ndarray
    endog: np.ndarray  # columns: events, non-events
    groups: np.ndarray | None

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        has_event = self.endog[:, 0] > 0
        has_non_event = self.endog[:, 1] > 0
        xs = np.vstack([self.x[has_event], self.x[has_non_event]])
        ys = np.concatenate([np.ones(has_event.sum()), np.zeros(has_non_event.sum())])
        return xs, ys


def _collapse_binary(y: np.ndarray, x: np.ndarray, groups, min_ratio: float = 5.0) -> _Collapsed | None:
    """Pool identical rows when that shrinks the data at least `min_ratio`-fold; None otherwise."""
    if len(y) < 1000:
        return None
    codes = pd.factorize(pd.Series(groups))[0].astype(float) if groups is not None else np.zeros(len(y))
    keys = np.column_stack([x, codes])
    # Rows are grouped by a 64-bit hash (fast), then checked against their group's first row, so a hash
    # collision can never merge different rows: it falls back to an exact sort.
    inverse, _ = pd.factorize(pd.util.hash_pandas_object(pd.DataFrame(keys), index=False).to_numpy())
    unique = keys[np.unique(inverse, return_index=True)[1]]
    if not np.array_equal(keys, unique[inverse]):
        unique, inverse = np.unique(keys, axis=0, return_inverse=True)
        inverse = inverse.ravel()
    if len(unique) * min_ratio > len(y):
        return None
    events = np.bincount(inverse, weights=y, minlength=len(unique))
    trials = np.bincount(inverse, minlength=len(unique)).astype(float)
    first = np.zeros(len(unique), dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(y))[::-1]
    pooled_groups = np.asarray(groups)[first] if groups is not None else None
    return _Collapsed(unique[:, :-1], np.column_stack([events, trials - events]), pooled_groups)


def hc1_covariance(fit) -> np.ndarray:
    """HC1 covariance of a statsmodels GLM fitted with cov_type="HC0": HC0 times n/(n-k) (MacKinnon and White
    1985), n the rows used and k the parameters including the intercept."""
    if fit.cov_type != "HC0":
        raise ValueError(f"hc1_covariance needs a fit with cov_type='HC0', got {fit.cov_type!r}")
    n, k = fit.model.exog.shape
    return np.asarray(fit.cov_params(), dtype=float) * (n / (n - k))


_DISPERSION_METHOD = "Pearson chi-square / residual df, chi-square test on residual df"


def _dispersion_of(fit) -> Dispersion:
    """The overdispersion check read from a fitted Poisson GLM (see poisson_dispersion)."""
    df = float(fit.df_resid)
    if df <= 0:
        return Dispersion(np.nan, np.nan, np.nan, df, np.nan, False, _DISPERSION_METHOD, "insufficient_data")
    pearson = float(fit.pearson_chi2)
    ratio = pearson / df
    p = float(stats.chi2.sf(pearson, df))
    return Dispersion(ratio, pearson, float(fit.deviance), df, p, bool(p < 0.05 and ratio > 1), _DISPERSION_METHOD,
                      "ok")


def poisson_dispersion(y, x, exposure=None, maxiter: int = 100) -> Dispersion:
    """Overdispersion check for a Poisson GLM: Pearson chi-square / residual df, referred to chi-square on the
    residual df (Cameron and Trivedi 2013, section 3.4); overdispersed when p < 0.05 and the ratio exceeds 1.

    y: counts; x: design matrix including the intercept column; exposure: optional positive exposures.
    """
    kw = {"exposure": np.asarray(exposure, dtype=float)} if exposure is not None else {}
    fit, _ = fit_collecting_warnings(
        lambda: GLM(np.asarray(y, float), np.asarray(x, float), family=families.Poisson(), **kw)
        .fit(maxiter=maxiter))
    return _dispersion_of(fit)


def logistic_regression(outcome, covariates: pd.DataFrame, cluster=None, se: str = "auto", level: float = 0.95,
                        maxiter: int = 100, include_intercept: bool = False,
                        min_clusters: int = MIN_CLUSTERS) -> ModelResult:
    """Logistic regression of a 0/1 (or boolean) outcome on the covariates, reporting odds ratios.

    cluster: optional labels (e.g. force code) per row; se: "auto", "model", "robust", "cluster" or "gee" (see
    module doc). The intercept row is left out of the table unless include_intercept=True. min_clusters: fewest
    clusters for cluster-robust or GEE errors (status "too_few_clusters" below it).
    """
    return _glm(outcome, covariates, families.Binomial(), "odds ratio", cluster, se, level, maxiter,
                include_intercept=include_intercept, min_clusters=min_clusters)


def poisson_regression(counts, covariates: pd.DataFrame, exposure=None, cluster=None, se: str = "auto",
                       scale: str | None = None, level: float = 0.95, maxiter: int = 100,
                       include_intercept: bool = False, min_clusters: int = MIN_CLUSTERS) -> ModelResult:
    """Poisson regression of counts on the covariates, reporting rate ratios (incidence rate ratios).

    exposure: optional positive exposures per row (e.g. child population); its log is the offset.
    scale="pearson" fits quasi-Poisson (errors scaled by the Pearson dispersion; with model-based errors the
    intervals use t on the residual df). The result's `dispersion`
    holds the overdispersion check; a note is added when model-based errors ignore detected overdispersion.
    A trend per year is poisson_regression(counts, pd.DataFrame({"year": years})): the "year" rate ratio.
    """
    if scale not in (None, "pearson"):
        raise ValueError(f"scale must be None or 'pearson', got {scale!r}")
    return _glm(counts, covariates, families.Poisson(), "rate ratio", cluster, se, level, maxiter,
                exposure=exposure, scale=scale, include_intercept=include_intercept, min_clusters=min_clusters)
