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
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Protocol

from ._model import Check, ElfFacts, Finding, Image, Libc, Policy, Violation, WheelFacts
from ._policy import (
    LOADER_SONAMES,
    RETIRED_IMAGES,
    expected_interpreters,
    musl_libc_soname,
    musl_time64_symbols,
    version_key,
)
from ._stable_abi import (
    ABI3T_MINIMUM,
    Offender,
    PyVersion,
    abi3t_hazards,
    judge_imports,
    minimum_abi3,
    reserved_exports,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from ._model import Audit

__all__ = [
    "BY_INPUT_NAME",
    "FILE_CHECKS",
    "LINUX_ONLY_ARCHES",
    "NO_ALLOWANCES",
    "PYPI_FILE_LIMIT",
    "PYPI_LEGACY_LINUX",
    "PYPI_PEP600_ARCHES",
    "PYPI_REFUSES",
    "REGISTRY",
    "REPAIRABLE",
    "WHEEL_CHECKS",
    "ABI3Claim",
    "Allowances",
    "CheckDef",
    "Extension",
    "Layout",
    "Resolver",
    "Scope",
    "abi3_claim",
    "abi3_needed",
    "extension",
    "file_libc",
    "graft",
    "has_image",
    "import_warnings",
    "input_name",
    "inside",
    "is_libpython",
    "is_loader",
    "is_module",
    "multiarch",
    "pypi_platform_problem",
    "unfit_remedy",
    "unfit_summary",
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
    #: An assumption rather than an allowance: the minimum CPython a bare ``.abi3.so``
    #: (no wheel tags to read it from) is judged against, like abi3audit's
    #: ``--assume-minimum-abi3``. Without it only "not in the stable ABI" can fail.
    assume_abi3: tuple[int, int] | None = None
    #: Wheel-scope upload checks (issue 11): ``archive``, ``record`` or
    #: ``wheel-metadata`` for the whole check, ``record:pkg/data.bin`` for one subject.
    checks: Mapping[str, str] = field(default_factory=dict)

    def library(self, name: str) -> str | None:
        """The reason a library is accepted: an exact entry, else the first glob (``libcuda.so.*``) matching it."""
        if name in self.libraries:
            return self.libraries[name]
        return next((r for k, r in sorted(self.libraries.items()) if fnmatchcase(name, k)), None)

    def check(self, check: Check, subject: str, file: str | None = None) -> str | None:
        """The reason a check's violation about ``subject`` (in ``file``) is accepted, if it is.

        ``CHECK`` accepts the whole check; ``CHECK:GLOB`` the violations whose
        subject or ELF file path the glob matches (``rpath:pkg/*.so``). For the
        checks of :data:`BY_INPUT_NAME` the file is the input's own name
        (``tags:*.whl``, ``size:big-*.whl``; see :func:`input_name`).
        """
        exact = self.checks.get(f"{check.value}:{subject}") or self.checks.get(check.value)
        if exact is not None:
            return exact
        return next((r for k, r in sorted(self.checks.items()) if self._matches(k, check, subject, file)), None)

    def symbol(self, version: str, symbols: Iterable[str]) -> str | None:
        """The reason when a version, or every symbol needing it, is allowed."""
        if version in self.symbols:
            return self.symbols[version]
        reasons = [self.symbols.get(f"{s}@{version}") for s in symbols]
        if reasons and all(reasons):
            return "; ".join(sorted({r for r in reasons if r}))
        return None

    def used(self, file: str | None, violation: Violation, *, input_path: str | None = None) -> set[str]:
        """The entries (as ``section:key``) that accepted an allowed violation.

        Computed after the fact from the verdict, so the frozen allowances stay
        hashable and a memoised verdict reports its entries as well as a fresh one.
        ``input_path`` is the audited input's, whose name the checks of
        :data:`BY_INPUT_NAME` were matched against instead of ``file``.
        """
        if violation.allowed_by is None:
            return set()
        check, subject = violation.check, violation.subject
        if check in BY_INPUT_NAME and input_path is not None:
            file = input_name(input_path)
        if check in (Check.LIBRARIES, Check.LIBPYTHON):
            return {f"libraries:{k}" for k in self.libraries if k == subject or fnmatchcase(subject, k)}
        if check is Check.SYMBOL_VERSIONS:
            keys = {subject, *(f"{s}@{subject}" for s in violation.symbols)}
            return {f"symbols:{k}" for k in self.symbols if k in keys}
        if check is Check.BLACKLIST:
            return {f"symbols:{k}" for k in self.symbols if k in {f"{s}@{subject}" for s in violation.symbols}}
        return {f"checks:{k}" for k in self.checks if k == check.value or self._matches(k, check, subject, file)}

    def entries(self) -> dict[str, str]:
        """Every entry as ``section:key`` -> reason, to name the ones that matched nothing."""
        sections = (("libraries", self.libraries), ("symbols", self.symbols), ("checks", self.checks))
        return {f"{name}:{k}": r for name, table in sections for k, r in table.items()}

    def unused(self, audits: Iterable[Audit]) -> dict[str, str]:
        """The entries that accepted nothing in these audits (like mypy's ``warn_unused_ignores``)."""
        used: set[str] = set()
        for result in audits:
            path = result.facts.path
            for verdict in (*result.verdicts, *result.declared):
                for v in verdict.violations:
                    used |= self.used(None, v, input_path=path)
                for f in verdict.files:
                    for v in f.violations:
                        used |= self.used(f.path, v, input_path=path)
            for v in result.tags:
                used |= self.used(None, v, input_path=path)
        return {k: r for k, r in self.entries().items() if k not in used}

    @staticmethod
    def _matches(key: str, check: Check, subject: str, file: str | None) -> bool:
        """Whether a ``CHECK:GLOB`` entry names this check and matches the subject or the file."""
        name, sep, pattern = key.partition(":")
        if name != check.value or not sep:
            return False
        return pattern == subject or fnmatchcase(subject, pattern) or (file is not None and fnmatchcase(file, pattern))


NO_ALLOWANCES = Allowances()

#: Checks whose ``CHECK:GLOB`` entries match the input's file name rather than
#: an ELF file: what they judge is the wheel itself (its tags, its size).
BY_INPUT_NAME = frozenset({Check.TAGS, Check.SIZE})


def input_name(path: str) -> str:
    """The file name of an input (``pkg-1.0-cp311-cp311-linux_x86_64.whl``), what a ``tags:GLOB`` entry matches."""
    return posixpath.basename(path.rstrip("/")) or path


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


# -- case-specific remedies: computed where the facts and the policy meet -----------------------

#: A version glibc added for ``-z pack-relative-relocs`` (binutils 2.38): only glibc >= 2.36 has it.
DT_RELR = "GLIBC_ABI_DT_RELR"


def _shown(policy: Policy) -> str:
    """The name users write for a policy: its legacy alias (``manylinux2014``) when it has one."""
    return policy.aliases[0] if policy.aliases else policy.name


def _own_image(policy: Policy) -> Image | None:
    """The image to rebuild in for a policy: its own, else the newest image of an older policy.

    Policies only grow (PEP 600), so what an older policy's image builds meets a
    newer policy too: manylinux_2_36 has no image, manylinux_2_34's will do.
    """
    own = _named_after(policy)
    if own is not None:
        return own
    older = [i for i in policy.images if i.priority >= policy.priority]
    return older[-1] if older else None


def _allows(versions: Mapping[str, frozenset[str]], needs: Iterable[str]) -> bool:
    """Whether a policy's symbol versions accept every need (auditwheel's per-prefix membership)."""
    for need in needs:
        allowed = versions.get(need.partition("_")[0])
        if allowed is not None and need not in allowed:
            return False
    return True


def _oldest_image(elf: ElfFacts, policy: Policy) -> Image | None:
    """The oldest maintained image whose policy allows every symbol version the file needs."""
    needs = {n.version for n in elf.version_needs if not is_loader(n.library)}
    return next((i for i in policy.images if _allows(i.symbol_versions, needs)), None)


def _symbol_remedy(elf: ElfFacts, policy: Policy, version: str) -> str:
    """Rebuild in the target's image, or name the oldest image whose policy this file already fits."""
    if version == DT_RELR:
        return (
            "linked with -z pack-relative-relocs, which needs glibc >= 2.36: link with "
            "-Wl,-z,nopack-relative-relocs, or target manylinux_2_36 or later"
        )
    if version == "GLIBC_PRIVATE":
        return "GLIBC_PRIVATE is glibc's internal interface, which no policy allows: stop calling these symbols"
    name, own, fits = _shown(policy), _own_image(policy), _oldest_image(elf, policy)
    if own is not None and own.policy in {policy.name, *policy.aliases}:
        first = f"rebuild in {own.name}, whose toolchain links only what {name} allows"
    elif own is not None:
        first = (
            f"{name} has no build image for {policy.arch}: rebuild in {own.name} "
            f"(an older policy's: what it builds meets {name})"
        )
    else:
        why = "retired" if {policy.name, *policy.aliases} & RETIRED_IMAGES else "none is maintained"
        first = f"{name} has no build image for {policy.arch} ({why})"
    if fits is None:
        return f"{first}; as built, this file needs more than any maintained {policy.arch} image's policy allows"
    if own is None:
        return f"{first}: the oldest image that allows what this file needs is {fits.name}; tag it {fits.policy}"
    return f"{first}; or tag it {fits.policy}, the oldest policy with an image ({fits.name}) that allows what it needs"


def _other_libc(elf: ElfFacts, policy: Policy) -> str | None:
    """What to say when the file's C library is not the policy's: judge it with its own family."""
    libc = file_libc(elf)
    if policy.is_linux or libc is None or libc is policy.libc:
        return None
    return f"this is a {libc.value} build; judge it with a {libc.tag_prefix} policy"


def _library_remedy(elf: ElfFacts, ctx: Context, library: str) -> str:
    """Graft it, or point the loader at the copy the wheel already ships."""
    other = _other_libc(elf, ctx.policy)
    if other is not None:
        return other
    if library == UPSTREAM_MUSL_LIBC:
        return _upstream_musl_remedy(elf, ctx.policy)
    origin = posixpath.dirname(elf.path)
    copies = sorted(e.path for e in ctx.wheel.elves if library in (posixpath.basename(e.path), e.soname))
    if copies:
        where = posixpath.relpath(posixpath.dirname(copies[0]), origin or ".")
        entry = "$ORIGIN" if where == "." else f"$ORIGIN/{where}"
        return (
            f"the wheel ships {copies[0]}, but this file's search path misses it: add {entry} to its RUNPATH "
            f"(-Wl,-rpath,'{entry}' or `patchelf --set-rpath`)"
        )
    return graft([library], ctx.policy, alternative=", or stop linking it")


def _named_after(policy: Policy) -> Image | None:
    """The maintained image named after this very policy (not an older one's), if there is one."""
    names = {policy.name, *policy.aliases}
    return next((i for i in policy.images if i.policy in names), None)


def has_image(policy: Policy) -> bool:
    """Whether pypa/manylinux maintains an image of this very policy, to build and repair in."""
    return _named_after(policy) is not None


def graft(libraries: Sequence[str], policy: Policy, *, alternative: str = "") -> str:
    """``auditwheel repair --plat TAG`` where it can succeed: inside the target's image, with the libraries there.

    auditwheel grafts the copy of each library that the machine it runs on has,
    and counts that copy's symbol versions with the wheel's own
    (``wheel_abi.get_symbol_policies``); a copy built against a newer glibc
    than the target's makes ``main_repair.execute`` refuse: 'cannot repair
    "X.whl" to "manylinux_2_17_x86_64" ABI because of the presence of
    too-recent versioned symbols. You'll need to compile the wheel on an older
    toolchain.' (auditwheel 6.8.2; musl has no symbol versions to refuse by).
    """
    them = "them" if len(libraries) > 1 else "it"
    run = f"graft {_few(libraries)} into the wheel with `auditwheel repair --plat {policy.tag}`"
    image = _own_image(policy)
    if image is None:
        where = f"on a system no newer than {_shown(policy)} allows (no maintained image builds for it)"
    else:
        where = (
            f"inside {image.name}, with {them} installed there (cibuildwheel: before-all installs {them}, "
            "its repair step runs auditwheel)"
        )
    if policy.libc is not Libc.GLIBC:
        return f"{run} {where}{alternative}"
    return (
        f"{run} {where}{alternative}; elsewhere auditwheel grafts that machine's copy and refuses the tag "
        "if the copy needs a newer glibc"
    )


#: What ``auditwheel repair`` mends by itself: it grafts the libraries and drops a libpython link.
REPAIRABLE = frozenset({Check.LIBRARIES, Check.LIBPYTHON})


def _few(names: Sequence[str], shown: int = 3) -> str:
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def unfit_summary(blockers: Sequence[Violation]) -> str:
    """What keeps content from every manylinux/musllinux tag, by check: ``libraries: libssl.so.3``."""
    by_check: dict[Check, list[str]] = {}
    for v in blockers:
        subjects = by_check.setdefault(v.check, [])
        if v.subject not in subjects:
            subjects.append(v.subject)
    return "; ".join(f"{REGISTRY[check].title}: {_few(subjects)}" for check, subjects in by_check.items())


def unfit_remedy(blockers: Sequence[Violation], repair_to: Policy | None) -> str:
    """The way to a manylinux/musllinux tag for content that fits none as built.

    ``blockers`` are its tag-deciding failures against the newest policy of its
    family; ``repair_to`` is the policy it meets once auditwheel has repaired
    what it can (None: a blocker needs a rebuild).
    """
    if repair_to is not None:
        libraries = [v.subject for v in blockers if v.check is Check.LIBRARIES]
        if libraries:
            return graft(list(dict.fromkeys(libraries)), repair_to)
        return f"run `auditwheel repair --plat {repair_to.tag}`: it drops the libpython link and retags the wheel"
    fixes = list(dict.fromkeys(v.remedy for v in blockers if v.check not in REPAIRABLE and v.remedy))[:2]
    libraries = list(dict.fromkeys(v.subject for v in blockers if v.check is Check.LIBRARIES))
    if libraries:
        fixes.append(f"then graft {_few(libraries)} with `auditwheel repair` in the image you rebuild in")
    return "; ".join(fixes) or "rebuild it in a manylinux image of its architecture"


def _rpath_remedy(elf: ElfFacts, tag: str, entry: str) -> str:
    """Name the entry that leaks and the way to drop or fix it, by where it comes from."""
    name = posixpath.basename(elf.path)
    if entry.startswith(("$ORIGIN", "${ORIGIN}")):
        return (
            f"{tag} {entry} leaves the wheel: point it at the directory inside the wheel that holds the "
            f"libraries (`patchelf --set-rpath '$ORIGIN/...' {name}`), or drop it"
        )
    if entry and not entry.startswith("/"):
        # The loader resolves it against the importing process's working directory.
        rel = posixpath.relpath(entry, posixpath.dirname(elf.path) or ".")
        fixed = "$ORIGIN" if rel == "." else f"$ORIGIN/{rel}"
        return (
            f"{tag} {entry} is searched in whatever directory the program runs from (a library there is "
            f"loaded instead of the wheel's): make it `{fixed}` (`patchelf --set-rpath '{fixed}' {name}`) "
            "where the libraries sit beside it in the wheel, or drop it"
        )
    if "/.pyenv/" in entry or "/conda" in entry or "/envs/" in entry:
        return (
            f"drop it: {tag} {entry or '(empty)'} comes from the link line (the building Python's LDSHARED adds it): "
            'delete build/, then rebuild with LDSHARED="gcc -shared" (or drop -Wl,-rpath in setup.py): setuptools '
            f"relinks nothing build/ already holds; or run `patchelf --remove-rpath {name}`; release builds in a "
            "manylinux image do not have it"
        )
    return (
        f"drop it: {tag} {entry or '(empty)'} comes from the link line: check LDFLAGS, LDSHARED and -Wl,-rpath, "
        f"or run `patchelf --remove-rpath {name}`; a stale build/ directory keeps an old link, so rebuild "
        "from a clean tree"
    )


# -- the rules ----------------------------------------------------------------------------------

# Python 2 / pre-3.x ABI hazards auditwheel rejects (PEP 513 "fpectl builds").
_PYFPE = frozenset({"PyFPE_jbuf", "PyFPE_dummy", "PyFPE_counter"})


def _libraries(elf: ElfFacts, ctx: Context) -> Iterable[Violation]:
    if ctx.policy.is_linux:
        return
    for lib in elf.needed:
        if is_loader(lib) or is_libpython(lib) or lib in ctx.policy.whitelist or ctx.index.shipped(elf, lib):
            continue
        yield Violation(
            Check.LIBRARIES,
            lib,
            hint=_UPSTREAM_MUSL_HINT
            if lib == UPSTREAM_MUSL_LIBC
            else "not on every system of this policy: bundle it (auditwheel repair) or drop it",
            allowed_by=ctx.allow.library(lib),
            remedy=_library_remedy(elf, ctx, lib),
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
        ceiling = _ceiling(allowed)
        by_version = by_version if by_version is not None else elf.symbols_by_version()
        symbols = by_version.get(version, ())
        yield Violation(
            Check.SYMBOL_VERSIONS,
            version,
            expected=ceiling,
            symbols=symbols,
            hint=f"the policy allows no {prefix} versions" if ceiling is None else "",
            allowed_by=ctx.allow.symbol(version, symbols),
            remedy=_symbol_remedy(elf, ctx.policy, version),
        )


def _ceiling(allowed: frozenset[str]) -> str | None:
    """The highest *numbered* version a policy allows (``CXXABI_1.3.11``, not ``CXXABI_TM_1``).

    Named versions such as ``CXXABI_TM_1`` are members of the set like any
    other, but "allows up to" is read as a number.
    """
    numbered = [v for v in allowed if v.partition("_")[2][:1].isdigit()]
    return max(numbered or allowed, key=version_key) if allowed else None


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
                remedy=f"stop calling {', '.join(sorted(names)[:3])} from {lib} (refused by "
                f"{_shown(ctx.policy)}), or target a policy that allows them",
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
            remedy=_interpreter_remedy(elf, policy, allowed),
        )


def _interpreter_remedy(elf: ElfFacts, policy: Policy, allowed: Sequence[str]) -> str:
    other = _other_libc(elf, policy)
    if other is not None:
        return other
    if not allowed:
        return f"no {policy.libc.value} loader is known for {policy.arch}: build this file for another platform"
    nix = " (a /nix/store toolchain sets it)" if (elf.interpreter or "").startswith("/nix/") else ""
    return (
        f"link with the standard loader{nix}: drop --dynamic-linker, or run "
        f"`patchelf --set-interpreter {allowed[0]} {posixpath.basename(elf.path)}`"
    )


#: Architectures only ``linux_<arch>`` tags name (no manylinux or musllinux policy),
#: and the ``e_machine`` of their files: the ELF header cannot tell armv6 from armv7,
#: so a hard-float ARM file meets its declared ``linux_armv6l`` tag (and, read as
#: armv7l like auditwheel reads it, the armv7l policies decide its best tag).
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
        wanted = ctx.policy.arch
        own = _own_image(ctx.policy) or next(iter(ctx.policy.images), None)
        where = f" (in {own.name})" if own is not None else ""
        remedy = (
            f"this file is {elf.arch}; the wheel is {wanted}: build it for {wanted}{where}, "
            f"or ship it in a wheel tagged for {elf.arch}"
            if elf.arch
            else f"this file's architecture is unknown ({elf.machine}): drop it from the {wanted} wheel"
        )
        yield Violation(Check.ARCH, subject, expected=wanted, hint="built for another architecture", remedy=remedy)


def _libc(elf: ElfFacts, ctx: Context) -> Iterable[Violation]:
    libc = file_libc(elf)
    if not (ctx.policy.is_linux or libc is None or libc is ctx.policy.libc):
        yield Violation(
            Check.LIBC,
            libc.value,
            expected=ctx.policy.libc.value,
            hint="linked for another C library",
            remedy=_other_libc(elf, ctx.policy) or "",
        )


def _isa(elf: ElfFacts, ctx: Context) -> Iterable[Violation]:
    """auditwheel's machine policy: an x86-64 ISA level above the baseline."""
    if not ctx.policy.is_linux and elf.isa is not None:
        hint = "needs a newer CPU than the tag's baseline promises"
        level = elf.isa.replace("_", "-")
        remedy = (
            f"this file is marked {level}: build it for the baseline (no -march={level}, no -Wl,-z,{level}) "
            "and reach the newer instructions through run-time dispatch"
        )
        yield Violation(Check.ISA, elf.isa, expected=ctx.policy.arch, hint=hint, remedy=remedy)


#: A CPython 2 ABI tag without the ``u`` (wide unicode, PEP 3149) flag: ``cp27m``, ``cp27dm``.
_NARROW_ABI = re.compile(r"cp2\d+[a-tv-z]*")

#: Subjects of the Python-ABI violations, read back by ``_evaluate.auditwheel_flags``.
PYFPE_SUBJECT, UCS2_SUBJECT = "PyFPE_jbuf", "UCS2"


def _python_abi(elf: ElfFacts, ctx: Context) -> Iterable[Violation]:
    """PEP 513's fpectl and narrow-unicode (UCS2) hazards, as auditwheel checks them."""
    if ctx.policy.is_linux or elf.python_init is None:
        return
    pyfpe = sorted({s.name for s in elf.undefined if s.name in _PYFPE and s.function})
    if pyfpe:
        yield Violation(
            Check.PYTHON_ABI,
            PYFPE_SUBJECT,
            symbols=tuple(pyfpe),
            hint="an fpectl build (PEP 513)",
            remedy="built against a CPython configured --with-fpectl: rebuild against a standard one "
            "(the manylinux image's /opt/python)",
        )
    # PEP 513 allows narrow-unicode cp27m wheels; any other ABI tag (cp27mu, ``none``,
    # which pip installs into wide builds too) or none at all promises an interpreter
    # that may lack the UCS2 functions.
    abi = ctx.wheel.abi_tags
    narrow = bool(abi) and all(_NARROW_ABI.fullmatch(tag) for tag in abi)
    if elf.python_init.startswith("init") and not narrow:
        ucs2 = sorted({s.name for s in elf.undefined if "PyUnicodeUCS2_" in s.name and s.function})
        if ucs2:
            yield Violation(
                Check.PYTHON_ABI,
                UCS2_SUBJECT,
                symbols=tuple(ucs2),
                hint="a narrow-unicode Python 2 build",
                remedy="a narrow-unicode (UCS2) build: tag the wheel cp27m, or rebuild against a wide-unicode "
                "CPython for cp27mu",
            )


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
            remedy=_time64_remedy(ctx.policy),
        )


#: The name upstream musl's toolchain (musl-gcc, musl-cross-make) records for the C library:
#: musl's own build gives ``libc.so`` no soname, so ld writes the file name. Alpine's musl, the
#: one musllinux images and systems have, carries the soname ``libc.musl-<arch>.so.1``, the
#: only name the policies (auditwheel's ``_fixup_musl_libc_soname``) allow.
UPSTREAM_MUSL_LIBC = "libc.so"
_UPSTREAM_MUSL_HINT = "musl's C library under upstream musl's name; the policies know it only by Alpine's soname"


def _upstream_musl_remedy(elf: ElfFacts, policy: Policy) -> str:
    """Never graft ``libc.so``: on musl it is the C library itself, which is also the loader.

    musl's loader answers every ``libc.*`` DT_NEEDED with itself (``load_library`` in
    ``ldso/dynlink.c``), so the file loads; a grafted copy (what ``auditwheel repair``
    would do where it finds ``/usr/lib/libc.so``) would be a second C library in the process.
    glibc's ``libc.so`` is a linker script ld never records, so the name means a musl build.
    """
    name = posixpath.basename(elf.path)
    if policy.libc is not Libc.MUSL:
        return (
            "never graft libc.so: it is musl's C library as upstream musl's toolchain (musl-gcc) names it "
            "(glibc's libc.so is a linker script, never a DT_NEEDED), so this file was built against musl: "
            "rebuild it against glibc, or ship it in a musllinux wheel"
        )
    soname = musl_libc_soname(policy.arch) or "libc.musl-<arch>.so.1"
    loader = next(iter(expected_interpreters(Libc.MUSL, policy.arch)), "/lib/ld-musl-<arch>.so.1")
    image = _own_image(policy) or next(iter(policy.images), None)
    where = f"rebuild in {image.name} (its musl is {soname})" if image else f"relink against {soname}"
    return (
        f"never graft libc.so: on musl it is the C library itself, the loader {loader} (a grafted copy is a "
        f"second libc); the file was linked against upstream musl (musl-gcc), whose libc.so has no soname: "
        f"`patchelf --replace-needed libc.so {soname} {name}`, or {where}"
    )


def _time64_remedy(policy: Policy) -> str:
    newer = next(iter(policy.images), None)
    image = f" (built in {newer.name})" if newer is not None else ""
    return (
        f"tag it {newer.policy if newer else 'musllinux_1_2'}{image}, which has the 64-bit time_t; "
        f"a {policy.name} build needs a musl 1.1 toolchain, whose image is retired"
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
            allowed_by=ctx.allow.check(Check.EXECSTACK, "PT_GNU_STACK RWE", elf.path),
            remedy=f"relink {posixpath.basename(elf.path)} with -Wl,-z,noexecstack (an assembly object without "
            f"a .note.GNU-stack section asks for it), or run `patchelf --clear-execstack` on it",
        )


def _rpath(elf: ElfFacts, ctx: Context) -> Iterable[Violation]:
    """RPATH/RUNPATH entries that reach outside the wheel: leaked build paths."""
    origin = posixpath.dirname(elf.path)
    for tag, entries in (("DT_RUNPATH", elf.runpath), ("DT_RPATH", elf.rpath)):
        for entry in entries:
            if entry.startswith(("$ORIGIN", "${ORIGIN}")):
                if inside(entry, origin) is None:
                    yield Violation(
                        Check.RPATH,
                        entry,
                        expected="$ORIGIN/...",
                        hint=f"{tag} points outside the wheel",
                        allowed_by=ctx.allow.check(Check.RPATH, entry, elf.path),
                        remedy=_rpath_remedy(elf, tag, entry),
                    )
                continue
            hint = (
                f"{tag} is absolute: it leaks the build machine"
                if entry.startswith("/")
                else f"{tag} is relative to the working directory"
            )
            subject = entry or "(empty)"
            allowed = ctx.allow.check(Check.RPATH, subject, elf.path)
            yield Violation(
                Check.RPATH,
                subject,
                expected="$ORIGIN/...",
                hint=hint,
                allowed_by=allowed,
                remedy=_rpath_remedy(elf, tag, entry),
            )


# -- import-ability (issue 10): what CPython's importer needs of an extension module ---------------

#: auditwheel's ``LIBPYTHON_RE`` (lddtree.py), widened to ABI flags (``libpython3.13t.so.1.0``)
#: and the stable-ABI ``libpython3.so``.
_LIBPYTHON = re.compile(r"libpython\d+(?:\.\d+)?[a-z]*\.so(?:\.\d+)*")


def is_libpython(library: str) -> bool:
    """A DT_NEEDED on the interpreter's own shared library."""
    return _LIBPYTHON.fullmatch(library) is not None


def _libpython(elf: ElfFacts, ctx: Context) -> Iterable[Violation]:
    """PEP 513: extensions must not link libpython; the interpreter that imports them provides it.

    Many CPythons (the manylinux images', Debian's) are linked statically and ship no
    libpython at all, so the link makes the import fail there; ``auditwheel repair``
    removes it rather than grafting it. auditwheel counts it as an external library,
    so it decides the tag as ``libraries`` would.
    """
    if ctx.policy.is_linux:
        return
    for lib in elf.needed:
        if is_libpython(lib):
            yield Violation(
                Check.LIBPYTHON,
                lib,
                hint="links libpython: forbidden (PEP 513), and absent from statically linked CPythons",
                allowed_by=ctx.allow.library(lib),
                remedy=f"do not link libpython; auditwheel repair removes the link (drop -l{_lib_flag(lib)} "
                "and any python3-embed from the link line)",
            )


def _lib_flag(library: str) -> str:
    """``libpython3.11.so.1.0`` -> ``python3.11``: the ``-l`` argument that linked it."""
    return library.removeprefix("lib").partition(".so")[0]


#: CPU part of CPython's PLATFORM_TRIPLET (``Misc/platform_triplet.c``) for each wheel arch;
#: the rest is ``linux-gnu``/``linux-musl`` (``linux-gnueabihf``/``linux-musleabihf`` on armv7l).
_MULTIARCH_CPU: Mapping[str, str] = {
    "x86_64": "x86_64",
    "i686": "i386",
    "aarch64": "aarch64",
    "armv7l": "arm",
    "ppc64le": "powerpc64le",
    "ppc64": "powerpc64",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "loongarch64": "loongarch64",
}


def multiarch(arch: str, libc: Libc) -> str | None:
    """The multiarch part of a CPython extension suffix (PEP 3149) for a wheel arch and libc."""
    cpu = _MULTIARCH_CPU.get(arch)
    if cpu is None:
        return None
    abi = "gnu" if libc is Libc.GLIBC else "musl"
    return f"{cpu}-linux-{abi}eabihf" if arch == "armv7l" else f"{cpu}-linux-{abi}"


# CPython's extension suffixes on Linux (importlib.machinery.EXTENSION_SUFFIXES, PEP 3149):
# ``.cpython-3XY<flags>[-<multiarch>].so``, ``.abi3.so`` (PEP 384), ``.abi3t.so`` (PEP 803, 3.15+)
# and a bare ``.so``. The module name is the file name up to its first dot.
_SUFFIX = re.compile(
    r"(?P<stem>[^.]+)(?:"
    r"\.cpython-(?P<major>\d)(?P<minor>\d+)(?P<flags>[a-z]*)(?:-(?P<multiarch>[a-z0-9_]+-linux-[a-z0-9_]+))?"
    r"|\.(?P<stable>abi3t?)"
    r")?\.so"
)
_DATA_DIR = re.compile(r"[^/]*\.data/(?:purelib|platlib)/")  # used with .match: anchored, linear


@dataclass(frozen=True, slots=True)
class Extension:
    """An ELF file CPython's importer would load as a module, as its file name says."""

    module: str  # the name PyInit_<name> is looked up by
    suffix: str  # ".cpython-311-x86_64-linux-gnu.so", ".abi3.so", ".so"
    version: tuple[int, int] | None = None  # from a version-specific suffix
    flags: str = ""  # ABI flags of a version-specific suffix: t (free-threaded), d, m
    multiarch: str | None = None
    stable: str | None = None  # "abi3" or "abi3t"


def _hooks(module: str) -> tuple[str, str, str]:
    """PEP 489's ``PyInit_<name>`` (``PyInitU_<punycode>`` when not ASCII), PEP 793's twin, Python 2's."""
    if module.isascii():
        return f"PyInit_{module}", f"PyModExport_{module}", f"init{module}"
    puny = module.encode("punycode").decode("ascii").replace("-", "_")
    return f"PyInitU_{puny}", f"PyModExportU_{puny}", f"init{module}"


def extension(elf: ElfFacts) -> Extension | None:
    """The module ``elf`` is to CPython's importer, or None when no import would load it.

    It must sit where imports look (a package path of identifiers, optionally under a
    wheel's ``<name>.data/purelib|platlib``) and carry a CPython extension suffix; a
    bare ``.so`` counts only when it exports its own module hook, since vendored
    libraries (``libfoo.so``) carry that suffix too.
    """
    data = _DATA_DIR.match(elf.path)
    path = elf.path[data.end() :] if data else elf.path
    if path.startswith(".."):
        return None
    *dirs, name = path.split("/")
    match = _SUFFIX.fullmatch(name)
    if match is None or not all(d.isidentifier() for d in dirs) or not match["stem"].isidentifier():
        return None
    module = match["stem"]
    suffix = name[len(module) :]
    if match["minor"] is not None:
        version = (int(match["major"]), int(match["minor"]))
        return Extension(module, suffix, version, match["flags"], match["multiarch"])
    if match["stable"] is not None:
        return Extension(module, suffix, stable=match["stable"])
    if set(_hooks(module)).isdisjoint(elf.exports):
        return None
    return Extension(module, suffix)


_CP_TAG = re.compile(r"cp(?P<major>\d)(?P<minor>\d+)(?P<flags>[a-z]*)")


#: Name prefixes of the Python C API (PEP 7, 384): what only a CPython provides.
_PY_API = ("Py", "_Py")


def is_module(elf: ElfFacts, ext: Extension) -> bool:
    """Whether a file named like an extension module is one, by what its symbols say.

    A file the importer calls exports a module hook (any ``PyInit_*``/``PyModExport_*``,
    a misnamed one included, or Python 2's ``init<name>``) or binds the Python C API
    (an undefined ``Py*``/``_Py*`` symbol). pycryptodome's 42 ``Crypto/**/*.abi3.so``
    do neither: they are plain C libraries its ``_raw_api`` loads with ctypes/cffi by
    path, so no import ever looks for their hook. Such a file is a note, not a failure.
    """
    hooks = _hooks(ext.module)
    if any(e.startswith(("PyInit", "PyModExport")) or e in hooks for e in elf.exports):
        return True
    return any(s.name.startswith(_PY_API) for s in elf.undefined)


def _import_candidate(elf: ElfFacts) -> Extension | None:
    """The module a file is to the importer, only if its symbols say it is one (see :func:`is_module`)."""
    ext = extension(elf)
    return ext if ext is not None and is_module(elf, ext) else None


def _cp_versions(tags: Iterable[str]) -> dict[tuple[int, int], set[str]]:
    """``cp311`` -> {(3, 11): {""}}, ``cp313t`` -> {(3, 13): {"t"}}: versions and their ABI flags."""
    out: dict[tuple[int, int], set[str]] = {}
    for tag in tags:
        if (m := _CP_TAG.fullmatch(tag)) is not None:
            out.setdefault((int(m["major"]), int(m["minor"])), set()).add(m["flags"])
    return out


def _v(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def _extension_suffix(elf: ElfFacts, ctx: Context) -> Iterable[Violation]:
    """The file's suffix must be one every CPython the wheel's tags name imports (PEP 3149, 384, 803).

    CPython 3.X looks only for ``.cpython-3X<flags>-<multiarch>.so``, ``.abi3.so`` (not on
    free-threaded builds) and ``.abi3t.so`` (3.15 and later) besides a bare ``.so``, so a
    file with another version, another build's flags, or another arch or C library in its
    suffix is never found: ``ModuleNotFoundError``. A bare ``.so`` is always accepted, and
    so is a library loaded by path (ctypes, cffi: :func:`is_module`), whose suffix no
    import reads.
    """
    ext = _import_candidate(elf)
    if ext is None:
        return
    wheel = ctx.wheel
    pythons = _cp_versions(wheel.python_tags)
    abis = _cp_versions(wheel.abi_tags)
    promised = minimum_abi3(wheel.python_tags, wheel.abi_tags)
    if ext.version is not None:
        wanted = f"{ext.version[0]}.{ext.version[1]}"
        if promised is not None:
            yield Violation(
                Check.EXTENSION_SUFFIX,
                ext.suffix,
                expected=".abi3.so",
                hint=f"only CPython {wanted} imports it; the abi3 tag promises {promised} and later",
            )
        elif pythons and ext.version not in pythons:
            tags = ", ".join(f"cp{v[0]}{v[1]}" for v in sorted(pythons))
            yield Violation(
                Check.EXTENSION_SUFFIX,
                ext.suffix,
                hint=f"only CPython {wanted} imports it; the wheel is tagged {tags}",
            )
        flags = abis.get(ext.version)
        if flags is not None and ext.flags not in flags:
            build = "a free-threaded" if "t" in ext.flags else "a GIL-enabled" if "t" in "".join(flags) else "another"
            yield Violation(
                Check.EXTENSION_SUFFIX,
                ext.suffix,
                hint=f"{build} build's suffix; the ABI tag is "
                + ", ".join(f"cp{ext.version[0]}{ext.version[1]}{f}" for f in sorted(flags)),
            )
        if ext.multiarch is not None:
            yield from _multiarch(ext, ctx)
    elif ext.stable == "abi3t":
        older = sorted(v for v in pythons if v < ABI3T_MINIMUM)
        if older:
            yield Violation(
                Check.EXTENSION_SUFFIX,
                ext.suffix,
                hint=f"CPython imports .abi3t.so from {ABI3T_MINIMUM} on (PEP 803); the wheel is tagged "
                f"cp{older[0][0]}{older[0][1]}",
            )
    elif ext.stable == "abi3":
        free = sorted(f"cp{v[0]}{v[1]}{f}" for v, fl in abis.items() for f in fl if "t" in f)
        if wheel.abi_tags and set(wheel.abi_tags) == {"abi3t"}:
            free.append("abi3t")
        if free:
            yield Violation(
                Check.EXTENSION_SUFFIX,
                ext.suffix,
                expected=".abi3t.so",
                hint=f"free-threaded CPython does not import .abi3.so (PEP 803); the wheel is tagged {free[0]}",
            )


def _multiarch(ext: Extension, ctx: Context) -> Iterable[Violation]:
    policy = ctx.policy
    libcs = (Libc.GLIBC, Libc.MUSL) if policy.is_linux else (policy.libc,)
    expected = [m for libc in libcs if (m := multiarch(policy.arch, libc)) is not None]
    if expected and ext.multiarch not in expected:
        yield Violation(
            Check.EXTENSION_SUFFIX,
            ext.suffix,
            expected=f"-{expected[0]}",
            hint=f"a suffix for {ext.multiarch}: a {policy.arch} {policy.libc.value} CPython never looks for it",
        )


def _target_versions(wheel: WheelFacts) -> list[tuple[int, int]]:
    return sorted(_cp_versions(wheel.python_tags))


def _module_init(elf: ElfFacts, ctx: Context) -> Iterable[Violation]:
    """The module hook the importer calls must be defined and exported (PEP 489, PEP 451).

    CPython 3 calls ``PyInit_<module>`` (``PyInitU_<punycode>`` for non-ASCII names); from
    3.15 ``PyModExport_<module>`` (PEP 793) is tried first. Python 2 calls ``init<module>``.
    A hidden or missing hook ends in "dynamic module does not define module export function".
    A file that neither exports a hook nor binds the Python C API is a library loaded by
    path (:func:`is_module`): :func:`import_warnings` notes it instead.
    """
    ext = _import_candidate(elf)
    if ext is None:
        return
    pyinit, modexport, init2 = _hooks(ext.module)
    exports = frozenset(elf.exports)
    versions = _target_versions(ctx.wheel)
    tags = ctx.wheel.python_tags
    python2 = any(t.startswith(("cp2", "py2", "pp2")) for t in tags)
    python3 = not tags or any(not t.startswith(("cp2", "py2", "pp2")) for t in tags)
    if python2 and init2 not in exports and pyinit not in exports:
        yield Violation(
            Check.MODULE_INIT,
            init2,
            hint="not exported: Python 2 cannot initialise the module",
            remedy=f"define and export PyMODINIT_FUNC {init2}(void), or drop Python 2 from the wheel's tags",
        )
    if not python3 or pyinit in exports or (not tags and init2 in exports):
        return
    if modexport in exports:
        floor = promised if (promised := minimum_abi3(tags, ctx.wheel.abi_tags)) else min(versions, default=None)
        if floor is not None and floor < ABI3T_MINIMUM:
            yield Violation(
                Check.MODULE_INIT,
                pyinit,
                hint=f"only {modexport} is exported, which CPython looks up from {ABI3T_MINIMUM} on (PEP 793); "
                f"the wheel's tags include {_v(floor)}",
                remedy=f"export {pyinit} too, for CPython before {ABI3T_MINIMUM}, or raise the wheel's tags to "
                f"{ABI3T_MINIMUM}",
            )
        return
    yield Violation(
        Check.MODULE_INIT,
        pyinit,
        expected="defined, global, default visibility, in .dynsym",
        hint="not exported: import fails with 'dynamic module does not define module export function'",
        remedy=f"define PyMODINIT_FUNC {pyinit}(void) (the module is named after the file, {ext.module}) and keep "
        "it exported: no -fvisibility=hidden without PyMODINIT_FUNC, no version script hiding it",
    )


@dataclass(frozen=True, slots=True)
class ABI3Claim:
    """What an input promises about the Stable ABI: since which CPython, and for which builds."""

    minimum: PyVersion | None  # None: unknown (a bare file): only "not in the stable ABI" can fail
    free_threaded: bool  # abi3t only (PEP 803); an abi3.abi3t wheel is held to abi3


def abi3_claim(
    wheel: WheelFacts, elf: ElfFacts | None = None, assume: tuple[int, int] | None = None
) -> ABI3Claim | None:
    """The Stable ABI promise of a wheel's tags, or, without tags, of ``elf``'s suffix (from ``assume``)."""
    if not {"abi3", "abi3t"}.isdisjoint(wheel.abi_tags):
        free = "abi3" not in wheel.abi_tags
        return ABI3Claim(minimum_abi3(wheel.python_tags, wheel.abi_tags), free)
    if wheel.abi_tags or elf is None:
        return None
    ext = extension(elf)
    if ext is None or ext.stable is None:
        return None
    return ABI3Claim(PyVersion(*assume) if assume else None, ext.stable == "abi3t")


#: Used as the floor when a bare file names no minimum: no version is too new, and
#: only symbols outside the Stable ABI fail.
_NO_FLOOR = PyVersion(3, 99)


def _stable_abi(elf: ElfFacts, ctx: Context) -> Iterable[Violation]:
    """Each ``Py*``/``_Py*`` import of an abi3 input must be Stable ABI from its minimum on (PEP 384, 652).

    Only undefined ``.dynsym`` symbols are bound from the interpreter; what the file
    defines itself (psutil's ``PyErr_SetFromOSErrnoWithSyscall``) is a hygiene warning
    in the audit's notes, not a failure (abi3audit fails it). The minimum is the
    highest ``cpXY`` of the wheel's abi3 tags; abi3t (PEP 803) is judged from 3.15.
    """
    claim = abi3_claim(ctx.wheel, elf, ctx.allow.assume_abi3)
    if claim is None:
        return
    floor = claim.minimum or _NO_FLOOR
    offenders = judge_imports((s.name for s in elf.undefined), floor, free_threaded=claim.free_threaded)
    promised = max(floor, ABI3T_MINIMUM) if claim.free_threaded else floor
    remedy = _stable_abi_remedy(offenders, promised)
    for offender in offenders:
        hint = offender.reason if offender.since is None else f"{offender.reason}; the wheel promises {promised}"
        yield Violation(Check.STABLE_ABI, offender.name, expected=str(promised), hint=hint, remedy=remedy)


def _stable_abi_remedy(offenders: Sequence[Offender], promised: PyVersion) -> str:
    """One fix for a file's offenders: stop calling what is outside, or promise the newest version needed."""
    outside = [o.name for o in offenders if o.since is None]
    newest = max((o.since for o in offenders if o.since is not None), default=None)
    steps = []
    if outside:
        steps.append(f"stop calling {_some(outside[:3])} (not in the stable ABI) or build version-specific wheels")
    if newest is not None:
        steps.append(
            f"raise the wheel's abi3 tag to cp{newest.major}{newest.minor}, or keep cp{promised.major}"
            f"{promised.minor} with Py_LIMITED_API=0x{promised.major:02X}{promised.minor:02X}0000 and stop calling "
            "the newer functions"
        )
    return "; ".join(steps)


def abi3_needed(wheel: WheelFacts) -> PyVersion | None:
    """The oldest CPython whose Stable ABI exports every ``Py*`` import of an abi3 input; None if not abi3.

    Names outside the Stable ABI have no such version and are left to the check.
    """
    needed: PyVersion | None = None
    for elf in wheel.elves:
        claim = abi3_claim(wheel, elf)
        if claim is None:
            continue
        floor = ABI3T_MINIMUM if claim.free_threaded else PyVersion(3, 2)
        needed = max(needed or floor, floor)
        for offender in judge_imports((s.name for s in elf.undefined), (3, 2), free_threaded=claim.free_threaded):
            if offender.since is not None:
                needed = max(needed, offender.since)
    return needed


#: Names listed per warning line, at most.
_WARN_NAMES = 8


def import_warnings(wheel: WheelFacts) -> tuple[str, ...]:
    """Notes on import-ability, never failures: libraries named like modules, reserved exports, abi3t hazards.

    A file with an extension suffix that neither exports a module hook nor binds the
    Python C API is loaded by path (ctypes, cffi), so the import checks skip it; the note
    says so, in case one was meant to be imported. A defined ``Py*``/``_Py*`` export of
    an abi3 input may clash with a later CPython, and an abi3t file that imports a module
    API needing a static ``PyModuleDef`` (PEP 803) may not work although it loads.
    """
    out: list[str] = []
    libraries = sorted(e.path for e in wheel.elves if (ext := extension(e)) is not None and not is_module(e, ext))
    if libraries:
        out.append(
            f"{_some(libraries)}: named like extension modules, but export no PyInit_/PyModExport_ hook and import "
            "no Python C API: libraries loaded by path (ctypes, cffi), not imported, so the import checks skip them"
        )
    for elf in wheel.elves:
        claim = abi3_claim(wheel, elf)
        if claim is None:
            continue
        reserved = reserved_exports(elf.exports)
        if reserved:
            out.append(
                f"{elf.path}: defines {_some(reserved)} with CPython's reserved Py/_Py prefix (stable ABI hygiene)"
            )
        if "abi3t" in wheel.abi_tags or claim.free_threaded:
            hazards = abi3t_hazards((s.name for s in elf.undefined), elf.exports)
            if hazards:
                out.append(
                    f"{elf.path}: {_some(hazards)} need a static PyModuleDef, which abi3t makes opaque (PEP 803)"
                )
    return tuple(out[: _WARN_NAMES * 4])


def _some(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_WARN_NAMES])
    return f"{shown} and {len(names) - _WARN_NAMES} more" if len(names) > _WARN_NAMES else shown


def _record(ctx: Context) -> Iterable[Violation]:
    """Every member listed in RECORD with its true sha256 and size, nothing else listed (wheel spec).

    Without RECORD an installer cannot track or remove files; with a wrong one
    it installs bytes nobody signed off. PyPI refuses a wheel without RECORD,
    emails the maintainers when RECORD's names and the members differ, and
    reads no hash or size (see ``_wheel.InputReader.verify_record``).
    """
    facts = ctx.wheel
    if facts.kind != "wheel":
        return
    if facts.record is None:
        yield Violation(
            Check.RECORD,
            "RECORD",
            hint="the wheel has no RECORD file" + PYPI_REFUSES,  # warehouse: MissingWheelRecordError, HTTP 400
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
    note = f" ({finding.note})" if finding.note else ""
    return Violation(
        check,
        finding.subject,
        hint=hint + (PYPI_REFUSES if finding.pypi else note),
        allowed_by=ctx.allow.check(check, finding.subject),
    )


def _archive(ctx: Context) -> Iterable[Violation]:
    """Zip framing that two zip readers could read two ways (PyPI's upload validation)."""
    for finding in ctx.wheel.archive:
        yield _finding(Check.ARCHIVE, finding, finding.problem, ctx)


#: PyPI reads no WHEEL field yet: warehouse's ``_is_valid_dist_file`` only requires the file
#: (validating its lines and Tag values is warehouse PR 19411, open in August 2026).
_WHEEL_UNCHECKED = "PyPI does not check it yet: warehouse PR 19411"

#: WHEEL's format version this reader knows: installers refuse a higher major version.
WHEEL_VERSION = (1, 0)


def _wheel_metadata(ctx: Context) -> Iterable[Violation]:
    """WHEEL as the binary distribution format spec writes it, and where ELF files sit.

    Tag lines must be expanded (one tag each) and equal to the file name's tags
    (pip issue 13709; proposed for PyPI in warehouse PR 19411); Root-Is-Purelib must
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
        yield Finding(line, "a WHEEL line that is not 'Key: Value'", pypi=False, note=_WHEEL_UNCHECKED)
    version = facts.wheel_version
    if version is None:
        yield Finding("Wheel-Version", "missing from WHEEL", pypi=False, note=_WHEEL_UNCHECKED)
    else:
        parts = version.split(".")
        if len(parts) != 2 or not all(p.isdigit() for p in parts):  # noqa: PLR2004 - major.minor
            yield Finding(f"Wheel-Version: {version}", "not a major.minor version", pypi=False, note=_WHEEL_UNCHECKED)
        elif int(parts[0]) != WHEEL_VERSION[0]:
            yield Finding(
                f"Wheel-Version: {version}",
                "a format version installers refuse (they read 1.x)",
                pypi=False,
                note=_WHEEL_UNCHECKED,
            )
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
            yield Finding(f"Tag: {line}", "not a python-abi-platform tag", pypi=False, note=_WHEEL_UNCHECKED)
            continue
        if any("." in part for part in parts):
            yield Finding(
                f"Tag: {line}",
                "compressed: WHEEL needs one expanded tag per Tag line",
                pypi=False,
                note=_WHEEL_UNCHECKED,
            )
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
            yield Finding(tag, "in the file name, but in no WHEEL Tag line", pypi=False, note=_WHEEL_UNCHECKED)
    for tag in sorted(expanded - named):
        if tag.rsplit("-", 1)[-1] in shared:
            yield Finding(tag, "in WHEEL's Tag lines, but not in the file name", pypi=False, note=_WHEEL_UNCHECKED)


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


# -- what PyPI's upload reads besides the zip and WHEEL (issue 19) ------------------------------
#
# Each rule is warehouse's (pypi/warehouse, ``warehouse/forklift/legacy.py``
# ``file_upload`` and ``warehouse/utils/wheel.py``), and PyPI refuses the upload
# (HTTP 400) when it breaks.

#: warehouse's platform acceptance table for Linux (``_allowed_platforms`` and
#: ``_manylinux_arches``/``_musllinux_arches`` in ``warehouse/utils/wheel.py``):
#: the legacy aliases with their own arches, then PEP 600/656 tags by arch.
PYPI_LEGACY_LINUX: Mapping[str, frozenset[str]] = {
    "manylinux1": frozenset({"x86_64", "i686"}),
    "manylinux2010": frozenset({"x86_64", "i686"}),
    "manylinux2014": frozenset({"x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x"}),
}
_PYPI_JOINT = frozenset({"x86_64", "i686", "aarch64", "armv7l", "ppc64le", "s390x", "riscv64"})
PYPI_PEP600_ARCHES: Mapping[str, frozenset[str]] = {"manylinux": _PYPI_JOINT | {"ppc64"}, "musllinux": _PYPI_JOINT}
_PEP600 = re.compile(r"(?P<family>manylinux|musllinux)_\d+_\d+_(?P<arch>.*)")
#: warehouse's ``_ENTRY_POINT_NAME_RE``, matched whole against console_scripts and gui_scripts names.
_ENTRY_POINT_NAME = re.compile(r"[\w.-]+")
_SCRIPT_SECTIONS = ("console_scripts", "gui_scripts")
#: The first Metadata-Version with License-File (PEP 639); setuptools wrote the field earlier
#: for files it kept at the .dist-info root, which PyPI does not look for.
_LICENSE_FILE_FORMAT = (2, 4)


def pypi_platform_problem(tag: str) -> str | None:
    """Why PyPI refuses a manylinux/musllinux platform tag; None if it accepts it (or it is not one).

    ``linux_*`` tags are the ``tags`` check's; other platforms are not Linux.
    """
    family, _, arch = tag.partition("_")
    if family in PYPI_LEGACY_LINUX:
        allowed = PYPI_LEGACY_LINUX[family]
    else:
        match = _PEP600.fullmatch(tag)
        if match is None:
            return None
        family, arch = match["family"], match["arch"]
        allowed = PYPI_PEP600_ARCHES[family]
    if arch in allowed:
        return None
    return f"PyPI takes {family} wheels only for {', '.join(sorted(allowed))}, not {arch}"


def _upload(ctx: Context) -> Iterable[Violation]:
    """What PyPI's upload refuses beyond the zip, RECORD and WHEEL (warehouse ``file_upload``)."""
    facts = ctx.wheel
    if facts.kind != "wheel":
        return
    for subject, hint, remedy in (
        *_upload_platforms(facts),
        *_upload_identity(facts),
        *_upload_licenses(facts),
        *_upload_entry_points(facts),
    ):
        yield Violation(
            Check.UPLOAD,
            subject,
            hint=hint + PYPI_REFUSES,
            remedy=remedy,
            allowed_by=ctx.allow.check(Check.UPLOAD, subject),
        )


_Rule = tuple[str, str, str]  # subject, hint, remedy


def _upload_platforms(facts: WheelFacts) -> Iterable[_Rule]:
    for tag in facts.filename_platforms:
        problem = pypi_platform_problem(tag)
        if problem is not None:
            yield (
                tag,
                f"a platform tag outside PyPI's acceptance table: {problem}",
                "build for an architecture PyPI accepts, or publish this one on an index of your own",
            )


_REBUILD = "rebuild the wheel with the build backend instead of renaming it (the name carries METADATA's)"


def _upload_identity(facts: WheelFacts) -> Iterable[_Rule]:
    """METADATA's Name and Version against the file name's, compared as warehouse compares them.

    ``file_upload`` refuses a wheel whose ``canonicalize_name(Name)`` differs
    from the file name's, or whose ``Version`` is not equal to it as a PEP 440
    version (``1.0`` equals ``1.0.0``); its metadata checks refuse a missing,
    invalid or local Version.
    """
    if not facts.has_metadata_file:
        yield ("METADATA", "the wheel has no .dist-info/METADATA file", _REBUILD)
        return
    yield from _upload_name(facts.metadata_name, facts.name)
    yield from _upload_version(facts.metadata_version, facts.version)


def _upload_name(name: str | None, filename_name: str | None) -> Iterable[_Rule]:
    from packaging.utils import InvalidName, canonicalize_name  # noqa: PLC0415 - only when auditing a wheel

    if not name:
        yield ("Name", "missing from METADATA", _REBUILD)
        return
    try:
        canonical = canonicalize_name(name, validate=True)
    except InvalidName:
        yield (f"Name: {name}", "not a valid project name (letters, digits, '.', '_', '-')", _REBUILD)
        return
    if filename_name is not None and canonical != filename_name:
        yield (f"Name: {name}", f"the file name says {filename_name!r}: they must be the same project", _REBUILD)


def _upload_version(version: str | None, filename_version: str | None) -> Iterable[_Rule]:
    from packaging.version import InvalidVersion, Version  # noqa: PLC0415 - only when auditing a wheel

    if not version:
        yield ("Version", "missing from METADATA", _REBUILD)
        return
    try:
        parsed = Version(version)
    except InvalidVersion:
        yield (f"Version: {version}", "not a PEP 440 version", _REBUILD)
        return
    if parsed.local is not None:
        yield (f"Version: {version}", "a local version (+label), which PyPI does not take", "drop the +local label")
    if filename_version is not None and parsed != Version(filename_version):
        yield (f"Version: {version}", f"the file name says {filename_version!r}", _REBUILD)


def _upload_licenses(facts: WheelFacts) -> Iterable[_Rule]:
    """Each License-File must be in the wheel at ``.dist-info/licenses/<path>`` (PEP 639)."""
    if not facts.missing_license_files or _format_before(facts.metadata_format, _LICENSE_FILE_FORMAT):
        return
    for path in facts.missing_license_files:
        yield (
            f"License-File: {path}",
            f"named in METADATA, but the wheel has no .dist-info/licenses/{path}",
            "ship the file (build backend: license-files) or drop the License-File line",
        )


def _format_before(text: str | None, version: tuple[int, int]) -> bool:
    parts = (text or "").split(".")
    try:
        return tuple(int(p) for p in parts[:2]) < version
    except ValueError:
        return True  # no usable Metadata-Version: PyPI refuses METADATA itself, not this


def _upload_entry_points(facts: WheelFacts) -> Iterable[_Rule]:
    """entry_points.txt as warehouse's ``validate_entrypoints`` parses it (warehouse PR 20081)."""
    import configparser  # noqa: PLC0415 - only for a wheel that has entry points

    fix = "name each console/gui script with letters, digits, '_', '.' and '-' only (`name = module:function`)"
    if not facts.entry_points_utf8:
        yield ("entry_points.txt", "not UTF-8", "write entry_points.txt as UTF-8")
        return
    if facts.entry_points is None:
        return

    class CaseSensitive(configparser.ConfigParser):
        optionxform = staticmethod(str)  # type: ignore[assignment] # keys as written, as warehouse reads them

    parser = CaseSensitive(delimiters=("=",))
    try:
        parser.read_string(facts.entry_points)
    except configparser.Error as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        yield ("entry_points.txt", f"not a valid INI file ({first[:_INI_ERROR_CHARS]})", fix)
        return
    for section in _SCRIPT_SECTIONS:
        if parser.has_section(section):
            for key in parser[section]:
                if _ENTRY_POINT_NAME.fullmatch(key) is None:
                    yield (f"[{section}] {key}", "an entry point name that is not [\\w.-]+", fix)


_INI_ERROR_CHARS = 120


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
        Check.LIBPYTHON, file, "libpython", Layout.LINES, decides_tag=True, file_rule=_libpython,
        remedy="do not link libpython (drop -lpython3.X; the interpreter provides its symbols); "
        "`auditwheel repair` removes the link",
    )  # fmt: skip
    yield CheckDef(
        Check.EXTENSION_SUFFIX, file, "extension suffix", Layout.LINES, decides_tag=False,
        file_rule=_extension_suffix,
        remedy="build each extension with the suffix of the interpreter it targets "
        "(sysconfig's EXT_SUFFIX; .abi3.so for abi3 wheels), or fix the wheel's tags",
    )  # fmt: skip
    yield CheckDef(
        Check.MODULE_INIT, file, "module init function", Layout.LINES, decides_tag=False, file_rule=_module_init,
        remedy="define PyMODINIT_FUNC PyInit_<name>(void) for the name in the file name, and export it "
        "(no -fvisibility=hidden without PyMODINIT_FUNC, no version script hiding it)",
    )  # fmt: skip
    yield CheckDef(
        Check.STABLE_ABI, file, "stable ABI", Layout.LINES, decides_tag=False, file_rule=_stable_abi,
        remedy="set Py_LIMITED_API to the wheel's minimum version and stop calling these functions, "
        "or raise the wheel's cpXY tag to the newest 'stable since', or build version-specific wheels",
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
        Check.UPLOAD, wheel, "PyPI upload rules", Layout.LINES, decides_tag=False, wheel_rule=_upload,
        remedy="make METADATA, entry_points.txt, the License-File list and the platform tags what PyPI's "
        "upload accepts: rebuild with the build backend rather than editing or renaming the wheel",
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
