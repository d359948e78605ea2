"""Wheel, directory or bare ELF -> members and metadata, read safely in place.

A wheel is never extracted: members are inflated straight from the zip into
memory, or, above a size threshold, into an anonymous temporary file, so peak
memory stays bounded on very large libraries. ELF files are recognised by
their magic number, not their name. Nothing is ever written next to the input
and nothing from it is executed; symlinks are never followed.
"""

from __future__ import annotations

import contextlib
import csv
import io
import lzma
import os
import re
import stat
import tempfile
import threading
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

from ._errors import InvalidWheelError, one_line
from ._model import ELF_MAGIC, ByteSource

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from types import TracebackType

__all__ = ["LIMIT_OPTIONS", "LimitOption", "Limits", "Member", "Metadata", "open_input", "parse_count", "parse_size"]

_MiB = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what one input may make us read; all configurable.

    The defaults fit the largest real wheels (tensorflow's 565 MB library)
    while refusing zip bombs and absurd archives before any work is done:
    ``max_total_bytes`` bounds the declared uncompressed size of all members
    together, checked on the central directory, so the verdict does not
    depend on the order in which threads inflate members.
    ``in_memory_bytes``: larger ELF members are inflated into an anonymous
    temporary file instead of memory.

    Bytes alone do not bound the work: a 1 MB member can claim millions of
    symbols or version needs (issue 9). The counts do, each with ample
    headroom over the largest real wheels (torch 2.x: libtorch_cpu.so has
    76,000 .dynsym entries and 55 version needs, libtorch_python.so 6,000
    undefined symbols, libtorch_cuda.so 23 DT_NEEDED): per ELF file,
    ``max_version_needs`` (Elf_Verneed and Elf_Vernaux entries),
    ``max_symbols`` (.dynsym entries), ``max_undefined`` (distinct undefined
    symbols, which are kept in memory) and ``max_needed`` (DT_NEEDED
    entries); per input, ``max_elf_members`` and ``max_work``: each .dynsym
    entry scanned costs one unit, each version need, DT_NEEDED entry and
    distinct undefined symbol kept in the facts 20 (torch 2.x spends 400,000).
    """

    max_member_bytes: int = 4096 * _MiB
    max_total_bytes: int = 16384 * _MiB
    max_entries: int = 200_000
    max_ratio: int = 1000
    in_memory_bytes: int = 512 << 10
    max_metadata_bytes: int = 64 * _MiB
    max_elf_members: int = 10_000
    max_version_needs: int = 10_000
    max_symbols: int = 1_000_000
    max_undefined: int = 100_000
    max_needed: int = 1_000
    max_work: int = 4_000_000


def parse_size(text: str) -> int:
    """``4G``, ``512M``, ``1048576`` -> bytes (binary multiples); ValueError otherwise."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().removesuffix("IB").removesuffix("B")
    scale = units.get(text[-1:], 1)
    number = text[:-1] if text[-1:] in units else text
    try:
        value = int(float(number) * scale)
    except (ValueError, OverflowError):  # "x", "nan", "inf"
        value = -1
    if value < 0:
        msg = f"not a size: {text!r}"
        raise ValueError(msg)
    return value


_MAX_COUNT_DIGITS = 18


def parse_count(text: str) -> int:
    """``10000`` or ``10_000`` -> 10000; ValueError for anything else, negatives included."""
    digits = text.strip().replace("_", "")
    # Bounding the digits keeps int() far from CPython's conversion limit.
    if not digits.isascii() or not digits.isdigit() or len(digits) > _MAX_COUNT_DIGITS:
        msg = f"not a count: {text.strip()!r}"
        raise ValueError(msg)
    return int(digits)


@dataclass(frozen=True, slots=True)
class LimitOption:
    """One configurable limit, as both the CLI and the plugin offer it."""

    field: str  # the Limits field it sets
    flag: str  # the CLI option
    ini: str  # the pytest config-file key
    help: str  # shared by both; names the default
    kind: Literal["size", "count"]

    def parse(self, text: str) -> int:
        """The value as ``Limits`` takes it; ValueError when it is not one."""
        return parse_size(text) if self.kind == "size" else parse_count(text)


def _option(field: str, flag: str, kind: Literal["size", "count"], what: str) -> LimitOption:
    default = getattr(Limits(), field)
    shown = f"{default >> 30}G" if kind == "size" else f"{default}"
    ini = "manylinux_" + flag.replace("-", "_")
    return LimitOption(field, f"--{flag}", ini, f"{what} (default {shown})", kind)


#: Every configurable limit, in help order. The CLI (``--max-symbols``) and
#: the plugin (``manylinux_max_symbols``) both build their options from this
#: table, so the two cannot drift apart.
LIMIT_OPTIONS: tuple[LimitOption, ...] = (
    _option("max_member_bytes", "max-member-size", "size", "largest member, K/M/G suffixes"),
    _option("max_total_bytes", "max-total-size", "size", "all members of one input together, K/M/G suffixes"),
    _option("max_entries", "max-entries", "count", "members in one zip"),
    _option("max_elf_members", "max-elf-members", "count", "ELF files in one input"),
    _option("max_version_needs", "max-version-needs", "count", "symbol-version needs of one ELF file"),
    _option("max_symbols", "max-symbols", "count", "dynamic symbols of one ELF file"),
    _option("max_undefined", "max-undefined", "count", "distinct undefined symbols of one ELF file"),
    _option("max_needed", "max-needed", "count", "DT_NEEDED entries of one ELF file"),
    _option("max_work", "max-work", "count", "work units for one input: 1 per dynamic symbol, 20 per entry kept"),
)


@dataclass(frozen=True, slots=True)
class Metadata:
    """What the wheel says about itself: name, tags and the files it lists."""

    name: str | None
    version: str | None
    filename_platforms: tuple[str, ...]
    wheel_platforms: tuple[str, ...] | None
    record: frozenset[str] | None
    python_tags: tuple[str, ...] = ()
    abi_tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Member:
    """One regular file inside the input, and how to identify it for caching.

    ``key`` is empty when nothing identifies the content: a file whose
    inode changed less than :data:`SETTLE_NS` ago could be rewritten within
    the same clock tick and keep every stat field. A zip member's key is
    what the central directory claims (name, CRC-32, size), which a forger
    can keep: the cache identifies a zip by its sha256 instead.
    """

    name: str
    size: int
    key: str


# Absolute, drive-relative, backslashed, or carrying control characters (NUL,
# newlines, terminal escapes, Unicode line separators) that would let a name
# hide from RECORD or rewrite the report it appears in.
_UNSAFE = re.compile(r"(^/)|(^[A-Za-z]:)|\\|[\x00-\x1f\x7f-\x9f\u2028\u2029]")

# Everything zipfile and its decompressors raise on corrupt members; zipfile
# decodes a local header's name as UTF-8 when its flag says so, hence UnicodeDecodeError.
_INFLATE_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    OSError,
    EOFError,
    NotImplementedError,
    UnicodeDecodeError,
)


class InputReader:
    """Read one wheel, directory or ELF file; use as a context manager."""

    def __init__(
        self, path: Path, limits: Limits, files: Sequence[str] | None = None, display: str | None = None
    ) -> None:
        self.path = path
        self.display = one_line(display or str(path))
        self.limits = limits
        self._zip: zipfile.ZipFile | None = None
        self._infos: dict[str, zipfile.ZipInfo] = {}
        self._files = files
        self._elf_members = 0  # counted as open_elf finds them, on several threads
        self._count_lock = threading.Lock()
        if files is not None:
            self.kind = "installed"
        elif path.is_dir():
            self.kind = "directory"
        elif not path.is_file():
            raise InvalidWheelError(self.display, "no such file or directory")
        elif _has_magic(path, ELF_MAGIC):
            self.kind = "elf"
        else:
            self.kind = "wheel"

    def __enter__(self) -> InputReader:
        if self.kind == "wheel":
            self._open_zip()
        return self

    def __exit__(self, typ: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._zip is not None:
            self._zip.close()

    def fail(self, problem: str, member: str | None = None) -> InvalidWheelError:
        """An error naming the input and member; hostile names cannot break the line."""
        return InvalidWheelError(self.display, problem, member=member)

    # -- zip ---------------------------------------------------------------

    def _open_zip(self) -> None:
        try:
            self._zip = zipfile.ZipFile(self.path)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError) as e:
            # NotImplementedError: a "version needed to extract" zipfile does not support.
            raise self.fail(f"not a readable zip archive ({e})") from e
        if len(infos) > self.limits.max_entries:
            raise self.fail(f"{len(infos)} entries exceed the limit of {self.limits.max_entries}")
        for info in infos:
            # Directory entries are checked too: nothing in a wheel may point outside it.
            # zipfile cuts names at NUL; orig_filename still has what the archive says.
            name = info.filename
            if not name or _UNSAFE.search(info.orig_filename) or ".." in name.split("/"):
                raise self.fail(
                    "unsafe member path (empty, absolute, '..', backslash or control character)",
                    info.orig_filename,
                )
            if stat.S_ISLNK(info.external_attr >> 16):
                raise self.fail("symlink member: wheels cannot carry symlinks", name)
            if info.is_dir():
                continue
            if name in self._infos:
                raise self.fail("duplicate member name", name)
            if info.flag_bits & 0x1:
                raise self.fail("encrypted member", name)
            if info.file_size > self.limits.max_member_bytes:
                raise self.fail(
                    f"declares {info.file_size} bytes, over the {self.limits.max_member_bytes}-byte member limit",
                    name,
                )
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > _MiB and ratio > self.limits.max_ratio:
                raise self.fail(f"compression ratio {ratio:.0f}:1 looks like a zip bomb", name)
            self._infos[name] = info
        total = sum(info.file_size for info in self._infos.values())
        if total > self.limits.max_total_bytes:
            raise self.fail(
                f"members would inflate to {total} bytes in total, over the {self.limits.max_total_bytes}-byte limit"
            )

    # -- members -----------------------------------------------------------

    def members(self) -> Iterator[Member]:
        """Every regular file, with a key that changes when its content does."""
        if self.kind == "wheel":
            for name, info in self._infos.items():
                yield Member(name, info.file_size, f"zip:{name}:{info.CRC:08x}:{info.file_size}")
            return
        settled = time.time_ns() - SETTLE_NS  # taken before any stat, see _file_key
        if self.kind == "elf":
            st = self.path.stat()
            yield Member(self.path.name, st.st_size, _file_key(self.path.name, st, settled))
        elif self._files is not None:
            for name in sorted(self._files):
                full = self.path / name
                try:
                    st = full.lstat()
                except OSError:
                    continue  # RECORD lists files an installer may have removed (.pyc)
                if stat.S_ISREG(st.st_mode):
                    yield Member(name, st.st_size, _file_key(name, st, settled))
        else:
            for root, dirs, files in os.walk(self.path, followlinks=False):
                dirs.sort()
                for filename in sorted(files):
                    full = Path(root, filename)
                    try:
                        st = full.lstat()
                    except OSError:
                        continue  # gone since the directory was listed
                    if not stat.S_ISREG(st.st_mode):
                        continue  # never follow symlinks out of the tree
                    name = full.relative_to(self.path).as_posix()
                    yield Member(name, st.st_size, _file_key(name, st, settled))

    @contextlib.contextmanager
    def open_elf(self, member: Member) -> Iterator[ByteSource | None]:
        """A seekable stream over the member if it is an ELF file, else None.

        A zip member is inflated lazily, only as far as it is read (see
        :class:`_Inflating`); errors while inflating are raised as
        :class:`InvalidWheelError` naming the member, whoever triggers them.
        """
        if self.kind != "wheel":
            full = self.path if self.kind == "elf" else self.path / member.name
            try:
                f = full.open("rb")
                is_elf = f.read(4) == ELF_MAGIC
            except OSError as e:
                raise self.fail(f"cannot read: {e.strerror or e}", member.name) from e
            with f:
                if is_elf:
                    self._count_elf()
                yield f if is_elf else None
            return
        assert self._zip is not None  # noqa: S101 - opened in __enter__
        info = self._infos[member.name]
        try:
            src = self._zip.open(info)
        except _INFLATE_ERRORS as e:
            raise self.fail(f"cannot inflate ({e})", member.name) from e
        with src:
            try:
                head = src.read(4)
            except _INFLATE_ERRORS as e:
                raise self.fail(f"cannot inflate ({e})", member.name) from e
            if head != ELF_MAGIC:
                yield None
                return
            self._count_elf()
            small = info.file_size <= self.limits.in_memory_bytes
            with io.BytesIO() if small else tempfile.TemporaryFile() as store:
                store.write(head)
                yield _Inflating(src, info.file_size, store, lambda problem: self.fail(problem, member.name))
            # Inflate (and discard) the rest, so zipfile checks the CRC and the
            # declared size: a corrupt wheel is a broken release, whatever the
            # parts we read say.
            try:
                while src.read(_CHUNK):
                    pass
            except _INFLATE_ERRORS as e:
                raise self.fail(f"cannot inflate ({e})", member.name) from e

    def _count_elf(self) -> None:
        """Refuse an input with more ELF files than ``max_elf_members`` (issue 9).

        Each costs a parse however small it is: 200,000 tiny ones took 26 s.
        The message names no member, since threads find them in any order.
        """
        with self._count_lock:
            self._elf_members += 1
            count = self._elf_members
        if count > self.limits.max_elf_members:
            raise self.fail(f"more than {self.limits.max_elf_members} ELF files, over the limit")

    # -- metadata ----------------------------------------------------------

    def metadata(self) -> Metadata:
        """Filename tags, WHEEL's Tag lines and RECORD's paths (wheels only)."""
        if self.kind == "installed":
            return self._installed_metadata()
        if self.kind != "wheel":
            return Metadata(None, None, (), None, None)
        from packaging.utils import InvalidWheelFilename, parse_wheel_filename  # noqa: PLC0415 - warm runs skip it

        name: str | None = None
        version: str | None = None
        platforms: tuple[str, ...] = ()
        pythons: tuple[str, ...] = ()
        abis: tuple[str, ...] = ()
        if self.path.name.endswith(".whl"):  # also ".whl" itself, which has no suffix
            try:
                dist, ver, _, tags = parse_wheel_filename(self.path.name)
            except InvalidWheelFilename as e:
                raise self.fail(f"file name is not a valid wheel name ({e})") from e
            name, version = str(dist), str(ver)
            platforms = tuple(sorted({t.platform for t in tags}))
            pythons = tuple(sorted({t.interpreter for t in tags}))
            abis = tuple(sorted({t.abi for t in tags}))
        dist_info = self._dist_info(name)
        wheel_platforms = None
        record = None
        if dist_info is not None:
            text = self._text(f"{dist_info}/WHEEL")
            if text is not None:
                wheel_platforms = _wheel_platforms(text)
            text = self._text(f"{dist_info}/RECORD")
            if text is not None:
                record = self._record(text, f"{dist_info}/RECORD")
        return Metadata(name, version, platforms, wheel_platforms, record, pythons, abis)

    def _installed_metadata(self) -> Metadata:
        """An installed distribution keeps WHEEL (with its Tag lines) and RECORD."""
        dist_info = next((n.split("/", 1)[0] for n in self._files or () if n.endswith(".dist-info/WHEEL")), None)
        wheel_platforms = record = None
        if dist_info is not None:
            for name in ("WHEEL", "RECORD"):
                full = self.path / dist_info / name
                try:
                    if full.lstat().st_size > self.limits.max_metadata_bytes:
                        raise self.fail("metadata file is too large", f"{dist_info}/{name}")
                    text = full.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                if name == "WHEEL":
                    wheel_platforms = _wheel_platforms(text)
                else:
                    record = self._record(text, f"{dist_info}/{name}")
        return Metadata(None, None, (), wheel_platforms, record)

    def _record(self, text: str, name: str) -> frozenset[str]:
        """RECORD's paths. Bare CRs split rows as csv expects; a field over csv's 128 KiB limit is an error."""
        try:
            return frozenset(row[0] for row in csv.reader(io.StringIO(text, newline="")) if row)
        except csv.Error as e:
            raise self.fail(f"RECORD is not valid CSV ({e})", name) from e

    def _dist_info(self, name: str | None) -> str | None:
        candidates = sorted({n.split("/", 1)[0] for n in self._infos if re.match(r"^[^/]+\.dist-info/", n)})
        if name is not None:
            for candidate in candidates:
                stem = candidate.rsplit("-", 1)[0] if "-" in candidate else candidate
                if re.sub(r"[-_.]+", "_", stem).lower() == name.replace("-", "_"):
                    return candidate
        return candidates[0] if candidates else None

    def _text(self, name: str) -> str | None:
        info = self._infos.get(name)
        if info is None or self._zip is None:
            return None
        if info.file_size > self.limits.max_metadata_bytes:
            raise self.fail("metadata file is too large", name)
        try:
            return self._zip.read(info).decode("utf-8", "replace")
        except _INFLATE_ERRORS as e:
            raise self.fail(f"cannot inflate ({e})", name) from e


_CHUNK = 64 << 10  # small steps keep the transient buffers of two threads small


class _Inflating:
    """A seekable view of a zip member that inflates only as far as it is read.

    What was inflated is kept in ``store`` (memory for small members, an
    anonymous temporary file for large ones), so reading backwards never
    inflates twice, and bytes past the furthest read are never stored: the
    loader's tables of a shared library end at PT_DYNAMIC, often well before
    the end of the file. ``open_elf`` inflates the rest without keeping it,
    so the zip's CRC is still checked.
    """

    def __init__(self, src: IO[bytes], size: int, store: IO[bytes], fail: Callable[[str], InvalidWheelError]) -> None:
        self._src = src
        self._size = size
        self._store = store
        self._have = store.tell()
        self._pos = 0
        self._fail = fail

    def seek(self, offset: int, whence: int = 0, /) -> int:
        base = {0: 0, 1: self._pos, 2: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def read(self, size: int = -1, /) -> bytes:
        end = self._size if size < 0 else min(self._size, self._pos + size)
        if end <= self._pos:
            return b""
        self._fill(end)
        self._store.seek(self._pos)
        data = self._store.read(end - self._pos)
        self._pos += len(data)
        return data

    def _fill(self, end: int) -> None:
        if self._have >= end:
            return
        self._store.seek(self._have)
        try:
            while self._have < end:
                chunk = self._src.read(_CHUNK)
                if not chunk:
                    raise self._fail(f"inflates to {self._have} bytes, fewer than the {self._size} it declares")
                self._store.write(chunk)
                self._have += len(chunk)
        except _INFLATE_ERRORS as e:
            raise self._fail(f"cannot inflate ({e})") from e


def _wheel_platforms(text: str) -> tuple[str, ...]:
    from packaging.tags import parse_tag  # noqa: PLC0415 - warm runs skip it

    found: set[str] = set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "tag" and value.strip():
            with contextlib.suppress(ValueError):
                found.update(t.platform for t in parse_tag(value.strip()))
    return tuple(sorted(found))


#: How long after its last change a file's stat is trusted to identify it.
#: Every write sets ctime to the kernel's coarse clock (one tick is a few
#: milliseconds), so a file changed since ``now - SETTLE_NS`` could change
#: again within the same tick without any stat field showing it.
SETTLE_NS = 1_000_000_000


def _file_key(name: str, st: os.stat_result, settled: int) -> str:
    """Size, mtime, ctime, device and inode; empty if ctime is not older than ``settled``.

    ``cp -p`` and ``touch -d`` set mtime back, but no user can set ctime: any
    write, rename or ``utime`` moves it to now (issue 14).
    """
    if st.st_ctime_ns >= settled:
        return ""
    return f"file:{name}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_dev}:{st.st_ino}"


def _has_magic(path: Path, magic: bytes) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(len(magic)) == magic
    except OSError:
        return False


def open_input(path: str | os.PathLike[str], limits: Limits | None = None) -> InputReader:
    """Open a wheel (``.whl`` or any zip), a directory tree, one ELF file, or ``installed:NAME``."""
    text = os.fspath(path)
    if text.startswith(INSTALLED_PREFIX):
        return _installed(text[len(INSTALLED_PREFIX) :], limits or Limits())
    return InputReader(Path(path), limits or Limits())


#: ``installed:NAME`` names an installed distribution instead of a file.
INSTALLED_PREFIX = "installed:"


def _installed(name: str, limits: Limits) -> InputReader:
    """The files an installed distribution's RECORD lists, read where they lie."""
    from importlib import metadata  # noqa: PLC0415

    try:
        dist = metadata.distribution(name)
    except (metadata.PackageNotFoundError, ValueError) as e:  # ValueError: an empty name
        raise InvalidWheelError(f"installed:{name}", "no installed distribution of that name") from e
    root = Path(str(dist.locate_file("")))
    files = [f.as_posix() for f in dist.files or () if not f.as_posix().startswith(("/", "../"))]
    if not files:
        raise InvalidWheelError(f"installed:{name}", "the distribution lists no files (no RECORD)")
    return InputReader(root, limits, files=files, display=f"installed:{name}")
