"""Which ``Py*``/``_Py*`` symbols an abi3 (or abi3t) extension may bind, and since when.

An extension built for the Stable ABI (PEP 384, defined as data by PEP 652) promises to load on
every CPython from its minimum version on. What breaks that promise at load time is an undefined
dynamic symbol the interpreter does not export on some of those versions: a function outside the
Stable ABI, or one that joined it later than the wheel's minimum (the highest ``cpXY`` among its
abi3 tags). The data is CPython's ``Misc/stable_abi.toml``, turned into a compact table by
``scripts/make_stable_abi.py`` (provenance in ``stable_abi/SOURCE.txt``).

Pure: nothing here reads an ELF file or a wheel; callers pass symbol names. The one I/O is reading
the vendored table, once per process.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "ABI3T_MINIMUM",
    "ABI3T_UNUSABLE",
    "LINUX_FEATURE_MACROS",
    "Entry",
    "Offender",
    "PyVersion",
    "StableABI",
    "abi3t_hazards",
    "judge_imports",
    "minimum_abi3",
    "reserved_exports",
    "stable_abi",
]


class PyVersion(NamedTuple):
    """A CPython feature version, ordered like a tuple: ``PyVersion(3, 10) > (3, 9)``."""

    major: int
    minor: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


# Feature macros (the toml's `ifdef`) that CPython defines on Linux. HAVE_FORK: Linux has fork().
# PY_HAVE_THREAD_NATIVE_ID: pythread.h defines it for Linux (gettid). Not on Linux: MS_WINDOWS;
# USE_STACKCHECK (pythonrun.h sets it only for 32-bit MSVC builds); Py_REF_DEBUG and Py_TRACE_REFS
# (debug interpreters only, whose extensions are not abi3-compatible in the first place).
LINUX_FEATURE_MACROS = frozenset({"HAVE_FORK", "PY_HAVE_THREAD_NATIVE_ID"})

# PEP 803: abi3t exists from CPython 3.15 on ("no backwards compatibility now"), so an abi3t
# extension is never loaded by an older interpreter, whatever its cpXY tag says.
ABI3T_MINIMUM = PyVersion(3, 15)

# PEP 803: with PyObject and PyModuleDef opaque, an abi3t extension cannot build valid static input
# for these (PyModule_Create and PyModule_FromDefAndSpec are macros over the last two). They stay
# exported, so the loader binds them; calling them is the hazard.
ABI3T_UNUSABLE = frozenset({"PyModuleDef_Init", "PyModule_Create2", "PyModule_FromDefAndSpec2"})

_RESERVED_PREFIXES = ("Py", "_Py")
# Module export hooks the importer looks up by name: PEP 489's PyInit_<name> and PEP 793's
# PyModExport_<name>. An extension must define them, so they are never a hygiene problem.
_HOOK_PREFIXES = ("PyInit_", "PyModExport_")
_LINKABLE_KINDS = frozenset({"function", "data"})
_CP_TAG = re.compile(r"cp3(\d+)")
_ABI3_TAGS = frozenset({"abi3", "abi3t"})


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of ``Misc/stable_abi.toml`` as the table keeps it."""

    name: str
    kind: str  # function, data, const, macro, struct or typedef
    added: PyVersion
    abi_only: bool = False  # in the Stable ABI but no longer (or never) in the Limited API
    ifdef: str | None = None  # present only where this feature macro is defined
    layout: str | None = None  # a struct's struct_abi_kind: full-abi, opaque or members
    markers: frozenset[str] = frozenset()  # other true-valued toml keys, carried over verbatim

    @property
    def is_symbol(self) -> bool:
        """A function or data object: something the dynamic loader binds by name."""
        return self.kind in _LINKABLE_KINDS

    @property
    def on_linux(self) -> bool:
        """Exported by Linux builds of CPython (see ``LINUX_FEATURE_MACROS``)."""
        return self.ifdef is None or self.ifdef in LINUX_FEATURE_MACROS


@dataclass(frozen=True, slots=True, eq=False)
class StableABI:
    """The Stable ABI table: look-ups by symbol name."""

    entries: Mapping[str, Entry]
    source_sha256: str = ""

    @classmethod
    def parse(cls, text: str) -> StableABI:
        """Read the table format written by ``scripts/make_stable_abi.py``.

        :raises ValueError: a line that is not ``name<TAB>kind<TAB>MAJOR.MINOR<TAB>flags``.
        """
        entries: dict[str, Entry] = {}
        sha256 = ""
        for number, line in enumerate(text.splitlines(), start=1):
            if line.startswith("# source sha256 "):
                sha256 = line.removeprefix("# source sha256 ").strip()
            if not line or line.startswith("#"):
                continue
            try:
                entry = _parse_row(line)
            except ValueError as e:
                raise ValueError(f"stable ABI table line {number}: {e}: {line!r}") from e
            entries[entry.name] = entry
        return cls(MappingProxyType(entries), sha256)

    def entry(self, name: str) -> Entry | None:
        """The table's item called ``name``, of any kind, on any platform."""
        return self.entries.get(name)

    def since(self, name: str) -> PyVersion | None:
        """The version from which Linux CPython exports ``name`` as Stable ABI; None if it never does.

        Only functions and data count: a macro or a struct of the same name is not something the
        loader can bind, and a Windows-only function is not exported on Linux.
        """
        entry = self.entries.get(name)
        if entry is None or not entry.is_symbol or not entry.on_linux:
            return None
        return entry.added

    def is_data(self, name: str) -> bool:
        """``name`` is a Stable ABI data object (``PyExc_*``, ``Py*_Type``, ``_Py_NoneStruct``)."""
        entry = self.entries.get(name)
        return entry is not None and entry.kind == "data"

    def is_function(self, name: str) -> bool:
        """``name`` is a Stable ABI function."""
        entry = self.entries.get(name)
        return entry is not None and entry.kind == "function"


def _parse_row(line: str) -> Entry:
    name, kind, added, flags = line.split("\t")
    major, minor = added.split(".")
    abi_only, ifdef, layout, markers = False, None, None, set()
    for flag in flags.split(",") if flags != "-" else ():
        key, _, value = flag.partition("=")
        if key == "abi_only":
            abi_only = True
        elif key == "ifdef":
            ifdef = value
        elif key == "layout":
            layout = value
        else:
            markers.add(flag)
    return Entry(name, kind, PyVersion(int(major), int(minor)), abi_only, ifdef, layout, frozenset(markers))


@functools.lru_cache(maxsize=1)
def stable_abi() -> StableABI:
    """The vendored table, read once per process from the package data."""
    data = resources.files("pytest_manylinux") / "stable_abi" / "stable_abi.txt"
    return StableABI.parse(data.read_text(encoding="utf-8"))


@dataclass(frozen=True, slots=True)
class Offender:
    """An undefined ``Py*``/``_Py*`` symbol that breaks the wheel's Stable ABI promise."""

    name: str
    since: PyVersion | None  # None: not in the Stable ABI (on Linux) at all

    @property
    def reason(self) -> str:
        """What to tell the user: the version that made it stable, or that none did."""
        return "not in the stable ABI" if self.since is None else f"stable since {self.since}"

    def __str__(self) -> str:
        return f"{self.name} ({self.reason})"


def _reserved(name: str) -> bool:
    return name.startswith(_RESERVED_PREFIXES)


def _hook(name: str) -> bool:
    return name.startswith(_HOOK_PREFIXES)


def judge_imports(
    undefined_names: Iterable[str],
    minimum: tuple[int, int],
    *,
    free_threaded: bool = False,
    table: StableABI | None = None,
) -> tuple[Offender, ...]:
    """Each ``Py*``/``_Py*`` import that is outside the Stable ABI or joined it after ``minimum``.

    ``undefined_names`` are the undefined dynamic symbols (``.dynsym``, ``SHN_UNDEF``): what the
    loader must bind from the interpreter. Other names (libc, ...) are not this check's business.
    ``free_threaded`` judges for abi3t (PEP 803): the same symbol set, but never below 3.15.
    Sorted by name, one per name.
    """
    abi = stable_abi() if table is None else table
    floor = PyVersion(*minimum)
    if free_threaded:
        floor = max(floor, ABI3T_MINIMUM)
    offenders: dict[str, Offender] = {}
    for name in undefined_names:
        if not _reserved(name) or _hook(name) or name in offenders:
            continue
        since = abi.since(name)
        if since is None or since > floor:
            offenders[name] = Offender(name, since)
    return tuple(offenders[name] for name in sorted(offenders))


def reserved_exports(defined_names: Iterable[str]) -> tuple[str, ...]:
    """Defined ``Py*``/``_Py*`` exports other than module hooks: a hygiene warning, not a failure.

    CPython reserves these prefixes; an extension that defines one (psutil's
    ``PyErr_SetFromOSErrnoWithSyscall``) may clash with a later CPython, but it loads today, which
    is why abi3audit's failure on it is a false positive. ``PyInit_*`` (PEP 489) and
    ``PyModExport_*`` (PEP 793) are the hooks the importer looks for, so they are always fine.
    """
    return tuple(sorted({name for name in defined_names if _reserved(name) and not _hook(name)}))


def abi3t_hazards(undefined_names: Iterable[str], defined_names: Iterable[str] = ()) -> tuple[str, ...]:
    """Names that make an abi3t claim (PEP 803) doubtful although every symbol binds: a warning.

    The imports in ``ABI3T_UNUSABLE`` need a static ``PyModuleDef``, which abi3t makes opaque; and
    a module that defines ``PyInit_*`` but no ``PyModExport_*`` (PEP 793) has, in practice, no
    abi3t way to create itself. Sorted, one per name.
    """
    hazards = {name for name in undefined_names if name in ABI3T_UNUSABLE}
    defined = set(defined_names)
    if not any(name.startswith("PyModExport_") for name in defined):
        hazards.update(name for name in defined if name.startswith("PyInit_"))
    return tuple(sorted(hazards))


def minimum_abi3(python_tags: Iterable[str], abi_tags: Iterable[str]) -> PyVersion | None:
    """The lowest CPython an abi3 (or abi3t) wheel promises to load on; None if it is not one.

    The highest ``cpXY`` among the python tags wins: ``cp36-abi3`` gives (3, 6), and a wheel tagged
    ``cp38.cp311-abi3`` claims the 3.11 ABI (as abi3audit reads it). Non-CPython tags (``py3``)
    say nothing about the ABI and are skipped.
    """
    if _ABI3_TAGS.isdisjoint(abi_tags):
        return None
    versions = [PyVersion(3, int(m.group(1))) for tag in python_tags if (m := _CP_TAG.fullmatch(tag))]
    return max(versions, default=None)
