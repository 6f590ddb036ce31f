"""The outcome of a run as the user sees it: one line per unit, the exit code, and the summary table."""

from __future__ import annotations

from dataclasses import dataclass, field

from analysis.pipeline.cache import FAILED, INVALID, NATIONAL, OK

CURRENT = "current"


@dataclass
class UnitResult:
    """One line of the summary."""

    unit: str
    status: str  # ok | failed | skipped-invalid | current | not run
    seconds: float | None = None
    reason: str = ""  # why it ran
    failure: str = ""  # failing cell and error, or why it was skipped

    @property
    def bad(self) -> bool:
        return self.status in (FAILED, INVALID) or (self.unit == NATIONAL and self.status == "not run")


@dataclass
class RunReport:
    units: list[UnitResult] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    interrupted: int = 0  # the signal number when interrupted
    stopped: str = ""  # why the run stopped early (a storage fault), in words

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 128 + self.interrupted
        return 1 if self.stopped or any(u.bad for u in self.units) else 0

    def unit(self, name: str) -> UnitResult:
        return next(u for u in self.units if u.unit == name)

    def ran(self) -> list[str]:
        return [u.unit for u in self.units if u.status in (OK, FAILED, INVALID) and u.seconds is not None]


def format_summary(report: RunReport) -> str:
    """The final table: unit, status, seconds, why it ran, failing cell and error (or why skipped)."""
    header = ("unit", "status", "seconds", "why it ran", "failure")
    rows = [(u.unit, u.status, "" if u.seconds is None else f"{u.seconds:.1f}", u.reason, u.failure) for u in report.units]
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) if rows else len(header[i]) for i in range(4)]
    lines = []
    for row in [header, *rows]:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].rjust(widths[2]), row[3].ljust(widths[3]), row[4]]
        lines.append("  ".join(cells).rstrip())
    counts: dict[str, int] = {}
    for u in report.units:
        counts[u.status] = counts.get(u.status, 0) + 1
    lines.append(", ".join(f"{n} {status}" for status, n in counts.items()) +
                 (f"; {report.timings['total']:.1f} s" if "total" in report.timings else ""))
    if report.stopped:
        lines.append(f"run stopped: {report.stopped}")
    return "\n".join(lines)
