"""Statistical disclosure control for everything a report publishes (DESIGN.md section 5).

- `rules`: cell-by-cell rules (primary suppression, group and cross-tabulation secondary suppression, derived
  values, rounding, model gating) and their table-level checks;
- `audit`: the reader's audit: every number a unit publishes, the linear relations a reader knows, and the
  range each withheld count can take (linear programming);
- `protect`: secondary suppression driven by the audit, until no withheld count is exposed;
- `ledger`: the record of what each page publishes (every table and every figure's data), which the audit and
  the downloads read.

The names below are the package's public interface (imported by indicators, reports and the pipeline).
"""

from analysis.disclosure.audit import FINDING_COLUMNS, audit_rows, build_system, describe, exposed
from analysis.disclosure.protect import Protection, protect_rows
from analysis.disclosure.rules import (COUNT_COLUMNS, DEFAULT_GROUPS, DERIVED_COLUMNS, SUPPRESSED_SYMBOL,
                                       VIOLATION_COLUMNS, ProtectedTable, audit_crosstab, audit_results,
                                       display_table, flag_results, gate_factor_cells, gate_model_rows, is_small, model_publishable,
                                       protect_crosstab, round_to_base, suppress_results)

__all__ = ["COUNT_COLUMNS", "DEFAULT_GROUPS", "DERIVED_COLUMNS", "FINDING_COLUMNS", "SUPPRESSED_SYMBOL",
           "VIOLATION_COLUMNS", "ProtectedTable", "Protection", "audit_crosstab", "audit_results", "audit_rows",
           "build_system", "describe", "display_table", "exposed", "flag_results", "gate_factor_cells", "gate_model_rows", "is_small",
           "model_publishable", "protect_crosstab", "protect_rows", "round_to_base", "suppress_results"]
