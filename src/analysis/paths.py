"""Where the project's files live, so no module hard-codes a path relative to the working directory."""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parents[1]
PARAMS_DIR = PROJECT_ROOT / "params"
REFERENCE_DIR = PARAMS_DIR / "reference"
SYNTHETIC_DIR = PROJECT_ROOT / "data" / "synthetic"
OUTPUTS_DIR = PROJECT_ROOT / "outputs"  # the published tree: only `analysis run` writes here
# Where interactive and ad hoc runs write by default (git-ignored); ANALYSIS_SCRATCH moves it (e.g. per user).
SCRATCH_DIR = PROJECT_ROOT / Path(os.environ.get("ANALYSIS_SCRATCH") or "scratch").expanduser()
#: Unsuppressed results of `analysis run` (results.parquet of every unit): never shared, never linked from a page
#: (git-ignored; for --out DIR it is DIR-restricted, analysis.pipeline.layout.restricted_dir).
RESTRICTED_DIR = PROJECT_ROOT / "outputs-restricted"
DOCS_DIR = PROJECT_ROOT / "docs"
PIPELINE_YAML = PARAMS_DIR / "pipeline.yaml"  # run and disclosure settings (read by analysis.settings)
