"""Write environment.yml for conda users from requirements.lock, so both pin the same versions.

The pip lock is the source of truth (the Makefile installs from it); conda users get the same pins
through conda's pip section. tests/test_hygiene.py fails when the two drift.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    pins = [
        line.strip()
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    lines = [
        "# Generated from requirements.lock by tools/write_environment_yml.py: do not edit by hand.",
        "name: cse-analysis",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        "  - python=3.11",
        "  - pip",
        "  - pip:",
        *[f"      - {pin}" for pin in pins],
        "      - -e .",
        "",
    ]
    (ROOT / "environment.yml").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
