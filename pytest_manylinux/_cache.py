"""Facts of unchanged inputs, kept between runs as JSON.

An entry is keyed by what identifies every member of the input (for a zip:
name, CRC-32 and size from the central directory; for files: size, mtime and
inode), the input's file name (its tags) and this module's format version. So
an entry can only be reused for byte-identical content, and facts never depend
on policy data, so one entry serves every policy.

Entries are written only after an input was read without error, so a bad
input never leaves anything behind. JSON, not pickle: a cache directory may be
shared or restored in CI, and loading it must never run code.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._model import ElfFacts, SymbolRef, VersionNeed, WheelFacts

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["FORMAT", "DirCache", "decode", "default_dir", "digest", "encode"]

#: Bump whenever ElfFacts, WheelFacts or what _elf reads changes.
FORMAT = 4

_SCALARS = (
    "elf_class",
    "little_endian",
    "machine",
    "osabi",
    "elf_type",
    "flags",
    "arch",
    "arch_problem",
    "isa",
    "interpreter",
    "soname",
    "python_init",
    "has_dynamic",
    "has_program_headers",
    "exec_stack",
)


def digest(kind: str, filename: str, keys: Iterable[str]) -> str:
    """The cache key of one input: its kind, file name and every member's key."""
    h = hashlib.sha256(f"pytest-manylinux facts {FORMAT}\0{kind}\0{filename}\0".encode())
    for key in keys:
        h.update(key.encode("utf-8", "surrogateescape"))
        h.update(b"\0")
    return h.hexdigest()


def _encode_elf(elf: ElfFacts) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(elf, name) for name in _SCALARS}
    out["path"] = elf.path
    out["needed"] = list(elf.needed)
    out["warnings"] = list(elf.warnings)
    out["exports"] = list(elf.exports)
    out["rpath"] = list(elf.rpath)
    out["runpath"] = list(elf.runpath)
    out["needs"] = [[n.library, n.version, n.weak] for n in elf.version_needs]
    out["undefined"] = [[s.name, s.version, s.library, s.weak, s.function] for s in elf.undefined]
    return out


def _decode_elf(data: dict[str, Any]) -> ElfFacts:
    return ElfFacts(
        path=data["path"],
        needed=tuple(data["needed"]),
        warnings=tuple(data.get("warnings", ())),
        exports=tuple(data["exports"]),
        rpath=tuple(data["rpath"]),
        runpath=tuple(data["runpath"]),
        version_needs=tuple(VersionNeed(lib, ver, weak) for lib, ver, weak in data["needs"]),
        undefined=tuple(SymbolRef(n, v, lib, w, f) for n, v, lib, w, f in data["undefined"]),
        **{name: data[name] for name in _SCALARS},
    )


def encode(facts: WheelFacts) -> dict[str, Any]:
    """WheelFacts as JSON-ready data; RECORD is kept only for the ELF paths it covers."""
    record = facts.record
    return {
        "format": FORMAT,
        "kind": facts.kind,
        "name": facts.name,
        "version": facts.version,
        "filename_platforms": list(facts.filename_platforms),
        "python_tags": list(facts.python_tags),
        "abi_tags": list(facts.abi_tags),
        "wheel_platforms": None if facts.wheel_platforms is None else list(facts.wheel_platforms),
        "record": None if record is None else sorted(e.path for e in facts.elves if e.path in record),
        "elves": [_encode_elf(e) for e in facts.elves],
    }


def decode(data: dict[str, Any], path: str) -> WheelFacts | None:
    """Back to WheelFacts for the input at ``path``; None if the entry is unusable."""
    try:
        if data.get("format") != FORMAT:
            return None
        return WheelFacts(
            path=path,
            kind=data["kind"],
            name=data["name"],
            version=data["version"],
            filename_platforms=tuple(data["filename_platforms"]),
            python_tags=tuple(data["python_tags"]),
            abi_tags=tuple(data["abi_tags"]),
            wheel_platforms=None if data["wheel_platforms"] is None else tuple(data["wheel_platforms"]),
            record=None if data["record"] is None else frozenset(data["record"]),
            elves=tuple(_decode_elf(e) for e in data["elves"]),
        )
    except (KeyError, TypeError, ValueError):
        return None  # a damaged or foreign entry is a miss, never an error


def default_dir() -> Path:
    """``$XDG_CACHE_HOME/pytest-manylinux`` (``~/.cache/pytest-manylinux``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pytest-manylinux"


class DirCache:
    """One JSON file per input digest in a directory; used by the CLI."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _file(self, key: str) -> Path:
        return self.directory / f"{key[:2]}" / f"{key}.json"

    def load(self, key: str) -> dict[str, Any] | None:
        try:
            data = json.loads(self._file(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def save(self, key: str, data: dict[str, Any]) -> None:
        """Write atomically; a cache that cannot be written is simply not used."""
        target = self._file(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, separators=(",", ":"))
            Path(tmp).replace(target)
        except OSError:
            return
