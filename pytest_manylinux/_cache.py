"""Facts of unchanged inputs, kept between runs as JSON.

An entry is keyed by what identifies the input's content (see
:func:`pytest_manylinux._audit.read_wheel_facts`): the sha256 of a wheel's or
ELF file's bytes, so a changed byte anywhere (member data, a local header, the
central directory) misses whatever its CRC-32 says; for files in a directory,
what user space cannot set back (size, mtime, ctime, device, inode), and
nothing at all for a file changed too recently to tell apart from a rewrite.
The key also holds the input's file name (its tags), the limits it was read
under and :data:`FORMAT`. Facts never depend on policy data, so one entry
serves every policy.

An entry is untrusted input like any other: decoding checks the type of every
field and every list element, and anything else (including JSON nested deep
enough to exhaust the parser) is a miss. Entries over :data:`MAX_ENTRY_BYTES`
are neither written nor read. Writes never go through a symlink, leave no
temporary file behind, and a cache that cannot be written is simply not used.
JSON, not pickle: a cache directory may be shared or restored in CI, and
loading it must never run code. Whoever can write the cache directory can
still change verdicts, as whoever can write the wheel can.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import stat
import types
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._model import WheelFacts

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = ["FORMAT", "MAX_ENTRY_BYTES", "DirCache", "decode", "default_dir", "digest", "encode", "format_of", "unsafe"]

#: Bump when what ``_elf`` reads into the same fields changes meaning; changes
#: to the fields themselves change :data:`FORMAT` on their own.
EPOCH = 4  # 4: exports read for the import checks (#10); 3: s390x hash tables, de-duplicated needs (#9)

#: Entries larger than this are neither written nor read: the biggest real
#: wheel we know (tensorflow_cpu 2.15, 565 MB of libraries) needs 1.4 MiB, and
#: a hostile wheel whose symbol names inflate a thousandfold must not make the
#: warm run need more memory than the cold one.
MAX_ENTRY_BYTES = 8 << 20

_NONE = type(None)


class _BadEntryError(Exception):
    """An entry that does not decode to the facts it should hold: a miss."""


@dataclasses.dataclass(frozen=True, slots=True)
class _Codec:
    """How one type goes to JSON and back, checking every value on the way back.

    ``leaf`` is the exact set of JSON types a scalar value may have (so a
    column of them is checked in one pass), or None for composite values.
    ``spec`` names the type's shape; :data:`FORMAT` hashes it.
    """

    spec: str
    encode: Callable[[object], object]
    decode: Callable[[object], object]
    leaf: frozenset[type] | None = None


def _identity(value: object) -> object:
    return value


def _scalar(tp: type) -> _Codec:
    def decode(value: object) -> object:
        if type(value) is not tp:  # exact: True is not an int, 1 is not a bool
            raise _BadEntryError(tp.__name__)
        return value

    return _Codec(tp.__name__, _identity, decode, frozenset({tp}))


def _optional(inner: _Codec) -> _Codec:
    def encode(value: object) -> object:
        return None if value is None else inner.encode(value)

    def decode(value: object) -> object:
        return None if value is None else inner.decode(value)

    leaf = None if inner.leaf is None else inner.leaf | {_NONE}
    return _Codec(f"{inner.spec}?", encode, decode, leaf)


def _column(inner: _Codec, value: object) -> list[object]:
    """A JSON list whose every element decodes with ``inner``."""
    if type(value) is not list:
        raise _BadEntryError("list")
    if inner.leaf is not None:
        if not set(map(type, value)) <= inner.leaf:
            raise _BadEntryError(inner.spec)
        return value
    return [inner.decode(v) for v in value]


def _sequence(inner: _Codec, make: Callable[[Iterable[object]], object], name: str) -> _Codec:
    def encode(value: object) -> object:
        items = [inner.encode(v) for v in typing.cast("Iterable[object]", value)]
        return sorted(typing.cast("list[str]", items)) if make is frozenset else items

    def decode(value: object) -> object:
        return make(_column(inner, value))

    return _Codec(f"{name}[{inner.spec}]", encode, decode)


def _rows(cls: type) -> _Codec:
    """A tuple of small dataclasses, stored as one list per field (compact, checked per column)."""
    names, fields = _fields(cls)

    def encode(value: object) -> object:
        rows = list(typing.cast("Iterable[object]", value))
        return [[codec.encode(getattr(row, name)) for row in rows] for name, codec in zip(names, fields, strict=True)]

    def decode(value: object) -> object:
        if type(value) is not list or len(value) != len(fields):
            raise _BadEntryError(cls.__name__)
        columns = [_column(codec, column) for codec, column in zip(fields, value, strict=True)]
        if len({len(column) for column in columns}) > 1:
            raise _BadEntryError(cls.__name__)
        return tuple(map(cls, *columns))

    return _Codec(f"tuple[{_record_spec(cls, names, fields)}]", encode, decode)


def _record(cls: type, *, omit: tuple[str, ...] = ()) -> _Codec:
    """A dataclass as a JSON object with exactly its fields (less ``omit``); decodes to keyword arguments."""
    names, fields = _fields(cls, omit)
    expected = set(names)

    def encode(value: object) -> object:
        return {name: codec.encode(getattr(value, name)) for name, codec in zip(names, fields, strict=True)}

    def decode(value: object) -> object:
        if type(value) is not dict or value.keys() != expected:
            raise _BadEntryError(cls.__name__)
        return {name: codec.decode(value[name]) for name, codec in zip(names, fields, strict=True)}

    return _Codec(_record_spec(cls, names, fields), encode, decode)


def _record_spec(cls: type, names: tuple[str, ...], fields: tuple[_Codec, ...]) -> str:
    return f"{cls.__name__}({','.join(f'{n}:{c.spec}' for n, c in zip(names, fields, strict=True))})"


def _fields(cls: type, omit: tuple[str, ...] = ()) -> tuple[tuple[str, ...], tuple[_Codec, ...]]:
    hints = typing.get_type_hints(cls)
    if not all(f.init for f in dataclasses.fields(cls)):
        msg = f"the facts cache rebuilds {cls.__name__} from its fields, so every field must be an __init__ argument"
        raise TypeError(msg)
    names = tuple(f.name for f in dataclasses.fields(cls) if f.name not in omit)
    return names, tuple(_codec(hints[name]) for name in names)


def _codec(tp: object) -> _Codec:
    """The codec of a field type; TypeError for a type the cache cannot keep."""
    if tp in (str, int, bool):
        return _scalar(tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (types.UnionType, typing.Union) and len(args) == 2 and _NONE in args:  # noqa: PLR2004 - X | None
        return _optional(_codec(next(a for a in args if a is not _NONE)))
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:  # noqa: PLR2004 - tuple[X, ...]
        item = args[0]
        if dataclasses.is_dataclass(item) and isinstance(item, type):
            return _rows(item)
        return _sequence(_codec(item), tuple, "tuple")
    if origin is frozenset and args == (str,):
        return _sequence(_codec(args[0]), frozenset, "frozenset")
    msg = f"the facts cache cannot store a field of type {tp!r}; teach pytest_manylinux._cache._codec it"
    raise TypeError(msg)


def format_of(cls: type, *, omit: tuple[str, ...] = ()) -> str:
    """The format of entries holding ``cls``: changes with any field's name, type or order."""
    return _format(_record(cls, omit=omit))


def _format(codec: _Codec) -> str:
    return hashlib.sha256(f"{EPOCH}\0{codec.spec}".encode()).hexdigest()[:16]


# WheelFacts.path is where the input is now, so it is given to decode, not stored.
_WHEEL = _record(WheelFacts, omit=("path",))
#: The entry format: derived from the fields of WheelFacts and everything in it.
FORMAT = _format(_WHEEL)


def digest(kind: str, filename: str, keys: Iterable[str]) -> str:
    """The cache key of one input: its kind, file name and what identifies its content."""
    h = hashlib.sha256(f"pytest-manylinux facts {FORMAT}\0{kind}\0{filename}\0".encode())
    for key in keys:
        h.update(key.encode("utf-8", "surrogateescape"))
        h.update(b"\0")
    return h.hexdigest()


def encode(facts: WheelFacts) -> dict[str, Any]:
    """WheelFacts as JSON-ready data; RECORD is kept only for the ELF paths it covers."""
    record = facts.record
    if record is not None:
        facts = dataclasses.replace(facts, record=frozenset(e.path for e in facts.elves if e.path in record))
    out = typing.cast("dict[str, Any]", _WHEEL.encode(facts))
    out["format"] = FORMAT
    return out


def decode(data: object, path: str) -> WheelFacts | None:
    """Back to WheelFacts for the input at ``path``; None if the entry is unusable."""
    if type(data) is not dict or data.get("format") != FORMAT:
        return None
    body = {k: v for k, v in data.items() if k != "format"}
    try:
        return WheelFacts(path=path, **typing.cast("dict[str, Any]", _WHEEL.decode(body)))
    # TypeError, ValueError: a check a facts class may make in __post_init__.
    except (_BadEntryError, TypeError, ValueError, RecursionError, MemoryError):
        return None  # a damaged or foreign entry is a miss, never an error


def default_dir() -> Path:
    """``$XDG_CACHE_HOME/pytest-manylinux`` (``~/.cache/pytest-manylinux``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pytest-manylinux"


_KEY = re.compile(r"[0-9a-f]{16,128}")
# Absent on Windows: read with getattr so importing never fails there; unsafe() keeps them unused.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_DIR_FLAGS = os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC


def _capable() -> bool:
    """Whether this OS offers what the safe path below needs: ``O_NOFOLLOW``, ``O_DIRECTORY`` and ``dir_fd``."""
    needed = {os.open, os.mkdir, os.unlink, os.rename}
    return hasattr(os, "O_NOFOLLOW") and hasattr(os, "O_DIRECTORY") and needed <= os.supports_dir_fd


def unsafe() -> str | None:
    """Why the cache is off on this OS (Windows), or None where it works.

    Without ``O_NOFOLLOW`` and ``dir_fd`` a link planted in the cache
    directory could redirect a write or a read; rather than a weaker
    equivalent, the cache is not used there: every run reads its wheels anew.
    """
    if _capable():
        return None
    return "the facts cache is off: this OS lacks O_NOFOLLOW and dir_fd, so each run reads its wheels anew"


class DirCache:
    """One JSON file per key under ``directory/<2 hex>/``; the CLI's and the plugin's store.

    The directory itself may be a symlink (the user chose it); nothing below
    it is followed: the subdirectory is opened with ``O_NOFOLLOW`` and the
    entry is read and written relative to that descriptor. Keys must be hex
    digests, so no key can name a path.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def load(self, key: str) -> dict[str, Any] | None:
        """The entry under ``key``; None for a miss, a bad entry, anything odd on disk, or an :func:`unsafe` OS."""
        if not _KEY.fullmatch(key) or unsafe():
            return None
        try:
            blob = self._read(key)
            data = json.loads(blob) if blob is not None else None
        except (OSError, ValueError, RecursionError, MemoryError):  # ValueError: bad JSON or UTF-8
            return None
        return data if type(data) is dict else None

    def _read(self, key: str) -> bytes | None:
        sub = os.open(self.directory / key[:2], _DIR_FLAGS)
        try:
            # O_NONBLOCK: a FIFO planted as an entry must not hang the run.
            fd = os.open(f"{key}.json", os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC, dir_fd=sub)
        finally:
            os.close(sub)
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_ENTRY_BYTES:
                return None
            blob = f.read(MAX_ENTRY_BYTES + 1)
        return blob if len(blob) <= MAX_ENTRY_BYTES else None

    def save(self, key: str, data: dict[str, Any]) -> None:
        """Write atomically; failing to (a full disk, a limit, a symlink, an :func:`unsafe` OS) is not an error."""
        if not _KEY.fullmatch(key) or unsafe():
            return
        try:
            blob = json.dumps(data, separators=(",", ":")).encode("ascii")
        except (TypeError, ValueError, RecursionError):
            return
        if len(blob) > MAX_ENTRY_BYTES:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            root = os.open(self.directory, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
            try:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(key[:2], 0o755, dir_fd=root)
                sub = os.open(key[:2], _DIR_FLAGS, dir_fd=root)
            finally:
                os.close(root)
            try:
                _write_new(sub, f"{key}.json", blob)
            finally:
                os.close(sub)
        except OSError:
            return


def _write_new(directory: int, name: str, blob: bytes) -> None:
    """Write ``blob`` to a fresh temporary file in ``directory``, then rename it to ``name``.

    ``O_EXCL | O_NOFOLLOW`` never opens anything that already exists, and
    ``os.replace`` over a symlink replaces the link, never its target. On any
    failure the temporary file is removed and the error re-raised.
    """
    tmp = f".tmp-{os.urandom(8).hex()}.json"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o644, dir_fd=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(tmp, name, src_dir_fd=directory, dst_dir_fd=directory)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=directory)
        raise
