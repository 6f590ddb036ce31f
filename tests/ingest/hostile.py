"""Build returns as they really arrive, and as an attacker would send them: real files, made byte by byte.

- `zip_bomb`: a workbook whose offences sheet inflates a thousandfold (about 1 MiB on disk, 1 GiB uncompressed),
  made without ever holding the gigabyte: one megabyte of spaces is deflated once with a full flush (which resets
  the compressor, so every repetition is the same bytes) and the zip archive is written by hand (PKWARE APPNOTE).
- `stray_cell`: a filled-in workbook with one value in Excel's last cell XFD1048576 of its offences sheet and the
  sheet's declared dimension A1:XFD1048576, as Excel saves it after a space is typed there.
- `truncated` and `bad_crc`: a workbook cut short in transfer, and one whose sheet part fails its CRC-32.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

MIB = 1024 * 1024
OFFENCES_PART = "xl/worksheets/sheet3.xml"  # the template's sheets: force_profile, networks, offences, ...


def _offences_part(archive: zipfile.ZipFile) -> str:
    """The zip member of the offences sheet (found through the workbook's relationships)."""
    workbook = archive.read("xl/workbook.xml").decode()
    rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(r'<sheet [^>]*name="offences"[^>]*r:id="([^"]+)"', workbook) or re.search(
        r'<sheet [^>]*r:id="([^"]+)"[^>]*name="offences"', workbook)
    target = re.search(rf'<Relationship [^>]*Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels)
    name = target.group(1).lstrip("/")
    return name if name.startswith("xl/") else f"xl/{name}"


def _members(data: bytes) -> tuple[list[tuple[str, bytes]], str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(i.filename, archive.read(i.filename)) for i in archive.infolist()], _offences_part(archive)


def _write_zip(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip archive (deflate) from (name, raw deflate bytes, uncompressed size, CRC-32) entries, by hand."""
    out = io.BytesIO()
    central = []
    for name, raw, size, crc in entries:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(raw), size, len(encoded), 0))
        out.write(encoded)
        out.write(raw)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(raw), size,
                                   len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    start = out.tell()
    for record in central:
        out.write(record)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


def _deflated(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def zip_bomb(workbook: bytes, inflated_mib: int = 1024, declared: int | None = None) -> bytes:
    """`workbook` with its offences sheet replaced by `inflated_mib` MiB of spaces, deflated about 1000 to 1.

    `declared`: the uncompressed size written in the archive's headers (default: the true size); a smaller one
    is a bomb that lies about its size.
    """
    members, offences = _members(workbook)
    chunk = b" " * MIB
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    raw = block * inflated_mib + compressor.flush()
    crc = 0
    for _ in range(inflated_mib):
        crc = zlib.crc32(chunk, crc)
    entries = []
    for name, content in members:
        if name == offences:
            entries.append((name, raw, inflated_mib * MIB if declared is None else declared, crc))
        else:
            entries.append((name, _deflated(content), len(content), zlib.crc32(content)))
    return _write_zip(entries)


def stray_cell(workbook: bytes, value: str = " ") -> bytes:
    """`workbook` with `value` typed into cell XFD1048576 of the offences sheet (dimension A1:XFD1048576)."""
    members, offences = _members(workbook)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            if name == offences:
                text = content.decode()
                text = re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>', text)
                cell = f'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c></row>'
                text = text.replace("</sheetData>", cell + "</sheetData>")
                content = text.encode()
            archive.writestr(name, content)
    return out.getvalue()


def truncated(workbook: bytes, keep: float = 0.6) -> bytes:
    """The first `keep` share of the workbook's bytes, as a transfer cut short leaves it."""
    return workbook[: int(len(workbook) * keep)]


def bad_crc(workbook: bytes) -> bytes:
    """`workbook` with the CRC-32 recorded for its offences sheet changed (local header and central directory)."""
    members, offences = _members(workbook)
    entries = []
    for name, content in members:
        crc = zlib.crc32(content) ^ (0xDEADBEEF if name == offences else 0)
        entries.append((name, _deflated(content), len(content), crc))
    return _write_zip(entries)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
