"""What the inspector's additions (issue 15) cost when a page is rendered, against the plain page, in one session.

    python benchmarks/inspector_pages.py --out OUT [--units SYN01,NATIONAL] [--repeats 3]

OUT is the output folder of a finished run (`python -m analysis run --out OUT`). For each unit, on its executed
notebook: (a) the plain page (analysis.report.export.render_notebook, what pages cost before issue 15) and
(b) the inspector's page (analysis.report.inspector: at-a-glance section and chart, downloads as XLSX, ODS
and CSV, then the same render, then the glossary links), each timed --repeats times in this process (imports
warmed first); the parts of (b) are timed too. The result goes to benchmarks/results/inspector_pages.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

RESULT = Path(__file__).resolve().parent / "results" / "inspector_pages.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--units", default="SYN01,NATIONAL")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import nbformat

    from analysis.report import downloads, glance, inspector
    from analysis.report.export import render_notebook

    rows = []
    for unit in args.units.split(","):
        folder = args.out / ("national" if unit == "NATIONAL" else f"forces/{unit}")
        source = nbformat.read(folder / "report.ipynb", as_version=4)
        scratch = Path(tempfile.mkdtemp(prefix="inspector-bench-"))
        shutil.copytree(folder, scratch / "unit", dirs_exist_ok=True)
        times: dict[str, list[float]] = {k: [] for k in ("plain", "inspector", "glance", "xlsx", "ods", "link")}
        for attempt in range(args.repeats + 1):  # the first round warms imports and caches; not counted
            nb = nbformat.from_dict(source)
            t = time.perf_counter()
            render_notebook(nb, title=unit, synthetic=True, provenance={})
            plain = time.perf_counter() - t
            nb = nbformat.from_dict(source)
            t = time.perf_counter()
            inspector.augment(nb, out_dir=args.out, unit=unit, folder=scratch / "unit", title=unit, synthetic=True)
            page = render_notebook(nb, title=unit, synthetic=True, provenance={})
            inspector.finish(page, unit)
            full = time.perf_counter() - t
            tables = [downloads.PageTable.from_metadata(m) for *_, m in inspector.page_tables(nb)]
            pub = downloads.Publication("t", "p", "d", "pr", "s", "c", True)
            t = time.perf_counter()
            downloads.write_xlsx(scratch / "b.xlsx", tables, pub)
            xlsx = time.perf_counter() - t
            t = time.perf_counter()
            downloads.write_ods(scratch / "b.ods", tables, pub)
            ods = time.perf_counter() - t
            t = time.perf_counter()
            if unit != "NATIONAL":
                inspector.glance_cell(args.out, unit, unit, True, inspector.disclosure_of(nb))
            glance_s = time.perf_counter() - t
            t = time.perf_counter()
            inspector.finish(page, unit)
            link = time.perf_counter() - t
            if attempt:
                for k, v in (("plain", plain), ("inspector", full), ("glance", glance_s), ("xlsx", xlsx), ("ods", ods),
                             ("link", link)):
                    times[k].append(v)
        shutil.rmtree(scratch, ignore_errors=True)
        med = {k: statistics.median(v) for k, v in times.items()}
        rows.append((unit, len(tables), med))
        print(unit, {k: round(v, 2) for k, v in med.items()})

    lines = ["# Inspector pages: cost of rendering a page with the issue-15 additions (benchmarks/inspector_pages.py)", "",
             f"- date: {datetime.now(timezone.utc).isoformat(timespec='seconds')}",
             f"- machine: {os.cpu_count()} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}; "
             f"load average (1 min) {os.getloadavg()[0]:.2f} (the machine is shared: times are noisy)",
             f"- run folder: {args.out}; medians of {args.repeats} repeats after one warm-up round", "",
             "| unit | tables | plain page (s) | inspector page (s) | ratio | of which at a glance | XLSX (gptables) | ODS | glossary links |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for unit, n, m in rows:
        lines.append(f"| {unit} | {n} | {m['plain']:.2f} | {m['inspector']:.2f} | {m['inspector'] / m['plain']:.1f} | "
                     f"{m['glance']:.2f} | {m['xlsx']:.2f} | {m['ods']:.2f} | {m['link']:.2f} |")
    lines += ["", "The plain page is what a page cost before issue 15; the inspector page adds the downloads (XLSX, ODS, "
              "CSV), the at-a-glance chart and table (forces) and the glossary links. Force pages are now rendered "
              "after the national run, so this cost is on the critical path of a run in which one force changed."]
    RESULT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {RESULT}")


if __name__ == "__main__":
    main()
