"""Wheels PyPI refuses (or has announced it will), derived from a good real wheel (issue 11).

Nothing opaque is committed: each case takes the members of a real wheel and
writes them again with the small zip writer below, which, unlike zipfile, can
write the framing defects PyPI's upload validation refuses (data descriptors,
trailing data, local headers that disagree with the central directory). The
RECORD and WHEEL cases edit the text the wheel's own build backend wrote.

A :class:`Case` names the check and the subject the audit must report, and
what the independent readers do with the wheel: Python's ``zipfile`` (which
pip uses) and ``pip install``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from pytest_manylinux._model import Check

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

__all__ = ["CASES", "Case", "Entry", "read_entries", "write_zip"]


@dataclass(frozen=True, slots=True)
class Entry:
    """One member as the writer lays it out; the defaults write a clean deflated record."""

    name: str
    data: bytes
    method: int = zipfile.ZIP_DEFLATED
    descriptor: bool = False  # general purpose bit 3: sizes in a data descriptor after the data
    local_name: str | None = None  # a name for the local header other than the central one
    local_size_delta: int = 0  # added to the uncompressed size in the local header
    comment: bytes = b""  # the central directory's per-member comment
    mode: int = 0o644


def read_entries(wheel: Path) -> list[Entry]:
    """The members of a wheel, in archive order."""
    with zipfile.ZipFile(wheel) as zf:
        return [
            Entry(i.filename, zf.read(i), mode=(i.external_attr >> 16) & 0o777 or 0o644)
            for i in zf.infolist()
            if not i.is_dir()
        ]


def _compress(data: bytes, method: int) -> bytes:
    if method == zipfile.ZIP_STORED:
        return data
    if method == zipfile.ZIP_DEFLATED:
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush()
    if method == zipfile.ZIP_BZIP2:
        import bz2  # noqa: PLC0415 - only this case needs it

        return bz2.compress(data)
    msg = f"method {method}"
    raise ValueError(msg)


def write_zip(
    entries: list[Entry], *, prefix: bytes = b"", gap: int = 0, trailing: bytes = b"", archive_comment: bytes = b""
) -> bytes:
    """A zip of ``entries`` (APPNOTE.TXT 4.3), with ``prefix`` before it, ``gap`` stray bytes
    after the first member, ``trailing`` bytes after the end record and an archive comment."""
    out = bytearray(prefix)
    central = bytearray()
    for index, e in enumerate(entries):
        packed = _compress(e.data, e.method)
        crc = zlib.crc32(e.data)
        flags = 0x800 | (0x08 if e.descriptor else 0)
        name = e.name.encode()
        local_name = (e.local_name or e.name).encode()
        offset = len(out) - len(prefix)
        sizes = (0, 0, 0) if e.descriptor else (crc, len(packed), len(e.data) + e.local_size_delta)
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, flags, e.method, 0, 0x21, *sizes, len(local_name), 0)
        out += local_name + packed
        if e.descriptor:
            out += struct.pack("<4sIII", b"PK\x07\x08", crc, len(packed), len(e.data))
        if index == 0 and gap:
            out += b"\0" * gap
        central += struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            0x031E,  # made by: Unix, so external_attr holds st_mode
            20,
            flags,
            e.method,
            0,
            0x21,
            crc,
            len(packed),
            len(e.data),
            len(name),
            0,
            len(e.comment),
            0,
            0,
            (0o100000 | e.mode) << 16,
            offset,
        )
        central += name + e.comment
    cd_offset = len(out) - len(prefix)
    out += central
    count = len(entries)
    out += struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, len(central), cd_offset, len(archive_comment))
    return bytes(out + archive_comment + trailing)


# -- RECORD and WHEEL edits ---------------------------------------------------------------------


def _hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _record_name(entries: list[Entry]) -> str:
    return next(e.name for e in entries if e.name.endswith(".dist-info/RECORD"))


def _edit(entries: list[Entry], name: str, change: Callable[[bytes], bytes]) -> list[Entry]:
    return [replace(e, data=change(e.data)) if e.name == name else e for e in entries]


def _rows(entries: list[Entry], change: Callable[[list[str]], list[str]]) -> list[Entry]:
    """Apply ``change`` to RECORD's lines."""
    name = _record_name(entries)
    return _edit(entries, name, lambda data: "".join(change(data.decode().splitlines(keepends=True))).encode())


def _python_member(entries: list[Entry]) -> str:
    return next(e.name for e in entries if e.name.endswith(".py"))


def _elf_member(entries: list[Entry]) -> str:
    return next(e.name for e in entries if e.data[:4] == b"\x7fELF")


def _changed_after_record(entries: list[Entry]) -> tuple[list[Entry], str]:
    target = _python_member(entries)
    return _edit(entries, target, lambda data: data + b"\n# changed after RECORD was written\n"), target


def _unlisted(entries: list[Entry]) -> tuple[list[Entry], str]:
    target = _elf_member(entries)
    return _rows(entries, lambda lines: [ln for ln in lines if not ln.startswith(target + ",")]), target


def _absent(entries: list[Entry]) -> tuple[list[Entry], str]:
    ghost = entries[0].name.split("/")[0] + "/ghost.py"
    return _rows(entries, lambda lines: [f"{ghost},{_hash(b'')},0\n", *lines]), ghost


def _no_hash(entries: list[Entry]) -> tuple[list[Entry], str]:
    target = _python_member(entries)
    return _rows(
        entries, lambda lines: [f"{target},,\n" if ln.startswith(target + ",") else ln for ln in lines]
    ), target


def _weak_hash(entries: list[Entry]) -> tuple[list[Entry], str]:
    target = _python_member(entries)
    data = next(e.data for e in entries if e.name == target)
    md5 = "md5=" + base64.urlsafe_b64encode(hashlib.md5(data).digest()).rstrip(b"=").decode()  # noqa: S324 - the defect
    row = f"{target},{md5},{len(data)}\n"
    return _rows(entries, lambda lines: [row if ln.startswith(target + ",") else ln for ln in lines]), target


def _wrong_size(entries: list[Entry]) -> tuple[list[Entry], str]:
    target = _python_member(entries)
    data = next(e.data for e in entries if e.name == target)
    row = f"{target},{_hash(data)},{len(data) + 1}\n"
    return _rows(entries, lambda lines: [row if ln.startswith(target + ",") else ln for ln in lines]), target


def _listed_twice(entries: list[Entry]) -> tuple[list[Entry], str]:
    target = _python_member(entries)
    return _rows(entries, lambda lines: lines + [ln for ln in lines if ln.startswith(target + ",")]), target


def _wheel_name(entries: list[Entry]) -> str:
    return next(e.name for e in entries if e.name.endswith(".dist-info/WHEEL"))


def _rerecord(entries: list[Entry]) -> list[Entry]:
    """RECORD rewritten true to the members, so a case breaks only what it means to."""
    record = _record_name(entries)
    rows = "".join(f"{e.name},{_hash(e.data)},{len(e.data)}\n" for e in entries if e.name != record)
    return _edit(entries, record, lambda _: (rows + f"{record},,\n").encode())


def _compressed_tags(entries: list[Entry]) -> tuple[list[Entry], str]:
    def compress(data: bytes) -> bytes:
        text = data.decode()
        tags = re.findall(r"^Tag: (\S+)$", text, flags=re.MULTILINE)
        py, abi = tags[0].split("-")[:2]
        plats = ".".join(t.rsplit("-", 1)[1] for t in tags)
        body = "".join(ln for ln in text.splitlines(keepends=True) if not ln.startswith("Tag:"))
        return (body + f"Tag: {py}-{abi}-{plats}\n").encode()

    changed = _rerecord(_edit(entries, _wheel_name(entries), compress))
    line = re.search(
        r"^Tag: (\S+)$", next(e.data for e in changed if e.name == _wheel_name(changed)).decode(), re.MULTILINE
    )
    assert line is not None
    return changed, f"Tag: {line[1]}"


def _purelib_elf(entries: list[Entry]) -> tuple[list[Entry], str]:
    """An extension moved under ``<name>.data/purelib`` of a Root-Is-Purelib: false wheel (tensorflow 1.13.1)."""
    target = _elf_member(entries)
    data_dir = _wheel_name(entries).split("/")[0].removesuffix(".dist-info") + ".data"
    moved = f"{data_dir}/purelib/{target}"
    return _rerecord([replace(e, name=moved) if e.name == target else e for e in entries]), moved


# -- the cases ----------------------------------------------------------------------------------

Oracle = Literal["refuses", "accepts"]


@dataclass(frozen=True, slots=True)
class Case:
    """One defect: how to make it, what the audit reports, what zipfile and pip make of it."""

    id: str
    check: Check
    problem: str  # a substring of the violation's hint
    make: Callable[[list[Entry]], tuple[bytes, str]]  # entries -> (wheel bytes, subject)
    zipfile: Oracle = "accepts"  # whether zipfile's reading every member raises
    pip: Oracle = "accepts"
    pypi: bool = True  # the hint ends "(PyPI refuses)": warehouse's upload code refuses it
    says: str = ""  # else what the hint says PyPI does instead (warehouse's validate_record)
    notes: tuple[str, ...] = field(default=())


def _framed(
    change: Callable[[list[Entry]], list[Entry]] = lambda e: e,
    subject: Callable[[list[Entry]], str] | None = None,
    **kw: object,
) -> Callable[[list[Entry]], tuple[bytes, str]]:
    def make(entries: list[Entry]) -> tuple[bytes, str]:
        changed = change(entries)
        return write_zip(changed, **kw), subject(entries) if subject else "(archive)"  # type: ignore[arg-type]

    return make


def _text(edit: Callable[[list[Entry]], tuple[list[Entry], str]]) -> Callable[[list[Entry]], tuple[bytes, str]]:
    def make(entries: list[Entry]) -> tuple[bytes, str]:
        changed, subject = edit(entries)
        return write_zip(changed), subject

    return make


def _on_elf(**changes: object) -> Callable[[list[Entry]], list[Entry]]:
    def change(entries: list[Entry]) -> list[Entry]:
        target = _elf_member(entries)
        return [replace(e, **changes) if e.name == target else e for e in entries]  # type: ignore[arg-type]

    return change


CASES: tuple[Case, ...] = (
    Case("trailing-data", Check.ARCHIVE, "trailing data", _framed(trailing=b"appended" * 16)),
    Case("prepended-data", Check.ARCHIVE, "prepended data", _framed(prefix=b"#!/bin/sh\n" * 8)),
    Case("gap-between-members", Check.ARCHIVE, "no central record lists", _framed(gap=64, subject=lambda e: e[1].name)),
    Case(
        "data-descriptor",
        Check.ARCHIVE,
        "data descriptor",
        _framed(_on_elf(descriptor=True), subject=_elf_member),
    ),
    Case(
        "local-name-differs",
        Check.ARCHIVE,
        "directories disagree",
        _framed(_on_elf(local_name="evil.so"), subject=_elf_member),
        zipfile="refuses",
        pip="refuses",
    ),
    Case(
        "local-size-differs",
        Check.ARCHIVE,
        "local header sizes",
        _framed(_on_elf(local_size_delta=1), subject=_elf_member),
        pypi=False,  # the uncompressed size: warehouse compares the compressed one only
    ),
    Case("member-comment", Check.ARCHIVE, "member comment", _framed(_on_elf(comment=b"hi"), subject=_elf_member)),
    Case(
        "bzip2-member",
        Check.ARCHIVE,
        "compression method 12",
        _framed(_on_elf(method=zipfile.ZIP_BZIP2), subject=_elf_member),
    ),
    Case("archive-comment", Check.ARCHIVE, "archive comment", _framed(archive_comment=b"built by hand"), pypi=False),
    Case(
        "record-hash-mismatch",
        Check.RECORD,
        "does not match RECORD",
        _text(_changed_after_record),
        pypi=False,
        says="does not check it",
    ),
    Case(
        "record-member-unlisted",
        Check.RECORD,
        "missing from RECORD",
        _text(_unlisted),
        pypi=False,
        says="emails the maintainers",
    ),
    Case(
        "record-entry-absent", Check.RECORD, "no such file", _text(_absent), pypi=False, says="emails the maintainers"
    ),
    Case("record-no-hash", Check.RECORD, "no hash", _text(_no_hash), pypi=False, says="does not check it"),
    Case("record-md5", Check.RECORD, "sha256 or stronger", _text(_weak_hash), pypi=False, says="does not check it"),
    Case(
        "record-wrong-size",
        Check.RECORD,
        "bytes, the member has",
        _text(_wrong_size),
        pypi=False,
        says="does not check it",
    ),
    Case(
        "record-listed-twice", Check.RECORD, "listed twice", _text(_listed_twice), pypi=False, says="does not check it"
    ),
    Case(
        "compressed-tag-line",
        Check.WHEEL_METADATA,
        "compressed",
        _text(_compressed_tags),
        pypi=False,
        says="not check it yet",
    ),
    Case("purelib-elf", Check.WHEEL_METADATA, ".data/purelib", _text(_purelib_elf), pypi=False),
)
