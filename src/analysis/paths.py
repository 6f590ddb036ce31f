"""Where the project's files live, so no module hard-codes a path relative to the working directory."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parents[1]
PARAMS_DIR = PROJECT_ROOT / "params"
REFERENCE_DIR = PARAMS_DIR / "reference"
SYNTHETIC_DIR = PROJECT_ROOT / "data" / "synthetic"
OUTPUTS_DIR = PROJECT_ROOT / "outputs"
#: Unsuppressed results (results.parquet of every unit): never shared, never linked from a page (git-ignored).
RESTRICTED_DIR = PROJECT_ROOT / "outputs-restricted"
DOCS_DIR = PROJECT_ROOT / "docs"
PIPELINE_YAML = PARAMS_DIR / "pipeline.yaml"  # run and disclosure settings (read by analysis.settings)
