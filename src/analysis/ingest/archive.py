"""Check a workbook's zip archive before any part of it is parsed: complete, undamaged, and within the limits.

An .xlsx workbook is a zip archive of XML parts (ECMA-376 Part 2, Open Packaging Conventions). Before openpyxl
reads it, every part is decompressed once as a stream, in chunks, never held whole:
- the declared uncompressed size of each part, the total, and the compression ratio of each large part are
  checked against `Limits` before decompressing (a "zip bomb" declares or reaches sizes a thousand times its own);
- the bytes actually produced are counted while streaming (a part may declare less than it inflates to), and
  reading stops as soon as a limit is passed;
- the CRC-32 of every part is verified by `zipfile` at the end of its stream, and an archive cut short in
  transfer has no central directory or ends inside a part: both are `damaged`, with a message asking the force to
  send the file again (never "not a spreadsheet" nor "a fault in the software");
- worksheet parts are searched for formula elements (`<f>`) on the way, so that formulas are looked for only in
  workbooks that have them.

OWASP's "Denial of Service via XML/zip" guidance (file upload cheat sheet) is the basis of the checks.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from analysis.ingest.issues import ReadError
from analysis.ingest.limits import Limits, megabytes

CHUNK = 1024 * 1024
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
#: The first bytes of a zip archive (local file header, or an empty archive's end record).
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def damaged(path: Path, detail: str) -> ReadError:
    """The error for a workbook that is damaged or incomplete (rule `damaged`)."""
    return ReadError("damaged", f"{path.name} is damaged or incomplete ({detail}): ask the force to send it again. "
                                "Excel may offer to repair it, but a repaired file can silently lose values, so "
                                "the force should send the file again from its own copy.")


def too_large(path: Path, what: str, found: str, limit: str, setting: str) -> ReadError:
    """The error for a file beyond a reading limit (rule `too_large`), naming the part and the limit."""
    return ReadError("too_large", f"{path.name}: {what} is {found}, more than the limit of {limit} "
                                  f"(ingest.{setting} in params/pipeline.yaml); it was not read. If the return really "
                                  "is this large, the inspection team can raise the limit; otherwise ask the force to "
                                  "save it again from Excel (a stray value far below or to the right of the data, or a "
                                  "file that is not a plain workbook, can cause this).")


@dataclass
class ArchiveCheck:
    """What the check found: parts with formulas, and the uncompressed size of each part (bytes)."""

    formula_parts: set[str] = field(default_factory=set)
    sizes: dict[str, int] = field(default_factory=dict)


def check_archive(path: Path, limits: Limits) -> ArchiveCheck:
    """Decompress every part of the workbook at `path` as a stream and check it (see the module docstring).

    Raises ReadError with rule `damaged` (bad CRC, truncated, unreadable compression) or `too_large` (a limit
    passed); returns the parts holding formulas. Memory used is one chunk, whatever the archive holds.
    """
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise damaged(path, f"the zip archive is incomplete: {error}") from None
    found = ArchiveCheck()
    with archive:
        infos = archive.infolist()
        for info in infos:
            _check_declared(path, info, limits)
        declared_total = sum(i.file_size for i in infos)
        if declared_total > limits.max_total_bytes:
            raise too_large(path, "the workbook's uncompressed size (all parts together, as declared)",
                            megabytes(declared_total), megabytes(limits.max_total_bytes), "max_total_mb")
        total = 0
        for info in infos:
            if info.is_dir():
                continue
            scan = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
            size = 0
            tail = b""
            try:
                with archive.open(info) as stream:
                    while chunk := stream.read(CHUNK):
                        size += len(chunk)
                        total += len(chunk)
                        if size > limits.max_part_bytes:
                            raise too_large(path, f"the part {info.filename} once uncompressed", f"over {megabytes(limits.max_part_bytes)}",
                                            megabytes(limits.max_part_bytes), "max_part_mb")
                        if total > limits.max_total_bytes:
                            raise too_large(path, "the workbook's uncompressed size (all parts together)",
                                            f"over {megabytes(limits.max_total_bytes)}", megabytes(limits.max_total_bytes), "max_total_mb")
                        if scan and info.filename not in found.formula_parts and _FORMULA.search(tail + chunk):
                            found.formula_parts.add(info.filename)
                        tail = chunk[-16:]
            except zipfile.BadZipFile as error:
                raise damaged(path, f"the part {info.filename} fails its check: {error}") from None
            except (zlib.error, EOFError) as error:
                raise damaged(path, f"the part {info.filename} cannot be decompressed: {error}") from None
            except NotImplementedError as error:
                raise ReadError("unreadable", f"{path.name} uses a compression Excel does not write ({error}): "
                                              "save it again from Excel as 'Excel Workbook (.xlsx)'.") from None
            except RuntimeError as error:  # an encrypted member
                raise ReadError("unreadable", f"{path.name} is encrypted ({error}): remove the password and save it again "
                                              "as 'Excel Workbook (.xlsx)'.") from None
            found.sizes[info.filename] = size
    return found


def _check_declared(path: Path, info: zipfile.ZipInfo, limits: Limits) -> None:
    if info.file_size > limits.max_part_bytes:
        raise too_large(path, f"the part {info.filename} once uncompressed (as declared)", megabytes(info.file_size),
                        megabytes(limits.max_part_bytes), "max_part_mb")
    if info.file_size > limits.ratio_floor_bytes and info.compress_size > 0:
        ratio = info.file_size / info.compress_size
        if ratio > limits.max_compression_ratio:
            raise too_large(path, f"the compression ratio of the part {info.filename} "
                                  f"({megabytes(info.compress_size)} inflating to {megabytes(info.file_size)})",
                            f"{ratio:.0f} to 1", f"{limits.max_compression_ratio:g} to 1", "max_compression_ratio")
