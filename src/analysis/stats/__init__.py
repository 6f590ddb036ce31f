"""Statistical methods for the indicators: intervals, comparisons of units, survival, models, agreement.

Each submodule has one job; the public functions are re-exported here for convenience. Every function names its
method and source in its docstring and returns tidy, typed results (frozen dataclasses for single estimates,
DataFrames for vectors and tables) with a `method` string and, where a fit can fail, a `status` string
("ok", "not_reached", "separation", "not_converged", "insufficient_data").
"""

from analysis.stats.agreement import Kappa, cohens_kappa, kappa_from_table
from analysis.stats.comparison import UnitComparison, compare_units
from analysis.stats.competing import CumulativeIncidence, aalen_johansen, cumulative_incidence_at
from analysis.stats.cox import cox_regression
from analysis.stats.funnel import exact_poisson_count_limits, proportion_funnel_limits, rate_funnel_limits
from analysis.stats.intervals import Estimate, count_ci, proportion_ci, rate_ci
from analysis.stats.model_result import Dispersion, ModelResult
from analysis.stats.models import logistic_regression, poisson_dispersion, poisson_regression
from analysis.stats.multiple import benjamini_hochberg, bh_reject
from analysis.stats.overdispersion import Overdispersion, spiegelhalter_overdispersion
from analysis.stats.survival import (
    KaplanMeier,
    LogRank,
    QuantileEstimate,
    kaplan_meier,
    logrank_test,
    survival_at,
    survival_quantiles,
)
from analysis.stats.two_groups import Significance, proportion_difference_ci, proportion_ratio_ci, two_proportion_ztest

__all__ = [
    "CumulativeIncidence", "Dispersion", "Estimate", "Kappa", "KaplanMeier", "LogRank", "ModelResult",
    "Overdispersion", "QuantileEstimate", "Significance", "UnitComparison", "aalen_johansen",
    "benjamini_hochberg", "bh_reject", "cohens_kappa", "compare_units", "count_ci", "cox_regression",
    "cumulative_incidence_at", "exact_poisson_count_limits", "kappa_from_table", "kaplan_meier",
    "logistic_regression", "logrank_test", "poisson_dispersion", "poisson_regression", "proportion_ci",
    "proportion_difference_ci", "proportion_funnel_limits", "proportion_ratio_ci", "rate_ci", "rate_funnel_limits",
    "spiegelhalter_overdispersion", "survival_at", "survival_quantiles", "two_proportion_ztest",
]
