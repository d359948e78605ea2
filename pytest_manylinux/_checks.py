"""The check registry: one definition per check. Pure: no I/O, no elftools, no zipfile.

A definition says what a check reads (an ELF file's facts or the wheel's),
whether it decides the most compatible tag, how its lines render, and the
remedy shown with its failures. Evaluation, the gate's items, the renderer and
the tests all iterate :data:`REGISTRY`, so a new check is one ``Check`` member
in ``_model`` and one definition here.

The semantics follow auditwheel 6.8.2 wherever it is right (``wheel_abi.py``,
``policy/__init__.py``), hermetically: a library counts as shipped only when
the loader would find it inside the wheel, never on the host.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Protocol

from ._model import Check, ElfFacts, Finding, Libc, Policy, Violation, WheelFacts
from ._policy import LOADER_SONAMES, expected_interpreters, musl_time64_symbols, version_key

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "FILE_CHECKS",
    "LINUX_ONLY_ARCHES",
    "NO_ALLOWANCES",
    "PYPI_FILE_LIMIT",
    "PYPI_REFUSES",
    "REGISTRY",
    "WHEEL_CHECKS",
    "Allowances",
    "CheckDef",
    "Layout",
    "Resolver",
    "Scope",
    "file_libc",
    "inside",
    "is_loader",
]


class Scope(Enum):
    """What a check looks at: one ELF file, or the wheel as a whole."""

    FILE = "file"
    WHEEL = "wheel"


class Layout(Enum):
    """How a check's violations render as diff lines (see ``_render``)."""

    VERSIONS = "versions"  # "+ GLIBC_2.14   memcpy, ..." sorted as versions
    EXPECTED = "expected"  # "- what the policy expects" / "+ what the file has"
    SYMBOLS = "symbols"  # "+ subject   sym, sym"
    LINES = "lines"  # "+ subject   hint"


class Resolver(Protocol):
    """Where a DT_NEEDED library resolves inside the wheel (``_evaluate.WheelIndex``)."""

    def shipped(self, elf: ElfFacts, library: str) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Allowances:
    """Violations a project accepts on purpose, each with the reason shown."""

    libraries: Mapping[str, str] = field(default_factory=dict)
    symbols: Mapping[str, str] = field(default_factory=dict)
    #: Wheel-scope upload checks (issue 11): ``archive``, ``record`` or
    #: ``wheel-metadata`` for the whole check, ``record:pkg/data.bin`` for one subject.
    checks: Mapping[str, str] = field(default_factory=dict)

    def library(self, name: str) -> str | None:
        return self.libraries.get(name)

    def check(self, check: Check, subject: str) -> str | None:
        """The reason a check's violation about ``subject`` is accepted, if it is."""
        return self.checks.get(f"{check.value}:{subject}") or self.checks.get(check.value)

    def symbol(self, version: str, symbols: Iterable[str]) -> str | None:
        """The reason when a version, or every symbol needing it, is allowed."""
        if version in self.symbols:
            return self.symbols[version]
        reasons = [self.symbols.get(f"{s}@{version}") for s in symbols]
        if reasons and all(reasons):
            return "; ".join(sorted({r for r in reasons if r}))
        return None


NO_ALLOWANCES = Allowances()


@dataclass(frozen=True, slots=True)
class Context:
    """What every check may consult besides the facts it judges."""

    policy: Policy
    index: Resolver
    allow: Allowances
    wheel: WheelFacts


FileRule = Callable[[ElfFacts, Context], Iterable[Violation]]
WheelRule = Callable[[Context], Iterable[Violation]]


@dataclass(frozen=True, slots=True)
class CheckDef:
    """One registered check."""

    check: Check
    scope: Scope
    title: str
    layout: Layout
    remedy: str
    decides_tag: bool
    file_rule: FileRule | None = None
    wheel_rule: WheelRule | None = None

    @property
    def id(self) -> str:
        """The item name in the gate and the ``check`` key in JSON."""
        return self.check.value


def is_loader(library: str) -> bool:
    """The ELF interpreter itself, which every policy implicitly allows.

    auditwheel skips ``ld-linux*`` and ``ld64.so.*`` (``elf_find_versioned_symbols``);
    we match the loaders' exact sonames, so ``libevil-ld-linux.so.1`` is not one,
    and a name with a slash is a host path the loader opens as such.
    """
    return library in LOADER_SONAMES


#: CPython's extension suffix for musl builds (``.cpython-312-x86_64-linux-musl.so``):
#: the interpreter that imports it is a musl one, whatever else the file says.
_MUSL_SUFFIX = re.compile(r"\.cpython-\d+[a-z]*-[a-z0-9_]+-linux-musl[a-z0-9]*\.so$")


def file_libc(elf: ElfFacts) -> Libc | None:
    """The C library an ELF file was linked for: its loader, its needs, else its extension suffix.

    auditwheel reads the suffix too: an extension that needs no libc symbol at
    all still imports only into a CPython built for its suffix's C library.
    """
    if elf.interpreter is not None:
        return Libc.MUSL if "/ld-musl-" in elf.interpreter else Libc.GLIBC
    for lib in elf.needed:
        if lib.startswith(("libc.musl-", "ld-musl-")):
            return Libc.MUSL
        if lib == "libc.so.6" or lib.startswith(("ld-linux", "ld64.so.")):
            return Libc.GLIBC
    return Libc.MUSL if _MUSL_SUFFIX.search(elf.path) else None


def inside(entry: str, origin: str) -> str | None:
    """An RPATH entry as a directory inside the wheel, or None if it is not one."""
    for token in ("$ORIGIN", "${ORIGIN}"):
        if entry.startswith(token):
            rest = entry[len(token) :].lstrip("/")
            path = posixpath.normpath(posixpath.join(origin, rest)) if rest else origin or "."
            if path == ".." or path.startswith("../"):
                return None
            return "" if path == "." else path
    return None


# -- the rules ----------------------------------------------------------------------------------

# Python 2 / pre-3.x ABI hazards auditwheel rejects (PEP 513 "fpectl builds").
_PYFPE = frozenset({"PyFPE_jbuf", "PyFPE_dummy", "PyFPE_counter"})


def _libraries(elf: ElfFacts, ctx: Context) -> Iterable[Violation]:
    if ctx.policy.is_linux:
        return
    for lib in elf.needed:
        if is_loader(lib) or lib in ctx.policy.whitelist or ctx.index.shipped(elf, lib):
            continue
        yield Violation(
            Check.LIBRARIES,
            lib,
            hint="not on every system of this policy: bundle it (auditwheel repair) or drop it",
            allowed_by=ctx.allow.library(lib),
        )


def _symbol_versions(elf: ElfFacts, ctx: Context) -> Iterable[Violation]:
    """auditwheel's ``versioned_symbols_policy``: exact set membership per prefix.

    Versions group by the text before the first ``_``; a prefix the policy does
    not list is ignored; an empty list forbids the prefix; ``GLIBC_PRIVATE`` is
    in no list, so it never passes.
    """
    by_version: dict[str, tuple[str, ...]] | None = None  # only built when something fails
    required = sorted({n.version for n in elf.version_needs if not is_loader(n.library)}, key=version_key)
    for version in required:
        prefix = version.partition("_")[0]
        allowed = ctx.policy.symbol_versions.get(prefix)
        if allowed is None or version in allowed:
            continue
        ceiling = max(allowed, key=version_key) if allowed else None
        by_version = by_version if by_version is not None else elf.symbols_by_version()
        symbols = by_version.get(version, ())
        yield Violation(
            Check.SYMBOL_VERSIONS,
            version,
            expected=ceiling,
            symbols=symbols,
            hint=f"the policy allows no {prefix} versions" if ceiling is None else "",
            allowed_by=ctx.allow.symbol(version, symbols),
        )


def _blacklist(elf: ElfFacts, ctx: Context) -> Iterable[Violation]:
    """auditwheel's blacklist: strong undefined references a needed library must not satisfy."""
    if ctx.policy.is_linux or not ctx.policy.blacklist:
        return
    strong = {s.name for s in elf.undefined if not s.weak}
    for lib in elf.needed:
        names = strong & ctx.policy.blacklist.get(lib, frozenset())
        if names:
            # A blacklisted symbol is accepted as ``name@library`` in the symbol allowlist.
            reasons = [ctx.allow.symbols.get(f"{name}@{lib}") for name in sorted(names)]
            reason = "; ".join(sorted({r for r in reasons if r})) if all(reasons) else None
            yield Violation(
                Check.BLACKLIST,
                lib,
                symbols=tuple(sorted(names)),
                hint="symbols this policy's systems may lack or implement differently",
                allowed_by=reason,
            )


def _interpreter(elf: ElfFacts, ctx: Context) -> Iterable[Violation]:
    policy = ctx.policy
    if elf.interpreter is None:
        return
    if policy.is_linux:
        allowed = expected_interpreters(Libc.GLIBC, policy.arch) + expected_interpreters(Libc.MUSL, policy.arch)
    else:
        allowed = expected_interpreters(policy.libc, policy.arch)
    if elf.interpreter not in allowed:
        yield Violation(
            Check.INTERPRETER,
            elf.interpreter,
            expected=allowed[0] if allowed else None,
            hint="the loader this platform has at that path",
        )


#: Architectures only ``linux_<arch>`` tags name (no manylinux or musllinux policy),
#: and the ``e_machine`` of their files: the ELF header cannot tell armv6 from armv7,
#: so a hard-float ARM file keeps its own ``linux_armv6l`` tag.
LINUX_ONLY_ARCHES: Mapping[str, frozenset[str]] = {
    "armv5l": frozenset({"EM_ARM"}),
    "armv6l": frozenset({"EM_ARM"}),
    "armv8l": frozenset({"EM_ARM"}),
    "mips": frozenset({"EM_MIPS"}),
    "mips64": frozenset({"EM_MIPS"}),
    "mipsel": frozenset({"EM_MIPS"}),
    "mips64el": frozenset({"EM_MIPS"}),
    "ppc": frozenset({"EM_PPC"}),
    "sparc64": frozenset({"EM_SPARCV9"}),
    "s390": frozenset({"EM_S390"}),
    "alpha": frozenset({"EM_ALPHA"}),
    "sh4": frozenset({"EM_SH"}),
    "m68k": frozenset({"EM_68K"}),
    "hppa": frozenset({"EM_PARISC"}),
}


def _arch(elf: ElfFacts, ctx: Context) -> Iterable[Violation]:
    machines = LINUX_ONLY_ARCHES.get(ctx.policy.arch)
    if ctx.policy.is_linux and machines is not None and elf.machine in machines:
        return
    if elf.arch != ctx.policy.arch:
        subject = elf.arch or f"{elf.machine} ({elf.arch_problem})"
        yield Violation(Check.ARCH, subject, expected=ctx.policy.arch, hint="built for another architecture")


def _libc(elf: ElfFacts, ctx: Context) -> Iterable[Violation]:
    libc = file_libc(elf)
    if not (ctx.policy.is_linux or libc is None or libc is ctx.policy.libc):
        yield Violation(Check.LIBC, libc.value, expected=ctx.policy.libc.value, hint="linked for another C library")


def _isa(elf: ElfFacts, ctx: Context) -> Iterable[Violation]:
    """auditwheel's machine policy: an x86-64 ISA level above the baseline."""
    if not ctx.policy.is_linux and elf.isa is not None:
        hint = "needs a newer CPU than the tag's baseline promises"
        yield Violation(Check.ISA, elf.isa, expected=ctx.policy.arch, hint=hint)


#: Subjects of the Python-ABI violations, read back by ``_evaluate.auditwheel_flags``.
PYFPE_SUBJECT, UCS2_SUBJECT = "PyFPE_jbuf", "UCS2"


def _python_abi(elf: ElfFacts, ctx: Context) -> Iterable[Violation]:
    """PEP 513's fpectl and narrow-unicode (UCS2) hazards, as auditwheel checks them."""
    if ctx.policy.is_linux or elf.python_init is None:
        return
    pyfpe = sorted({s.name for s in elf.undefined if s.name in _PYFPE and s.function})
    if pyfpe:
        yield Violation(Check.PYTHON_ABI, PYFPE_SUBJECT, symbols=tuple(pyfpe), hint="an fpectl build (PEP 513)")
    # PEP 513 allows narrow-unicode cp27m wheels; only a wide (cp27mu) ABI tag, or none
    # at all, promises an interpreter that lacks the UCS2 functions.
    narrow = bool(ctx.wheel.abi_tags) and all(not tag.endswith("mu") for tag in ctx.wheel.abi_tags)
    if elf.python_init.startswith("init") and not narrow:
        ucs2 = sorted({s.name for s in elf.undefined if "PyUnicodeUCS2_" in s.name and s.function})
        if ucs2:
            yield Violation(Check.PYTHON_ABI, UCS2_SUBJECT, symbols=tuple(ucs2), hint="a narrow-unicode Python 2 build")


def _musl_time64(elf: ElfFacts, ctx: Context) -> Iterable[Violation]:
    """Imports of musl 1.2's 64-bit ``time_t`` symbols, which musl 1.1 lacks on 32-bit arches.

    PEP 656 tags name the musl version; musl 1.2 moved 32-bit arches (ELFCLASS32:
    i686, armv7l) to a 64-bit ``time_t`` whose functions have new symbol names
    (``clock_gettime`` becomes ``__clock_gettime64``). That is how content tells
    musllinux_1_2 from musllinux_1_1, where auditwheel asks the host instead.
    """
    version = re.fullmatch(r"musllinux_(\d+)_(\d+)", ctx.policy.name)
    if version is None or elf.elf_class != 32 or (int(version[1]), int(version[2])) >= (1, 2):  # noqa: PLR2004 - ELFCLASS32
        return
    time64 = sorted({s.name for s in elf.undefined if s.name in musl_time64_symbols()})
    if time64:
        yield Violation(
            Check.MUSL_TIME64,
            "64-bit time_t",
            expected="musl 1.2 (64-bit time_t)",
            symbols=tuple(time64),
            hint=f"built against musl 1.2 or later; {ctx.policy.name}'s musl has a 32-bit time_t here",
        )


def _execstack(elf: ElfFacts, ctx: Context) -> Iterable[Violation]:
    """Shared objects asking for an executable stack: glibc >= 2.41 refuses to dlopen them.

    See pypa/auditwheel#634. Executables are left alone: the kernel still runs them.
    """
    if ctx.policy.libc is Libc.GLIBC and elf.exec_stack and elf.interpreter is None:
        yield Violation(
            Check.EXECSTACK,
            "PT_GNU_STACK RWE",
            expected="PT_GNU_STACK RW",
            hint="an executable stack: glibc 2.41 and later refuse to load it",
        )


def _rpath(elf: ElfFacts, ctx: Context) -> Iterable[Violation]:
    """RPATH/RUNPATH entries that reach outside the wheel: leaked build paths."""
    del ctx
    origin = posixpath.dirname(elf.path)
    for tag, entries in (("DT_RUNPATH", elf.runpath), ("DT_RPATH", elf.rpath)):
        for entry in entries:
            if entry.startswith(("$ORIGIN", "${ORIGIN}")):
                if inside(entry, origin) is None:
                    yield Violation(Check.RPATH, entry, expected="$ORIGIN/...", hint=f"{tag} points outside the wheel")
                continue
            hint = (
                f"{tag} is absolute: it leaks the build machine"
                if entry.startswith("/")
                else f"{tag} is relative to the working directory"
            )
            yield Violation(Check.RPATH, entry or "(empty)", expected="$ORIGIN/...", hint=hint)


def _record(ctx: Context) -> Iterable[Violation]:
    """Every member listed in RECORD with its true sha256 and size, nothing else listed (wheel spec).

    Without RECORD an installer cannot track or remove files; with a wrong one
    it installs bytes nobody signed off. PyPI refuses mismatches from February 2026.
    """
    facts = ctx.wheel
    if facts.kind != "wheel":
        return
    if facts.record is None:
        yield Violation(
            Check.RECORD,
            "RECORD",
            hint="the wheel has no RECORD file",
            allowed_by=ctx.allow.check(Check.RECORD, "RECORD"),
        )
        return
    if facts.record_verified:
        elves = {elf.path for elf in facts.elves}
        for finding in facts.record_problems:
            hint = finding.problem
            if hint == "missing from RECORD" and finding.subject in elves:
                hint = "ELF file missing from RECORD"
            yield _finding(Check.RECORD, finding, hint, ctx)
        return
    for elf in facts.elves:
        if elf.path not in facts.record:
            yield Violation(
                Check.RECORD,
                elf.path,
                hint="ELF file missing from RECORD",
                allowed_by=ctx.allow.check(Check.RECORD, elf.path),
            )


#: Marks a hint whose rule PyPI's upload validation enforces.
PYPI_REFUSES = " (PyPI refuses)"


def _finding(check: Check, finding: Finding, hint: str, ctx: Context) -> Violation:
    return Violation(
        check,
        finding.subject,
        hint=hint + (PYPI_REFUSES if finding.pypi else ""),
        allowed_by=ctx.allow.check(check, finding.subject),
    )


def _archive(ctx: Context) -> Iterable[Violation]:
    """Zip framing that two zip readers could read two ways (PyPI's upload validation)."""
    for finding in ctx.wheel.archive:
        yield _finding(Check.ARCHIVE, finding, finding.problem, ctx)


#: WHEEL's format version this reader knows: installers refuse a higher major version.
WHEEL_VERSION = (1, 0)


def _wheel_metadata(ctx: Context) -> Iterable[Violation]:
    """WHEEL as the binary distribution format spec writes it, and where ELF files sit.

    Tag lines must be expanded (one tag each) and equal to the file name's tags
    (pip issue 13709; PyPI since warehouse PR 19411); Root-Is-Purelib must
    match content: ELF files under ``.data/purelib`` of a platform wheel, or in
    a purelib wheel, are installed where platform code must not go (auditwheel
    refuses them).
    """
    facts = ctx.wheel
    if facts.kind != "wheel":
        return
    found: list[Finding] = []
    if not facts.has_wheel_file:
        found.append(Finding("WHEEL", "the wheel has no .dist-info/WHEEL file", pypi=True))
    else:
        found.extend(_wheel_fields(facts))
        found.extend(_wheel_tags(facts))
    found.extend(_purelib(facts))
    for finding in found:
        yield _finding(Check.WHEEL_METADATA, finding, finding.problem, ctx)


def _wheel_fields(facts: WheelFacts) -> Iterable[Finding]:
    for line in facts.wheel_bad_lines:
        yield Finding(line, "a WHEEL line that is not 'Key: Value'", pypi=True)
    version = facts.wheel_version
    if version is None:
        yield Finding("Wheel-Version", "missing from WHEEL", pypi=True)
    else:
        parts = version.split(".")
        if len(parts) != 2 or not all(p.isdigit() for p in parts):  # noqa: PLR2004 - major.minor
            yield Finding(f"Wheel-Version: {version}", "not a major.minor version", pypi=True)
        elif int(parts[0]) != WHEEL_VERSION[0]:
            yield Finding(f"Wheel-Version: {version}", "a format version installers refuse (they read 1.x)", pypi=True)
    purelib = facts.root_is_purelib
    if purelib is None:
        yield Finding("Root-Is-Purelib", "missing from WHEEL", pypi=False)
    elif purelib.lower() not in ("true", "false"):
        yield Finding(f"Root-Is-Purelib: {purelib}", "neither 'true' nor 'false'", pypi=False)


def _wheel_tags(facts: WheelFacts) -> Iterable[Finding]:
    expanded: set[str] = set()
    for line in facts.wheel_tag_lines:
        parts = line.split("-")
        if len(parts) != 3 or not all(parts):  # noqa: PLR2004 - python-abi-platform
            yield Finding(f"Tag: {line}", "not a python-abi-platform tag", pypi=True)
            continue
        if any("." in part for part in parts):
            yield Finding(f"Tag: {line}", "compressed: WHEEL needs one expanded tag per Tag line", pypi=True)
        expanded.update(
            f"{py}-{abi}-{plat}"
            for py in parts[0].split(".")
            for abi in parts[1].split(".")
            for plat in parts[2].split(".")
        )
    if not facts.filename_tags:
        return
    named = set(facts.filename_tags)
    # A platform in only one of the two is the tags check's finding; judge the rest here.
    shared = {t.rsplit("-", 1)[-1] for t in named} & {t.rsplit("-", 1)[-1] for t in expanded}
    for tag in sorted(named - expanded):
        if tag.rsplit("-", 1)[-1] in shared:
            yield Finding(tag, "in the file name, but in no WHEEL Tag line", pypi=True)
    for tag in sorted(expanded - named):
        if tag.rsplit("-", 1)[-1] in shared:
            yield Finding(tag, "in WHEEL's Tag lines, but not in the file name", pypi=True)


def _purelib(facts: WheelFacts) -> Iterable[Finding]:
    purelib = (facts.root_is_purelib or "").lower()
    for elf in facts.elves:
        top, _, rest = elf.path.partition("/")
        if purelib == "true":
            # Extension modules are interpreter- and platform-specific: platlib's. Shared
            # libraries and executables in purelib wheels (nvidia-*, pyinstaller) still load.
            if elf.python_init is not None and not top.endswith(".data"):
                yield Finding(elf.path, "an extension module in a Root-Is-Purelib: true wheel", pypi=False)
        elif top.endswith(".data") and rest.startswith("purelib/"):
            yield Finding(elf.path, "an ELF file under .data/purelib of a platform wheel", pypi=False)


#: PyPI's default upload limit per file (warehouse: 100 MiB), shown next to a budget.
PYPI_FILE_LIMIT = 100 << 20
_SIZE_LINES = 10  # the files that carry the most, biggest first


def _mib(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB"


def _size(ctx: Context) -> Iterable[Violation]:
    """A wheel over the size budget, with where its ELF bytes go (issue 11).

    PyPI refuses files over its default limit unless the project was granted
    more; most of an oversized wheel is usually symbol tables and debug
    sections the loader never reads (tensorflow_cpu 2.15: 176 MiB of
    .symtab/.strtab, 23 MiB of .debug_*).
    """
    facts = ctx.wheel
    if not facts.size_budget or facts.wheel_bytes <= facts.size_budget:
        return
    name = facts.path.rsplit("/", 1)[-1]
    limit = _mib(PYPI_FILE_LIMIT)
    pypi = " (PyPI's default limit)" if facts.size_budget == PYPI_FILE_LIMIT else f"; PyPI's default limit is {limit}"
    sizes = facts.elf_sizes
    symtab, debug = sum(s.symtab for s in sizes), sum(s.debug for s in sizes)
    where = f": {_mib(symtab)} .symtab/.strtab and {_mib(debug)} .debug_* in {len(sizes)} ELF files (uncompressed)"
    allowed = ctx.allow.check(Check.SIZE, name)
    yield Violation(
        Check.SIZE,
        "(wheel file)",  # sorts before the member lines
        expected=f"at most {_mib(facts.size_budget)}",
        hint=f"{_mib(facts.wheel_bytes)}, over the {_mib(facts.size_budget)} budget{pypi}{where if sizes else ''}",
        allowed_by=allowed,
    )
    ranked = [s for s in sorted(sizes, key=lambda s: (-(s.symtab + s.debug), s.path)) if s.symtab or s.debug]
    for size in ranked[:_SIZE_LINES]:
        code = size.size - size.symtab - size.debug
        hint = f"{_mib(size.symtab)} .symtab/.strtab, {_mib(size.debug)} .debug_*, {_mib(code)} code and data"
        yield Violation(Check.SIZE, size.path, hint=hint, allowed_by=allowed)


def _definitions() -> Iterable[CheckDef]:
    file, wheel = Scope.FILE, Scope.WHEEL
    yield CheckDef(
        Check.LIBRARIES, file, "libraries", Layout.LINES, decides_tag=True, file_rule=_libraries,
        remedy="graft the library into the wheel with `auditwheel repair`, or stop linking it",
    )  # fmt: skip
    yield CheckDef(
        Check.SYMBOL_VERSIONS, file, "symbol versions", Layout.VERSIONS, decides_tag=True, file_rule=_symbol_versions,
        remedy="rebuild in the manylinux image of the target policy (quay.io/pypa/<policy>_<arch>), "
        "or target a newer policy",
    )  # fmt: skip
    yield CheckDef(
        Check.BLACKLIST, file, "blacklisted symbols", Layout.SYMBOLS, decides_tag=True, file_rule=_blacklist,
        remedy="rebuild without these symbols (auditwheel's blacklist), or target a newer policy",
    )  # fmt: skip
    yield CheckDef(
        Check.INTERPRETER, file, "interpreter", Layout.EXPECTED, decides_tag=True, file_rule=_interpreter,
        remedy="link with the platform's standard loader (no custom --dynamic-linker; not a /nix/store toolchain)",
    )  # fmt: skip
    yield CheckDef(
        Check.ARCH, file, "architecture", Layout.EXPECTED, decides_tag=True, file_rule=_arch,
        remedy="build this file for the wheel's architecture, or drop it from the wheel",
    )  # fmt: skip
    yield CheckDef(
        Check.LIBC, file, "C library", Layout.EXPECTED, decides_tag=True, file_rule=_libc,
        remedy="judge glibc builds with a manylinux policy and musl builds with a musllinux one",
    )  # fmt: skip
    yield CheckDef(
        Check.ISA, file, "instruction set", Layout.LINES, decides_tag=True, file_rule=_isa,
        remedy="build for the baseline ISA (no -march=x86-64-v2 or above) or dispatch at run time",
    )  # fmt: skip
    yield CheckDef(
        Check.PYTHON_ABI, file, "Python ABI", Layout.SYMBOLS, decides_tag=True, file_rule=_python_abi,
        remedy="build against a CPython without fpectl and with wide unicode (PEP 513)",
    )  # fmt: skip
    yield CheckDef(
        Check.MUSL_TIME64, file, "musl time64 symbols", Layout.SYMBOLS, decides_tag=True, file_rule=_musl_time64,
        remedy="build in the image of the target policy (quay.io/pypa/musllinux_1_1_<arch>, musl 1.1), "
        "or target musllinux_1_2",
    )  # fmt: skip
    yield CheckDef(
        Check.EXECSTACK, file, "executable stack", Layout.EXPECTED, decides_tag=False, file_rule=_execstack,
        remedy="relink with -Wl,-z,noexecstack (and find the object file without a .note.GNU-stack)",
    )  # fmt: skip
    yield CheckDef(
        Check.RPATH, file, "rpath", Layout.LINES, decides_tag=False, file_rule=_rpath,
        remedy="drop the entry at link time (check LDSHARED and -Wl,-rpath) or with `patchelf --remove-rpath`; "
        "`auditwheel repair` rewrites it",
    )  # fmt: skip
    yield CheckDef(
        Check.RECORD, wheel, "RECORD", Layout.LINES, decides_tag=False, wheel_rule=_record,
        remedy="let the build backend write RECORD, or rebuild it after editing the wheel (`wheel unpack`, "
        "edit, `wheel pack` rewrites every hash)",
    )  # fmt: skip
    yield CheckDef(
        Check.ARCHIVE, wheel, "zip archive", Layout.LINES, decides_tag=False, wheel_rule=_archive,
        remedy="rebuild the wheel with its build backend or `python -m wheel pack` (one pass, no appending, "
        "no data descriptors, no comments); never edit it with a generic zip tool",
    )  # fmt: skip
    yield CheckDef(
        Check.WHEEL_METADATA, wheel, "WHEEL metadata", Layout.LINES, decides_tag=False, wheel_rule=_wheel_metadata,
        remedy="write one expanded `Tag:` line per file-name tag, `Wheel-Version: 1.0` and the true "
        "`Root-Is-Purelib` (false with compiled code; extensions at the root or in .data/platlib), "
        "or upgrade the build backend (maturin >= 1.9.4)",
    )  # fmt: skip
    yield CheckDef(
        Check.SIZE, wheel, "wheel size", Layout.LINES, decides_tag=False, wheel_rule=_size,
        remedy="drop symbol tables and debug sections: `strip --strip-debug` (or --strip-unneeded) the libraries, "
        "link with -Wl,--strip-all, or `auditwheel repair --strip`; ship debug info separately",
    )  # fmt: skip
    yield CheckDef(
        Check.TAGS, wheel, "declared tags", Layout.LINES, decides_tag=False,
        remedy="tag the wheel with the most compatible tag its content qualifies for "
        "(`auditwheel repair` does), or rebuild it for the tag you want",
    )  # fmt: skip


#: Every check, in report order.
REGISTRY: Mapping[Check, CheckDef] = {d.check: d for d in _definitions()}

#: Checks run once per ELF file, and once per wheel, in report order.
FILE_CHECKS: Sequence[CheckDef] = tuple(d for d in REGISTRY.values() if d.scope is Scope.FILE)
WHEEL_CHECKS: Sequence[CheckDef] = tuple(d for d in REGISTRY.values() if d.scope is Scope.WHEEL)
