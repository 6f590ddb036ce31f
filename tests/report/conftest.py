"""Session fixtures for the reviewer-report acceptance tests (issue 6).

`reports`: one small synthetic dataset (3 forces, scale 0.3) generated once per session with the CLI; the
force notebook executed with papermill for SYN01 and SYN02 (in parallel) and the national notebook once;
each executed notebook exported to reviewer HTML as the pipeline does (analysis.report.inspector.export_page:
export_html plus the force at a glance, downloads and glossary links), the glossary and methods pages, plus an index
page (analysis.report.index.write_index). Tests only read these outputs.

SYN02's force name is replaced by `HOSTILE_NAME` (script element, event handler, javascript: link, LaTeX and
markdown; the kinds of text a force may return, which validation accepts as the force's data), so every test
of the pages also runs on a hostile name (test_page_safety.py checks it shows as literal text, nothing runs).

`axe_source`: axe-core (statement.AXE_CORE_VERSION) installed from the npm registry with npm into a cache
folder (ANALYSIS_TEST_CACHE, default ~/.cache/analysis-tests), once per machine.

`chromium` / `browser`: Debian's Chromium, installed by the set-up when missing (apt-get, as root or
through passwordless sudo). When it cannot be installed the browser tests are skipped with the reason
printed, except on CI (the CI environment variable is set), where they fail: there they must run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from analysis.pipeline.hashing import files_digest
from analysis.pipeline.manifest import git_state, package_versions
from report.browser import Browser, find_chromium

ROOT = Path(__file__).resolve().parents[2]
FORCE_NB = ROOT / "notebooks" / "force_report.ipynb"
NATIONAL_NB = ROOT / "notebooks" / "national_findings.ipynb"
FORCES = 3
SCALE = 0.3
REPORTED = ("SYN01", "SYN02")
NOTEBOOK_TIMEOUT = 900
#: SYN02's force name in the session's data: every kind of text that must show literally and run nothing.
HOSTILE_FORCE = "SYN02"
HOSTILE_NAME = ("Force 02 <script>document.title='script ran';alert('script')</script>"
                "<img src=x onerror=\"document.title='handler ran';alert('handler')\"> "
                "[click me](javascript:alert('link')) $\\undefinedcmd{x}$ **bold** _em_ # heading")


@dataclass
class Reports:
    """Everything one session's run produced."""

    data_dir: Path
    out_dir: Path
    pages: dict[str, Path] = field(default_factory=dict)  # unit (force code or "national") -> HTML page
    notebooks: dict[str, Path] = field(default_factory=dict)  # unit -> executed notebook
    figures: dict[str, Path] = field(default_factory=dict)  # unit -> figures folder
    provenance: dict[str, dict] = field(default_factory=dict)
    source: dict[str, Path] = field(default_factory=dict)  # unit -> the notebook it ran
    index: Path | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def papermill_command(notebook: Path, output: Path, parameters: dict[str, str]) -> list[str]:
    """The papermill command line a user would type (run with this interpreter)."""
    command = [sys.executable, "-m", "papermill", str(notebook), str(output), "--no-progress-bar"]
    for name, value in parameters.items():
        command += ["-p", name, str(value)]
    return command


def run_papermill(notebook: Path, output: Path, parameters: dict[str, str], timeout: float = NOTEBOOK_TIMEOUT):
    """Run papermill to completion; returns the CompletedProcess (stdout and stderr merged)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.run(papermill_command(notebook, output, parameters), cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=timeout, check=False)


def _hash_dir(folder: Path) -> str:
    """One digest of every file under `folder`, as the pipeline computes it (hashing.files_digest)."""
    return files_digest(folder, (p for p in folder.rglob("*") if p.is_file()))


def _wait(process: subprocess.Popen, log: Path, what: str) -> None:
    try:
        code = process.wait(timeout=NOTEBOOK_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise RuntimeError(f"{what}: papermill did not finish in {NOTEBOOK_TIMEOUT} s") from None
    if code != 0:
        raise RuntimeError(f"{what}: papermill failed (exit {code}):\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def synthetic_data(tmp_path_factory) -> Path:
    """The small synthetic dataset, generated once per session with the project's CLI."""
    data = tmp_path_factory.mktemp("synthetic") / "data"
    subprocess.run([sys.executable, "-m", "analysis", "generate", "--out", str(data), "--forces", str(FORCES),
                    "--scale", str(SCALE)], cwd=ROOT, check=True, capture_output=True, text=True)
    profile_path = data / HOSTILE_FORCE / "force_profile.parquet"
    profile = pd.read_parquet(profile_path)
    profile["force_name"] = HOSTILE_NAME
    profile.to_parquet(profile_path, index=False)
    return data


@pytest.fixture(scope="session")
def reports(tmp_path_factory, synthetic_data) -> Reports:
    import time

    from analysis.report.index import IndexEntry, write_index
    from analysis.report.inspector import export_page, index_downloads, index_publication, write_reference_pages

    root = tmp_path_factory.mktemp("reports")
    data, out = synthetic_data, root / "outputs"
    run = Reports(data, out)

    started = time.monotonic()
    running = []
    for code in REPORTED:
        folder = out / "forces" / code
        folder.mkdir(parents=True)
        parameters = {"force_code": code, "data_dir": str(data), "output_dir": str(folder),
                      "restricted_dir": str(root / "outputs-restricted" / "forces" / code)}
        log = root / f"{code}.log"
        with log.open("w") as stream:
            running.append((code, log, subprocess.Popen(papermill_command(FORCE_NB, folder / "report.ipynb", parameters),
                                                         cwd=ROOT, stdout=stream, stderr=subprocess.STDOUT)))
        run.notebooks[code], run.figures[code], run.source[code] = folder / "report.ipynb", folder / "figures", FORCE_NB
        run.provenance[code] = {"parameters": parameters, "input_hashes": {"data": _hash_dir(data / code)}}
    for code, log, process in running:
        _wait(process, log, code)
    run.seconds["force notebooks"] = time.monotonic() - started

    started = time.monotonic()
    folder = out / "national"
    parameters = {"results_dir": str(root / "outputs-restricted" / "forces"), "data_dir": str(data),
                  "output_dir": str(folder), "restricted_dir": str(root / "outputs-restricted" / "national")}
    folder.mkdir(parents=True)
    log = root / "national.log"
    with log.open("w") as stream:
        process = subprocess.Popen(papermill_command(NATIONAL_NB, folder / "report.ipynb", parameters), cwd=ROOT,
                                   stdout=stream, stderr=subprocess.STDOUT)
    _wait(process, log, "national")
    run.notebooks["national"], run.figures["national"], run.source["national"] = (
        folder / "report.ipynb", folder / "figures", NATIONAL_NB)
    run.provenance["national"] = {"parameters": parameters,
                                  "input_hashes": {code: _hash_dir(data / code) for code in REPORTED}}
    run.seconds["national notebook"] = time.monotonic() - started

    started = time.monotonic()
    commit, versions = git_state(ROOT)["commit"], package_versions()
    names = {}
    for code in REPORTED:
        profile = pd.read_parquet(data / code / "force_profile.parquet")
        names[code] = str(profile["force_name"].iloc[0])
    for unit, notebook in run.notebooks.items():
        provenance = {"git_commit": commit, "git_dirty": False, "data_dir": str(data), "synthetic": True,
                      "package_versions": versions, **run.provenance[unit]}
        run.provenance[unit] = provenance
        title = "National findings" if unit == "national" else f"{names[unit]} ({unit}): force report"
        depth = "../index.html" if unit == "national" else "../../index.html"
        # As the pipeline renders them (analysis.pipeline.publish.export_unit): with the force at a glance from
        # the national results, the downloads and the glossary links.
        run.pages[unit] = export_page(notebook, notebook.with_suffix(".html"), out_dir=out,
                                      unit="NATIONAL" if unit == "national" else unit, title=title, synthetic=True,
                                      provenance=provenance, index_href=depth)
    write_reference_pages(out, synthetic=True)
    forces = [IndexEntry(code, names[code], "ok", href=f"forces/{code}/report.html",
                         downloads=index_downloads(out, code)) for code in REPORTED]
    forces += [IndexEntry(f"SYN{n:02d}", f"SYN{n:02d}", "not run") for n in range(len(REPORTED) + 1, FORCES + 1)]
    run.index = write_index(out / "index.html", national=IndexEntry("NATIONAL", "National findings", "ok",
                                                                    href="national/report.html",
                                                                    downloads=index_downloads(out, "NATIONAL")),
                            forces=forces, synthetic=True,
                            provenance={"git_commit": commit, "package_versions": versions},
                            publication=index_publication(out, True))
    run.seconds["export"] = time.monotonic() - started
    (root / "timings.json").write_text(json.dumps(run.seconds, indent=2))
    print(f"\nreport fixture timings (s): {json.dumps({k: round(v, 1) for k, v in run.seconds.items()})}")
    return run


# ------------------------------------------------------------------------------------------------
# Chromium


def _install_chromium() -> str:
    """Install Debian's chromium with apt-get; returns '' on success or why it could not be installed."""
    if shutil.which("apt-get") is None:
        return "apt-get is not available (not a Debian-based system)"
    if os.geteuid() == 0:
        prefix = []
    elif shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        prefix = ["sudo", "-n"]
    else:
        return "not root and no passwordless sudo, so apt-get cannot install chromium"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        done = subprocess.run(prefix + command, capture_output=True, text=True, env=env, timeout=1800, check=False)
        if done.returncode != 0:
            return f"`{' '.join(command)}` failed (exit {done.returncode}): {done.stderr.strip()[-500:]}"
    return ""


@pytest.fixture(scope="session")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        reason = _install_chromium()
        path = find_chromium()
        if path is None:
            message = f"headless Chromium is unavailable: {reason or 'installed, but no chromium executable found'}"
            print(message, file=sys.stderr)
            if os.environ.get("CI"):
                pytest.fail(message + " (CI must run the browser tests)")
            pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser(chromium, tmp_path_factory):
    with Browser(chromium, tmp_path_factory.mktemp("chromium") / "profile") as instance:
        yield instance


# ------------------------------------------------------------------------------------------------
# axe-core


def _cache_dir() -> Path:
    return Path(os.environ.get("ANALYSIS_TEST_CACHE") or Path.home() / ".cache" / "analysis-tests")


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's browser build (axe.min.js), pinned to statement.AXE_CORE_VERSION, installed with npm from the
    registry into the test cache once; skipped (failed on CI) when npm or the registry is unavailable."""
    from analysis.report.statement import AXE_CORE_VERSION

    folder = _cache_dir() / f"axe-core-{AXE_CORE_VERSION}"
    script = folder / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        npm = shutil.which("npm")
        reason = "npm is not installed" if npm is None else ""
        if npm:
            folder.mkdir(parents=True, exist_ok=True)
            done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(folder),
                                   f"axe-core@{AXE_CORE_VERSION}"], capture_output=True, text=True, timeout=600,
                                  check=False)
            if done.returncode != 0:
                reason = f"npm install axe-core@{AXE_CORE_VERSION} failed: {done.stderr.strip()[-500:]}"
        if not script.is_file():
            message = f"axe-core is unavailable: {reason or 'installed, but axe.min.js is missing'}"
            if os.environ.get("CI"):
                pytest.fail(message + " (CI must run the accessibility tests)")
            pytest.skip(message)
    source = script.read_text(encoding="utf-8")
    installed = json.loads((script.parent / "package.json").read_text(encoding="utf-8"))["version"]
    assert installed == AXE_CORE_VERSION, f"cached axe-core is {installed}, expected {AXE_CORE_VERSION}"
    return source
