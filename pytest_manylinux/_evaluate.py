"""Facts + policy -> verdict. Pure: no I/O, no elftools, no zipfile.

The semantics follow auditwheel 6.8.2 wherever it is right (``wheel_abi.py``,
``policy/__init__.py``), hermetically: a library counts as shipped only when
the loader would find it inside the wheel, never on the host.
"""

from __future__ import annotations

import collections
import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ._model import (
    FILE_CHECKS,
    Check,
    ElfFacts,
    FileVerdict,
    Libc,
    Policy,
    Violation,
    WheelFacts,
    WheelVerdict,
)
from ._policy import expected_interpreters, parse_platform_tag, version_key

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

__all__ = [
    "Allowances",
    "WheelIndex",
    "best_policy",
    "evaluate_file",
    "evaluate_wheel",
    "file_libc",
    "is_loader",
    "tag_violations",
]

# Python 2 / pre-3.x ABI hazards auditwheel rejects (PEP 513 "fpectl builds").
_PYFPE = frozenset({"PyFPE_jbuf", "PyFPE_dummy", "PyFPE_counter"})


@dataclass(frozen=True, slots=True)
class Allowances:
    """Violations a project accepts on purpose, each with the reason shown."""

    libraries: Mapping[str, str] = field(default_factory=dict)
    symbols: Mapping[str, str] = field(default_factory=dict)

    def library(self, name: str) -> str | None:
        return self.libraries.get(name)

    def symbol(self, version: str, symbols: Iterable[str]) -> str | None:
        """The reason when a version, or every symbol needing it, is allowed."""
        if version in self.symbols:
            return self.symbols[version]
        reasons = [self.symbols.get(f"{s}@{version}") for s in symbols]
        if reasons and all(reasons):
            return "; ".join(sorted({r for r in reasons if r}))
        return None


NO_ALLOWANCES = Allowances()


def is_loader(library: str) -> bool:
    """The ELF interpreter itself, which every policy implicitly allows.

    auditwheel skips ``ld-linux*`` and ``ld64.so.*`` in both the library and
    the symbol-version checks (``elf_find_versioned_symbols``).
    """
    return "ld-linux" in library or library in ("ld64.so.1", "ld64.so.2")


def file_libc(elf: ElfFacts) -> Libc | None:
    """The C library an ELF file was linked for, from its loader and needs."""
    if elf.interpreter is not None:
        return Libc.MUSL if "/ld-musl-" in elf.interpreter else Libc.GLIBC
    for lib in elf.needed:
        if lib.startswith(("libc.musl-", "ld-musl-")):
            return Libc.MUSL
        if lib == "libc.so.6" or lib.startswith(("ld-linux", "ld64.so.")):
            return Libc.GLIBC
    return None


class WheelIndex:
    """Policy-free facts derived once per wheel: where each DT_NEEDED resolves.

    The loader is emulated hermetically, as auditwheel's lddtree does with no
    library paths: from each top-level ELF file (a Python extension, or a file
    no other ELF file needs), needed libraries are searched breadth-first
    through DT_RPATH (the object's own, then the root's) or DT_RUNPATH, with
    ``$ORIGIN`` expanded inside the wheel, and matched against what the walk
    already loaded by name or soname. A library is shipped for a file only if
    every walk that loads the file finds it: a library found from one
    extension but not from another fails to load when the other is imported
    first. Files no walk reaches are walked on their own.
    """

    def __init__(self, facts: WheelFacts) -> None:
        self.facts = facts
        self._by_path = {elf.path: elf for elf in facts.elves}
        self._found: dict[tuple[str, str], str] = {}
        self._missed: set[tuple[str, str]] = set()
        needed = {lib for elf in facts.elves for lib in elf.needed}
        dynamic = [elf for elf in facts.elves if elf.has_dynamic]
        roots = [e for e in dynamic if e.python_init or posixpath.basename(e.path) not in needed]
        reached: set[str] = set()
        for root in roots:
            reached |= self._walk(root)
        for elf in dynamic:
            if elf.path not in reached:
                reached |= self._walk(elf)

    def shipped(self, elf: ElfFacts, library: str) -> str | None:
        """The in-wheel path ``library`` resolves to for ``elf``, if every load finds it."""
        key = (elf.path, library)
        return None if key in self._missed else self._found.get(key)

    def _walk(self, root: ElfFacts) -> set[str]:
        loaded: dict[str, str] = {posixpath.basename(root.path): root.path}
        if root.soname:
            loaded[root.soname] = root.path
        queue = collections.deque([root])
        seen = {root.path}
        # DT_RPATH of the object that started the load applies to its whole tree
        # (unless it has DT_RUNPATH); its $ORIGIN is its own directory.
        root_dirs = () if root.runpath else _dirs(root.rpath, root.path)
        while queue:
            elf = queue.popleft()
            dirs = _dirs(elf.runpath, elf.path) if elf.runpath else (*_dirs(elf.rpath, elf.path), *root_dirs)
            for library in elf.needed:
                found = loaded.get(library) or self._search(elf, library, dirs)
                if found is None:
                    self._missed.add((elf.path, library))
                    continue
                self._found[(elf.path, library)] = found
                loaded.setdefault(library, found)
                target = self._by_path[found]
                if target.soname:
                    loaded.setdefault(target.soname, found)
                if found not in seen:
                    seen.add(found)
                    queue.append(target)
        return seen

    def _search(self, elf: ElfFacts, library: str, dirs: Sequence[str]) -> str | None:
        if "/" in library:
            return None  # the loader opens such a name as a host path, never one in the wheel
        for candidate in (posixpath.join(d, library) for d in dirs):
            target = self._by_path.get(candidate)
            if target is not None and _compatible(elf, target):
                return candidate
        return None


def _dirs(entries: Sequence[str], path: str) -> tuple[str, ...]:
    """The in-wheel directories among RPATH entries of the file at ``path``."""
    origin = posixpath.dirname(path)
    return tuple(d for d in (inside(e, origin) for e in entries) if d is not None)


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


def _compatible(a: ElfFacts, b: ElfFacts) -> bool:
    return (a.elf_class, a.little_endian, a.machine) == (b.elf_class, b.little_endian, b.machine)


def evaluate_file(
    elf: ElfFacts,
    policy: Policy,
    index: WheelIndex,
    allow: Allowances = NO_ALLOWANCES,
    checks: Sequence[Check] = FILE_CHECKS,
) -> FileVerdict:
    """Judge one ELF file against one policy; every check (or ``checks``), in report order."""
    found: list[Violation] = []
    for check in checks:
        found.extend(_CHECKS[check](elf, policy, index, allow))
    return FileVerdict(elf.path, policy.tag, tuple(found))


def evaluate_wheel(index: WheelIndex, policy: Policy, allow: Allowances = NO_ALLOWANCES) -> WheelVerdict:
    """Judge every ELF file of a wheel against one policy."""
    facts = index.facts
    files = tuple(evaluate_file(elf, policy, index, allow) for elf in facts.elves)
    wheel: list[Violation] = []
    if facts.kind == "wheel" and facts.record is None:
        wheel.append(Violation(Check.RECORD, "RECORD", hint="the wheel has no RECORD file"))
    return WheelVerdict(facts.path, policy.tag, files, tuple(wheel))


def best_policy(index: WheelIndex, family: Sequence[Policy], *, check: Check | None = None) -> Policy:
    """The most compatible policy the wheel satisfies (auditwheel's overall tag).

    With ``check``, only that check decides (``Check.SYMBOL_VERSIONS`` gives
    auditwheel's ``sym_tag``). Allowances never change what a wheel really is.
    """
    deciding = (check,) if check else _TAG_CHECKS
    for policy in family:
        if policy.is_linux:
            return policy
        if all(evaluate_file(elf, policy, index, checks=deciding).passed for elf in index.facts.elves):
            return policy
    return family[-1]


def tag_violations(
    facts: WheelFacts, verdicts: Sequence[WheelVerdict], best: Policy, unknown: Sequence[str]
) -> tuple[Violation, ...]:
    """What is wrong with the tags a wheel declares, given its content."""
    out: list[Violation] = []
    if facts.wheel_platforms is not None and facts.filename_platforms:
        if set(facts.wheel_platforms) != set(facts.filename_platforms):
            out.append(
                Violation(
                    Check.TAGS,
                    "WHEEL Tag lines: " + " ".join(facts.wheel_platforms),
                    expected="file name: " + " ".join(facts.filename_platforms),
                    hint="the file name and WHEEL disagree",
                )
            )
    declared = facts.declared_platforms
    if facts.elves and declared and all(p == "any" for p in declared):
        out.append(
            Violation(
                Check.TAGS,
                "any",
                expected=best.tag,
                hint="a pure-Python tag on a wheel with ELF files",
            )
        )
    out.extend(Violation(Check.TAGS, tag, hint="not a platform tag the policy data knows") for tag in unknown)
    for verdict in verdicts:
        # Only what decides a tag makes a declared tag false; a missing RECORD or a
        # leaked RPATH is reported by its own check.
        if any(v.counts and v.check.decides_tag for f in verdict.files for v in f.violations):
            out.append(
                Violation(
                    Check.TAGS,
                    verdict.policy,
                    expected=best.tag,
                    hint="declared, but the content does not qualify; the most compatible tag is shown",
                )
            )
    return tuple(out)


# -- the checks ---------------------------------------------------------------


def _libraries(elf: ElfFacts, policy: Policy, index: WheelIndex, allow: Allowances) -> list[Violation]:
    if policy.is_linux:
        return []
    out = []
    for lib in elf.needed:
        if is_loader(lib) or lib in policy.whitelist or index.shipped(elf, lib):
            continue
        hint = "not allowed: bundle it (auditwheel repair) or drop it"
        out.append(Violation(Check.LIBRARIES, lib, hint=hint, allowed_by=allow.library(lib)))
    return out


def _symbol_versions(elf: ElfFacts, policy: Policy, index: WheelIndex, allow: Allowances) -> list[Violation]:
    """auditwheel's ``versioned_symbols_policy``: exact set membership per prefix.

    Versions group by the text before the first ``_``; a prefix the policy does
    not list is ignored; an empty list forbids the prefix; ``GLIBC_PRIVATE`` is
    in no list, so it never passes.
    """
    del index
    by_version: dict[str, tuple[str, ...]] | None = None  # only built when something fails
    required = sorted({n.version for n in elf.version_needs if not is_loader(n.library)}, key=version_key)
    out = []
    for version in required:
        prefix = version.partition("_")[0]
        allowed = policy.symbol_versions.get(prefix)
        if allowed is None or version in allowed:
            continue
        ceiling = max(allowed, key=version_key) if allowed else None
        by_version = by_version if by_version is not None else elf.symbols_by_version()
        symbols = by_version.get(version, ())
        out.append(
            Violation(
                Check.SYMBOL_VERSIONS,
                version,
                expected=ceiling,
                symbols=symbols,
                hint=f"the policy allows no {prefix} versions" if ceiling is None else "",
                allowed_by=allow.symbol(version, symbols),
            )
        )
    return out


def _blacklist(elf: ElfFacts, policy: Policy, index: WheelIndex, allow: Allowances) -> list[Violation]:
    """auditwheel's blacklist: strong undefined references a needed library must not satisfy."""
    del index
    if policy.is_linux or not policy.blacklist:
        return []
    strong = {s.name for s in elf.undefined if not s.weak}
    out = []
    for lib in elf.needed:
        names = strong & policy.blacklist.get(lib, frozenset())
        if names:
            # A blacklisted symbol is accepted as ``name@library`` in the symbol allowlist.
            reasons = [allow.symbols.get(f"{name}@{lib}") for name in sorted(names)]
            reason = "; ".join(sorted({r for r in reasons if r})) if all(reasons) else None
            out.append(
                Violation(
                    Check.BLACKLIST,
                    lib,
                    symbols=tuple(sorted(names)),
                    hint="symbols this policy's systems may lack or implement differently",
                    allowed_by=reason,
                )
            )
    return out


def _interpreter(elf: ElfFacts, policy: Policy, index: WheelIndex, allow: Allowances) -> list[Violation]:
    del index, allow
    if elf.interpreter is None:
        return []
    if policy.is_linux:
        allowed = expected_interpreters(Libc.GLIBC, policy.arch) + expected_interpreters(Libc.MUSL, policy.arch)
    else:
        allowed = expected_interpreters(policy.libc, policy.arch)
    if elf.interpreter in allowed:
        return []
    return [
        Violation(
            Check.INTERPRETER,
            elf.interpreter,
            expected=allowed[0] if allowed else None,
            hint="the loader this platform has at that path",
        )
    ]


def _arch(elf: ElfFacts, policy: Policy, index: WheelIndex, allow: Allowances) -> list[Violation]:
    del index, allow
    if elf.arch == policy.arch:
        return []
    subject = elf.arch or f"{elf.machine} ({elf.arch_problem})"
    return [Violation(Check.ARCH, subject, expected=policy.arch, hint="built for another architecture")]


def _libc(elf: ElfFacts, policy: Policy, index: WheelIndex, allow: Allowances) -> list[Violation]:
    del index, allow
    libc = file_libc(elf)
    if policy.is_linux or libc is None or libc is policy.libc:
        return []
    return [Violation(Check.LIBC, libc.value, expected=policy.libc.value, hint="linked for another C library")]


def _isa(elf: ElfFacts, policy: Policy, index: WheelIndex, allow: Allowances) -> list[Violation]:
    """auditwheel's machine policy: an x86-64 ISA level above the baseline."""
    del index, allow
    if policy.is_linux or elf.isa is None:
        return []
    hint = "needs a newer CPU than the tag's baseline promises"
    return [Violation(Check.ISA, elf.isa, expected=policy.arch, hint=hint)]


def _python_abi(elf: ElfFacts, policy: Policy, index: WheelIndex, allow: Allowances) -> list[Violation]:
    """PEP 513's fpectl and narrow-unicode (UCS2) hazards, as auditwheel checks them."""
    del index, allow
    if policy.is_linux or elf.python_init is None:
        return []
    out = []
    pyfpe = sorted({s.name for s in elf.undefined if s.name in _PYFPE and s.function})
    if pyfpe:
        out.append(
            Violation(
                Check.PYTHON_ABI,
                "PyFPE_jbuf",
                symbols=tuple(pyfpe),
                hint="an fpectl build (PEP 513)",
            )
        )
    if elf.python_init.startswith("init"):
        ucs2 = sorted({s.name for s in elf.undefined if "PyUnicodeUCS2_" in s.name and s.function})
        if ucs2:
            out.append(
                Violation(
                    Check.PYTHON_ABI,
                    "UCS2",
                    symbols=tuple(ucs2),
                    hint="a narrow-unicode Python 2 build",
                )
            )
    return out


def _execstack(elf: ElfFacts, policy: Policy, index: WheelIndex, allow: Allowances) -> list[Violation]:
    """Shared objects asking for an executable stack: glibc >= 2.41 refuses to dlopen them.

    See pypa/auditwheel#634. Executables are left alone: the kernel still runs them.
    """
    del index, allow
    if policy.libc is not Libc.GLIBC or not elf.exec_stack or elf.interpreter is not None:
        return []
    return [
        Violation(
            Check.EXECSTACK,
            "PT_GNU_STACK RWE",
            expected="PT_GNU_STACK RW",
            hint="relink with -Wl,-z,noexecstack",
        )
    ]


def _rpath(elf: ElfFacts, policy: Policy, index: WheelIndex, allow: Allowances) -> list[Violation]:
    """RPATH/RUNPATH entries that reach outside the wheel: leaked build paths."""
    del policy, index, allow
    origin = posixpath.dirname(elf.path)
    out = []
    for tag, entries in (("DT_RUNPATH", elf.runpath), ("DT_RPATH", elf.rpath)):
        for entry in entries:
            if entry.startswith(("$ORIGIN", "${ORIGIN}")):
                if inside(entry, origin) is None:
                    out.append(
                        Violation(
                            Check.RPATH,
                            entry,
                            expected="$ORIGIN/...",
                            hint=f"{tag} points outside the wheel",
                        )
                    )
                continue
            hint = (
                f"{tag} is absolute: it leaks the build machine"
                if entry.startswith("/")
                else (f"{tag} is relative to the working directory")
            )
            out.append(Violation(Check.RPATH, entry or "(empty)", expected="$ORIGIN/...", hint=hint))
    return out


def _record(elf: ElfFacts, policy: Policy, index: WheelIndex, allow: Allowances) -> list[Violation]:
    del policy, allow
    record = index.facts.record
    if record is None or elf.path in record:
        return []
    return [
        Violation(
            Check.RECORD,
            elf.path,
            hint="ELF file missing from RECORD: installers will not track it",
        )
    ]


_CHECKS = {
    Check.LIBRARIES: _libraries,
    Check.SYMBOL_VERSIONS: _symbol_versions,
    Check.BLACKLIST: _blacklist,
    Check.INTERPRETER: _interpreter,
    Check.ARCH: _arch,
    Check.LIBC: _libc,
    Check.ISA: _isa,
    Check.PYTHON_ABI: _python_abi,
    Check.EXECSTACK: _execstack,
    Check.RPATH: _rpath,
    Check.RECORD: _record,
}


#: The checks that decide the most compatible tag (see Check.decides_tag).
_TAG_CHECKS = tuple(c for c in FILE_CHECKS if c.decides_tag)


def declared_arch(platforms: Iterable[str]) -> str | None:
    """The arch a wheel's platform tags name, if they name one."""
    for tag in platforms:
        parsed = parse_platform_tag(tag)
        if parsed is not None:
            return parsed[1]
    return None
