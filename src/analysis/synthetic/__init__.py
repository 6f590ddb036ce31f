"""Synthetic national dataset generator (DESIGN.md section 6, issue 3).

Builds every table of the data contract for fictional forces SYN01..SYNnn from params/synthetic.yaml and
a seed, with realism targets taken from published figures and planted effects whose true values are
documented in the yaml and in the data card (data/synthetic/README.md). The same seed, scale, number of
forces and generator version give byte-identical files.

Public API:
    load_config(path=None, **overrides) -> SyntheticConfig
    generate_force(config, force_code) -> dict[table, DataFrame]
    generate_national(config) -> dict[force_code, dict[table, DataFrame]]
    write_dataset(config, out, fmt="parquet") -> Stamp
"""

from analysis.synthetic.config import GENERATOR_VERSION, SyntheticConfig, load_config
from analysis.synthetic.generate import generate_force, generate_national, iter_forces
from analysis.synthetic.write import Stamp, is_current, read_stamp, write_dataset

__all__ = [
    "GENERATOR_VERSION",
    "Stamp",
    "SyntheticConfig",
    "generate_force",
    "generate_national",
    "is_current",
    "iter_forces",
    "load_config",
    "read_stamp",
    "write_dataset",
]
