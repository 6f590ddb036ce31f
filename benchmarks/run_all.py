"""Run every benchmark script in this folder, one after another; each writes its results/*.md.

`make benchmark` calls this. Benchmarks are slow on purpose (a million offences, the full pipeline):
they are run by hand, never by the test suite, and their recorded results are committed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ("generate_speed", "validate_speed", "indicators_speed", "cox_robust_speed", "planted_coverage",
         "pipeline_speed", "explore_sql")


def main() -> int:
    failed = []
    for name in ORDER:
        script = HERE / f"{name}.py"
        started = time.perf_counter()
        print(f"== {name}", flush=True)
        if subprocess.run([sys.executable, str(script)], check=False).returncode != 0:
            failed.append(name)
        print(f"== {name}: {time.perf_counter() - started:.0f} s", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
