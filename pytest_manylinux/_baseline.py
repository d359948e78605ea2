"""Ratcheting: what each wheel needs, recorded once, and the diff when a later build needs more.

Most compatibility breaks are regressions: a new runner image or one new call
raises the glibc floor, a new dependency adds a library, a tag drops out of
the build matrix. A baseline entry records, per wheel *family* (project,
Python tag, platform family, so version bumps match), what the wheel needs
from the system; :func:`compare` judges a new build against it. Entries are
computed from an :class:`~pytest_manylinux._model.Audit` (pure), and the file
is read and written only by :func:`read_baseline`, :func:`write_baseline` and
:func:`update_baseline`.

The regression rules are wheel-wide, on purpose: vendored libraries carry a
hash in their names and functions move between files, so what counts is what
the wheel as a whole needs; files are named only to explain where a new need
comes from.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from ._errors import ManylinuxError, one_line
from ._evaluate import WheelIndex
from ._files import exclusive_lock, write_atomically
from ._policy import declared_arch, declared_libc, version_key

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ._model import Audit
    from ._render import BaselineJSON, ChangeJSON

__all__ = [
    "BASELINE_SCHEMA",
    "BASELINE_VERSION",
    "DEFAULT_SIZE_RATIO",
    "BaselineError",
    "Change",
    "Comparison",
    "Entry",
    "FileEntry",
    "compare",
    "comparison_json",
    "dumps",
    "entry_from_json",
    "entry_json",
    "entry_of",
    "family_key",
    "merge",
    "newest",
    "parse_baseline",
    "parse_size_ratio",
    "read_baseline",
    "update_baseline",
    "write_baseline",
]

#: The document type of a baseline file; bumped on incompatible changes.
BASELINE_SCHEMA = "pytest-manylinux/baseline"
BASELINE_VERSION = 1
#: A wheel may grow by this factor before its size counts as a regression.
DEFAULT_SIZE_RATIO = 1.5
#: Symbols kept per version in the file and named per change: enough to explain, bounded for hostile wheels.
MAX_SYMBOLS = 20
MAX_DETAIL = 200

# PEP 600 names of the legacy aliases, so "manylinux2014_x86_64" and "manylinux_2_17_x86_64" are one promise.
_LEGACY = {"manylinux1": "manylinux_2_5", "manylinux2010": "manylinux_2_12", "manylinux2014": "manylinux_2_17"}
_VERSIONED_TAG = re.compile(r"^(?:manylinux|musllinux)_(\d+)_(\d+)_")

Kind = Literal["regression", "improvement", "change"]


class BaselineError(ManylinuxError):
    """A baseline file that cannot be read, parsed or written; names the file."""


@dataclass(frozen=True, slots=True)
class FileEntry:
    """What one ELF file needs: the highest version per prefix (and its symbols), and libraries."""

    path: str
    versions: Mapping[str, tuple[str, tuple[str, ...]]]  # prefix -> (highest version, symbols needing it)
    external: tuple[str, ...] = ()  # DT_NEEDED the system must provide
    vendored: tuple[str, ...] = ()  # DT_NEEDED found inside the wheel


@dataclass(frozen=True, slots=True)
class Entry:
    """One wheel family's record: the wheel it was taken from and what it needs."""

    key: str
    wheel: str
    version: str | None
    most_compatible: str | None
    declared: tuple[str, ...]
    size: int | None
    files: tuple[FileEntry, ...]

    def highest(self, prefix: str) -> str | None:
        """The highest ``prefix`` version any file needs."""
        found = [f.versions[prefix][0] for f in self.files if prefix in f.versions]
        return max(found, key=version_key) if found else None

    def prefixes(self) -> set[str]:
        """Every version prefix some file needs (GLIBC, GLIBCXX, ...)."""
        return {p for f in self.files for p in f.versions}

    def external(self) -> dict[str, list[str]]:
        """Each external library -> the files that need it."""
        out: dict[str, list[str]] = {}
        for f in self.files:
            for lib in f.external:
                out.setdefault(lib, []).append(f.path)
        return out

    def vendored(self) -> set[str]:
        """Every library the wheel ships for its own files."""
        return {lib for f in self.files for lib in f.vendored}


# -- facts -> entry -----------------------------------------------------------------------------


def _tag_part(values: Iterable[str]) -> str:
    return ".".join(sorted(set(values)))


def family_key(audit: Audit) -> str:
    """``"pkg cp311-cp311 manylinux_x86_64"``: what stays the same from one release to the next."""
    facts = audit.facts
    name = Path(facts.path).name
    python = "-"
    try:
        dist, _, _, tags = parse_wheel_filename(name)
    except InvalidWheelFilename:
        project = canonicalize_name(facts.name) if facts.name else name
    else:
        project = str(dist)
        python = f"{_tag_part(t.interpreter for t in tags)}-{_tag_part(t.abi for t in tags)}"
    platforms = facts.declared_platforms
    if not facts.elves and (not platforms or set(platforms) == {"any"}):
        return f"{project} {python} any"
    libc = declared_libc(platforms) or audit.libc
    arch = declared_arch(platforms) or audit.arch or "unknown"
    return f"{project} {python} {libc.tag_prefix}_{arch}"


def entry_of(audit: Audit, size: int | None) -> Entry:
    """The baseline entry of an audited wheel; ``size`` is its file size (the caller stats it)."""
    facts = audit.facts
    index = WheelIndex(facts)
    files = []
    for elf in sorted(facts.elves, key=lambda e: e.path):
        by_version = elf.symbols_by_version()
        highest: dict[str, str] = {}
        for need in elf.version_needs:
            prefix = need.version.partition("_")[0]
            if prefix not in highest or version_key(need.version) > version_key(highest[prefix]):
                highest[prefix] = need.version
        versions = {p: (v, by_version.get(v, ())[:MAX_SYMBOLS]) for p, v in highest.items()}
        shipped = {lib for lib in elf.needed if index.shipped(elf, lib) is not None}
        files.append(
            FileEntry(
                path=elf.path,
                versions=versions,
                external=tuple(sorted(set(elf.needed) - shipped)),
                vendored=tuple(sorted(shipped)),
            )
        )
    return Entry(
        key=family_key(audit),
        wheel=Path(facts.path).name,
        version=facts.version,
        most_compatible=audit.best,
        declared=tuple(sorted(set(facts.declared_platforms))),
        size=size,
        files=tuple(files),
    )


# -- entry <-> JSON -----------------------------------------------------------------------------


def entry_json(entry: Entry) -> dict[str, object]:
    """An entry as the file stores it: every list sorted, so a re-record of the same wheel is byte-identical."""
    return {
        "wheel": entry.wheel,
        "version": entry.version,
        "most_compatible": entry.most_compatible,
        "declared": list(entry.declared),
        "size": entry.size,
        "files": {
            f.path: {
                "versions": {p: {"version": v, "symbols": list(s)} for p, (v, s) in sorted(f.versions.items())},
                "external": list(f.external),
                "vendored": list(f.vendored),
            }
            for f in entry.files
        },
    }


def parse_size_ratio(text: str) -> float:
    """A size ratchet factor as written by the user: at least 1, or 0 to turn the size check off."""
    try:
        ratio = float(text)
    except ValueError:
        ratio = -1.0
    if ratio != 0 and not ratio >= 1:
        raise ValueError(f"{text!r} is not a growth factor of at least 1 (or 0 to turn it off)")
    return ratio


def _need(ok: bool, message: str) -> None:  # noqa: FBT001 - reads as an assertion
    """Raise the one error type every malformed field gives."""
    if not ok:
        raise ValueError(message)


def _strings(value: object, where: str) -> tuple[str, ...]:
    _need(isinstance(value, list) and all(isinstance(v, str) for v in value), f"{where} must be a list of strings")
    return tuple(sorted({str(v) for v in value}))  # type: ignore[attr-defined]  # a list, checked just above


def _optional_str(value: object, where: str) -> str | None:
    _need(value is None or isinstance(value, str), f"{where} must be a string or null")
    return value  # type: ignore[return-value]  # checked just above


def entry_from_json(key: str, data: object) -> Entry:
    """An entry read back from the file; raises ``ValueError`` naming the bad field."""
    _need(isinstance(data, dict), f"{key!r} must be an object")
    assert isinstance(data, dict)  # noqa: S101 - narrowing for mypy after _need
    files = data.get("files", {})
    _need(isinstance(files, dict), f"{key!r}: files must be an object")
    parsed = []
    for path, raw in sorted(files.items()):
        where = f"{key!r}: {path!r}"
        _need(isinstance(raw, dict) and isinstance(raw.get("versions", {}), dict), f"{where} needs versions")
        versions: dict[str, tuple[str, tuple[str, ...]]] = {}
        for prefix, need in raw.get("versions", {}).items():
            _need(isinstance(need, dict) and isinstance(need.get("version"), str), f"{where}: {prefix} needs a version")
            versions[str(prefix)] = (need["version"], _strings(need.get("symbols", []), f"{where}: symbols"))
        parsed.append(
            FileEntry(
                path=str(path),
                versions=versions,
                external=_strings(raw.get("external", []), f"{where}: external"),
                vendored=_strings(raw.get("vendored", []), f"{where}: vendored"),
            )
        )
    wheel = data.get("wheel")
    _need(isinstance(wheel, str), f"{key!r}: wheel must be the file name it was recorded from")
    size = data.get("size")
    _need(size is None or (isinstance(size, int) and not isinstance(size, bool)), f"{key!r}: size must be an integer")
    return Entry(
        key=key,
        wheel=str(wheel),
        version=_optional_str(data.get("version"), f"{key!r}: version"),
        most_compatible=_optional_str(data.get("most_compatible"), f"{key!r}: most_compatible"),
        declared=_strings(data.get("declared", []), f"{key!r}: declared"),
        size=size,
        files=tuple(parsed),
    )


def dumps(entries: Mapping[str, Entry]) -> str:
    """The baseline file's text: keys sorted, two-space indent, one trailing newline."""
    doc = {
        "schema": BASELINE_SCHEMA,
        "version": BASELINE_VERSION,
        "wheels": {key: entry_json(entries[key]) for key in sorted(entries)},
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def parse_baseline(text: str, source: str) -> dict[str, Entry]:
    """Entries of a baseline file's text; every problem is one :class:`BaselineError` naming ``source``."""
    try:
        doc = json.loads(text)
        _need(
            isinstance(doc, dict) and doc.get("schema") == BASELINE_SCHEMA,
            f'not a baseline file (expected "schema": "{BASELINE_SCHEMA}")',
        )
        version = doc.get("version")
        _need(version == BASELINE_VERSION, f"baseline version {version!r} is not supported (use {BASELINE_VERSION})")
        wheels = doc.get("wheels")
        _need(isinstance(wheels, dict), "wheels must be an object")
        return {str(k): entry_from_json(str(k), v) for k, v in wheels.items()}
    except (ValueError, RecursionError) as e:
        raise BaselineError(one_line(f"{source}: {e}")) from None


def newest(entries: Iterable[Entry]) -> dict[str, Entry]:
    """One entry per family: the highest version, when a directory holds several releases."""
    from packaging.version import InvalidVersion, Version  # noqa: PLC0415

    def rank(entry: Entry) -> tuple[int, Version | str]:
        try:
            return (1, Version(entry.version or ""))
        except InvalidVersion:
            return (0, entry.version or "")

    out: dict[str, Entry] = {}
    for entry in entries:
        known = out.get(entry.key)
        if known is None or rank(entry) > rank(known):
            out[entry.key] = entry
    return out


def merge(old: Mapping[str, Entry], new: Iterable[Entry]) -> dict[str, Entry]:
    """Refresh ``old`` with ``new``: families not audited this time keep their entry (CI jobs per platform)."""
    return {**old, **{e.key: e for e in new}}


# -- the comparison ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between the baseline and this build."""

    kind: Kind
    subject: str
    before: str | None
    after: str | None
    detail: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Comparison:
    """A wheel against its family's baseline entry (None: the family is new)."""

    key: str
    baseline: Entry | None
    changes: tuple[Change, ...]

    def of(self, kind: Kind) -> tuple[Change, ...]:
        """The changes of one kind, in the order they were found."""
        return tuple(c for c in self.changes if c.kind == kind)

    @property
    def passed(self) -> bool:
        """True unless the wheel needs more than its baseline."""
        return not self.of("regression")


def _normal_tag(tag: str) -> str:
    for legacy, pep600 in _LEGACY.items():
        if tag.startswith(f"{legacy}_"):
            return pep600 + tag[len(legacy) :]
    return tag


def _tag_rank(tag: str | None) -> tuple[int, int]:
    """Lower is more compatible: ``manylinux_2_5`` < ``manylinux_2_17`` < ``linux`` (no promise)."""
    if tag is None:
        return (0, 0)
    match = _VERSIONED_TAG.match(_normal_tag(tag))
    return (int(match[1]), int(match[2])) if match else (1 << 30, 0)


def _version_changes(old: Entry, new: Entry) -> list[Change]:
    changes = []
    for prefix in sorted(old.prefixes() | new.prefixes()):
        before, after = old.highest(prefix), new.highest(prefix)
        if before == after:
            continue
        if after is not None and (before is None or version_key(after) > version_key(before)):
            detail: list[str] = []
            for f in new.files:
                version, symbols = f.versions.get(prefix, (None, ()))
                if version is not None and (before is None or version_key(version) > version_key(before)):
                    detail.extend(f"{s}@{version} in {f.path}" for s in symbols)
                    detail.extend([] if symbols else [f"{version} in {f.path}"])
            changes.append(Change("regression", prefix, before, after, tuple(detail[:MAX_DETAIL])))
        else:
            changes.append(Change("improvement", prefix, before, after))
    return changes


def _library_changes(old: Entry, new: Entry) -> list[Change]:
    before, after = old.external(), new.external()
    changes = [
        Change("regression", f"library {lib}", None, lib, tuple(f"needed by {p}" for p in after[lib][:MAX_DETAIL]))
        for lib in sorted(after.keys() - before.keys())
    ]
    changes.extend(Change("improvement", f"library {lib}", lib, None) for lib in sorted(before.keys() - after.keys()))
    gone, added = old.vendored() - new.vendored(), new.vendored() - old.vendored()
    changes.extend(Change("change", f"vendored {lib}", lib, None) for lib in sorted(gone))
    changes.extend(Change("change", f"vendored {lib}", None, lib) for lib in sorted(added))
    return changes


def _tag_changes(old: Entry, new: Entry) -> list[Change]:
    changes: list[Change] = []
    before = {_normal_tag(t): t for t in old.declared}
    after = {_normal_tag(t): t for t in new.declared}
    changes.extend(
        Change("regression", f"declared tag {before[t]}", before[t], None) for t in sorted(before.keys() - after.keys())
    )
    changes.extend(
        Change("change", f"declared tag {after[t]}", None, after[t]) for t in sorted(after.keys() - before.keys())
    )
    if _normal_tag(old.most_compatible or "") != _normal_tag(new.most_compatible or ""):
        worse = _tag_rank(new.most_compatible) > _tag_rank(old.most_compatible)
        kind: Kind = "regression" if worse else "improvement"
        changes.append(Change(kind, "most compatible tag", old.most_compatible, new.most_compatible))
    return changes


def _size_changes(old: Entry, new: Entry, ratio: float | None) -> list[Change]:
    if old.size is None or new.size is None or old.size == new.size:
        return []
    grew = new.size / old.size if old.size else float("inf")
    text = f"x{grew:.2f}"
    if ratio and grew > ratio:
        return [Change("regression", "size", _size(old.size), _size(new.size), (f"{text}, more than x{ratio:g}",))]
    return [Change("improvement" if grew < 1 else "change", "size", _size(old.size), _size(new.size), (text,))]


def _size(n: int) -> str:
    if n < 1 << 10:
        return f"{n} B"
    return f"{n / (1 << 10):.1f} KiB" if n < 1 << 20 else f"{n / (1 << 20):.1f} MiB"


def compare(baseline: Entry | None, current: Entry, *, size_ratio: float | None = DEFAULT_SIZE_RATIO) -> Comparison:
    """Judge ``current`` against its family's baseline entry: regressions fail, improvements are reported.

    A family with no entry is new: nothing to compare, nothing fails.
    """
    if baseline is None:
        return Comparison(current.key, None, ())
    changes = [
        *_version_changes(baseline, current),
        *_library_changes(baseline, current),
        *_tag_changes(baseline, current),
        *_size_changes(baseline, current, size_ratio),
    ]
    before_files, after_files = {f.path for f in baseline.files}, {f.path for f in current.files}
    changes.extend(Change("change", f"file {p}", p, None) for p in sorted(before_files - after_files))
    changes.extend(Change("change", f"file {p}", None, p) for p in sorted(after_files - before_files))
    return Comparison(current.key, baseline, tuple(changes))


def comparison_json(comparison: Comparison, wheel: str, source: str, *, updated: bool = False) -> BaselineJSON:
    """The comparison as plain, capped data, to ride on a test report and into the JSON and Markdown reports.

    ``wheel`` is the audited wheel as the reports name it; ``source`` the baseline (file or wheels).
    """

    def change(c: Change) -> ChangeJSON:
        return {
            "kind": c.kind,
            "subject": c.subject,
            "before": c.before,
            "after": c.after,
            "detail": list(c.detail[:MAX_DETAIL]),
            "detail_more": max(0, len(c.detail) - MAX_DETAIL),
        }

    status: Literal["unchanged", "changed", "improved", "regressed", "new"]
    if comparison.baseline is None:
        status = "new"
    elif not comparison.passed:
        status = "regressed"
    elif comparison.of("improvement"):
        status = "improved"
    else:
        status = "changed" if comparison.changes else "unchanged"
    return {
        "baseline": source,
        "key": comparison.key,
        "wheel": wheel,
        "recorded_from": comparison.baseline.wheel if comparison.baseline else None,
        "status": status,
        "updated": updated,
        "changes": [change(c) for c in comparison.changes[:MAX_DETAIL]],
        "changes_more": max(0, len(comparison.changes) - MAX_DETAIL),
    }


# -- the file: the only I/O ------------------------------------------------------------------------


def read_baseline(path: Path) -> dict[str, Entry]:
    """The entries of a baseline file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise BaselineError(one_line(f"{path}: cannot read the baseline: {e.strerror or e}")) from None
    except UnicodeDecodeError:
        raise BaselineError(one_line(f"{path}: not a baseline file (not UTF-8)")) from None
    return parse_baseline(text, str(path))


def write_baseline(path: Path, entries: Mapping[str, Entry]) -> bool:
    """Write ``entries`` atomically (temporary file + rename, mode 0644); False when the file already says so."""
    text = dumps(entries)
    try:
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass  # unreadable or not ours: replace it
    try:
        write_atomically(path, text)
    except OSError as e:
        raise BaselineError(one_line(f"{path}: cannot write the baseline: {e.strerror or e}")) from None
    return True


def update_baseline(path: Path, new: Iterable[Entry]) -> tuple[dict[str, Entry], dict[str, Entry], bool]:
    """Merge ``new`` into the file at ``path``: (the entries it held, the entries written, whether it changed).

    CI jobs recording their wheels into one file at once each read it, merged
    and renamed their version over it, and the last rename dropped the others'
    families (issue 19). Reading, merging and writing hold an exclusive lock
    on ``.NAME.lock`` beside the file, for the CLI and the pytest controller
    alike; the file itself cannot carry the lock, since each write replaces it
    with a rename and a later writer would lock the new file, not the one held.
    """
    lock = path.with_name(f".{path.name}.lock")
    try:
        with exclusive_lock(lock):
            old = read_baseline(path) if path.exists() else {}
            merged = merge(old, new)
            return old, merged, write_baseline(path, merged)
    except OSError as e:  # the lock file: a read-only directory, a full disk
        raise BaselineError(one_line(f"{lock}: cannot lock the baseline: {e.strerror or e}")) from None
