"""Publication metadata: reference period, date produced, producer, status and contact (DESIGN.md section 8).

Producer, contact and the release status come from the `publication` section of params/pipeline.yaml; the
reference period from the data (a force's return period; nationally, the earliest start to the latest end)
unless the section sets one; the status is "synthetic" whenever the data are synthetic, whatever the settings
say. A report notebook shows the block under its title (`show_metadata`) and writes it to
`<output_dir>/publication.json`, from which the page's downloads (cover sheet) and the index page take it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.atomic import write_text_atomic
from analysis.settings import section

FILE = "publication.json"

PUBLICATION_DEFAULTS: dict[str, Any] = {
    "producer": "HMICFRS group-based CSE inspection: data and analysis team",
    "contact": "The inspection's data and analysis team",
    "release_status": "Management information for the inspection: not official statistics",
    "reference_period": None,
}

SYNTHETIC_STATUS = ("Synthetic data for testing and demonstration: made by the project's generator, describes no real "
                    "force, victim or suspect; not for publication")


def publication_settings(path: str | Path | None = None) -> dict[str, Any]:
    """The `publication` section with defaults; every value must be text (reference_period may be null)."""
    merged = section("publication", PUBLICATION_DEFAULTS, path)
    for key, value in merged.items():
        if value is None and key == "reference_period":
            continue
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"settings: publication.{key} must be non-empty text, got {value!r}")
    return merged


@dataclass(frozen=True)
class PublicationInfo:
    """The metadata of one page."""

    title: str
    reference_period: str
    produced: str
    producer: str
    status: str
    contact: str
    synthetic: bool

    def rows(self) -> list[tuple[str, str]]:
        return [("Reference period", self.reference_period), ("Date produced", self.produced),
                ("Producer", self.producer), ("Status", self.status), ("Contact", self.contact)]


def period_text(starts: pd.Series, ends: pd.Series) -> str:
    """'1 April 2020 to 31 March 2024' from the return periods (earliest start, latest end)."""
    start, end = pd.to_datetime(starts).min(), pd.to_datetime(ends).max()
    if pd.isna(start) or pd.isna(end):
        return "not stated in the returns"
    return f"{start.day} {start:%B %Y} to {end.day} {end:%B %Y}"


def build(title: str, profile: pd.DataFrame, synthetic: bool, params_file: str | Path | None = None,
          produced: datetime | None = None) -> PublicationInfo:
    """The metadata for a report on the forces in `profile` (force_profile rows with period_start/period_end)."""
    settings = publication_settings(params_file)
    period = settings["reference_period"] or period_text(profile["period_start"], profile["period_end"])
    when = (produced or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return PublicationInfo(title=title, reference_period=period, produced=f"{when.day} {when:%B %Y}",
                           producer=settings["producer"], status=SYNTHETIC_STATUS if synthetic else settings["release_status"],
                           contact=settings["contact"], synthetic=synthetic)


def write(info: PublicationInfo, output_dir: Path) -> Path:
    return write_text_atomic(Path(output_dir) / FILE, json.dumps(asdict(info), indent=2) + "\n")


def read(folder: Path) -> PublicationInfo | None:
    """The metadata a report notebook wrote in `folder`, or None when it wrote none."""
    path = Path(folder) / FILE
    if not path.is_file():
        return None
    try:
        return PublicationInfo(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError):
        return None


def metadata_html(info: PublicationInfo) -> str:
    """The metadata as an accessible table (every value escaped)."""
    import html

    body = "".join(f'<tr><th scope="row">{html.escape(k)}</th><td>{html.escape(v)}</td></tr>' for k, v in info.rows())
    return (f'<table class="publication-metadata"><caption>About this publication</caption>'
            f"<tbody>{body}</tbody></table>")


def show_metadata(info: PublicationInfo, output_dir: Path) -> None:
    """Show the metadata block in a notebook and write it to output_dir/publication.json."""
    from IPython.display import HTML, display

    write(info, output_dir)
    display(HTML(metadata_html(info)))
