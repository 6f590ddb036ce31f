"""Statistical methods for the indicators: intervals, comparisons of units, survival, models, agreement.

Each submodule has one job; the public functions are re-exported here for convenience. Every function names its
method and source in its docstring and returns tidy, typed results (frozen dataclasses for single estimates,
DataFrames for vectors and tables) with a `method` string and, where a fit can fail, a `status` string.
"""

from analysis.stats.comparison import UnitComparison, compare_units
from analysis.stats.funnel import exact_poisson_count_limits, proportion_funnel_limits, rate_funnel_limits
from analysis.stats.intervals import Estimate, count_ci, proportion_ci, rate_ci
from analysis.stats.multiple import benjamini_hochberg, bh_reject
from analysis.stats.overdispersion import Overdispersion, spiegelhalter_overdispersion
from analysis.stats.two_groups import Significance, proportion_difference_ci, proportion_ratio_ci, two_proportion_ztest

__all__ = [
    "Estimate", "Overdispersion", "Significance", "UnitComparison", "benjamini_hochberg", "bh_reject",
    "compare_units", "count_ci", "exact_poisson_count_limits", "proportion_ci", "proportion_difference_ci",
    "proportion_funnel_limits", "proportion_ratio_ci", "rate_ci", "rate_funnel_limits",
    "spiegelhalter_overdispersion", "two_proportion_ztest",
]
