"""Facts + policy -> verdict, through the check registry. Pure: no I/O, no elftools, no zipfile.

The semantics follow auditwheel 6.8.2 wherever it is right (``wheel_abi.py``,
``policy/__init__.py``), hermetically: a library counts as shipped only when
the loader would find it inside the wheel, never on the host.
"""

from __future__ import annotations

import collections
import dataclasses
import posixpath
from typing import TYPE_CHECKING

from ._checks import (
    FILE_CHECKS,
    NO_ALLOWANCES,
    PYFPE_SUBJECT,
    REGISTRY,
    REPAIRABLE,
    UCS2_SUBJECT,
    WHEEL_CHECKS,
    Allowances,
    CheckDef,
    Context,
    has_image,
    input_name,
    inside,
    is_loader,
    unfit_remedy,
    unfit_summary,
)
from ._model import AuditwheelFlags, Check, ElfFacts, FileVerdict, Policy, Violation, WheelFacts, WheelVerdict
from ._policy import PYPI_LINUX_TAGS, version_key

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

__all__ = [
    "SYMBOL_CHECKS",
    "Unfit",
    "WheelIndex",
    "auditwheel_flags",
    "best_policy",
    "evaluate_file",
    "evaluate_wheel",
    "tag_violations",
    "unfit",
]


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


def _compatible(a: ElfFacts, b: ElfFacts) -> bool:
    return (a.elf_class, a.little_endian, a.machine) == (b.elf_class, b.little_endian, b.machine)


def evaluate_file(
    elf: ElfFacts,
    ctx: Context,
    checks: Sequence[CheckDef] = FILE_CHECKS,
) -> FileVerdict:
    """Judge one ELF file against one policy; every file check (or ``checks``), in report order.

    A file built for another architecture is reported as that alone: its
    symbol versions and libraries mean nothing against this arch's policy.
    """
    arch = REGISTRY[Check.ARCH]
    if arch in checks and arch.file_rule is not None and (wrong := tuple(arch.file_rule(elf, ctx))):
        return FileVerdict(elf.path, ctx.policy.tag, wrong)
    found: list[Violation] = []
    for definition in checks:
        if definition.file_rule is not None:
            found.extend(definition.file_rule(elf, ctx))
    return FileVerdict(elf.path, ctx.policy.tag, tuple(found))


def evaluate_wheel(index: WheelIndex, policy: Policy, allow: Allowances = NO_ALLOWANCES) -> WheelVerdict:
    """Judge every ELF file of a wheel, and the wheel itself, against one policy."""
    ctx = Context(policy, index, allow, index.facts)
    files = tuple(evaluate_file(elf, ctx) for elf in index.facts.elves)
    wheel = [v for d in WHEEL_CHECKS if d.wheel_rule is not None for v in d.wheel_rule(ctx)]
    return WheelVerdict(index.facts.path, policy.tag, files, tuple(wheel))


#: The checks that decide the most compatible tag (auditwheel's "consistent
#: with the following platform tag"): libraries, symbol versions, blacklist,
#: ISA and the Python ABI; a wrong platform (arch, libc, interpreter) rules out
#: every tag of the family. Hygiene failures (exec stack, RPATH, RECORD) fail
#: every tag alike, so they are reported beside the tag instead.
_TAG_CHECKS = tuple(d for d in FILE_CHECKS if d.decides_tag)


#: What decides auditwheel's ``sym_tag``, the tag the symbols alone allow: their versions
#: and, on 32-bit musl, the 64-bit ``time_t`` names that only musl 1.2 defines (a
#: musllinux_1_2 wheel by its symbols is not musllinux_1_1 by its ``sym_tag``).
SYMBOL_CHECKS = (Check.SYMBOL_VERSIONS, Check.MUSL_TIME64)


def best_policy(index: WheelIndex, family: Sequence[Policy], *, checks: Sequence[Check] = ()) -> Policy:
    """The most compatible policy the wheel satisfies (auditwheel's overall tag).

    With ``checks``, only those decide (:data:`SYMBOL_CHECKS` gives auditwheel's
    ``sym_tag``). Allowances never change what a wheel really is.
    """
    deciding = tuple(REGISTRY[c] for c in checks) or _TAG_CHECKS
    for policy in family:
        if policy.is_linux:
            return policy
        ctx = Context(policy, index, NO_ALLOWANCES, index.facts)
        if all(evaluate_file(elf, ctx, deciding).passed for elf in index.facts.elves):
            return policy
    return family[-1]


@dataclasses.dataclass(frozen=True, slots=True)
class Unfit:
    """Why content fits no manylinux/musllinux policy, for a ``linux_*`` tag's remedy to name."""

    #: Its tag-deciding failures against the newest policy of its family: what keeps it from every one.
    blockers: tuple[Violation, ...]
    #: The policy it meets once ``auditwheel repair`` grafted its libraries (None: a rebuild is needed).
    repair_to: Policy | None


def unfit(index: WheelIndex, family: Sequence[Policy]) -> Unfit | None:
    """What keeps content from every policy of ``family`` (None: no such policy exists for its arch).

    Policies only grow (PEP 600), so what fails the newest fails them all. The
    repair target is the oldest policy the content meets once the libraries
    are grafted that has an image of its own to repair in, else the oldest it meets.
    """
    real = [p for p in family if not p.is_linux]
    if not real:
        return None
    # Each blocker's own remedy is the one for the oldest policy with an image: the
    # rebuild that reaches the most systems (a blocker of the newest fails it too).
    oldest = next((p for p in real if has_image(p)), real[-1])
    remedies = {(e.path, v.check, v.subject): v.remedy for e, v in _failures(index, oldest, _TAG_CHECKS)}
    blockers = tuple(
        dataclasses.replace(v, remedy=remedies.get((e.path, v.check, v.subject)) or v.remedy)
        for e, v in _failures(index, real[-1], _TAG_CHECKS)
    )
    mendable = tuple(d for d in _TAG_CHECKS if d.check not in REPAIRABLE)
    meets = [p for p in real if not any(True for _ in _failures(index, p, mendable))]
    return Unfit(blockers, next((p for p in meets if has_image(p)), meets[0] if meets else None))


def _failures(index: WheelIndex, policy: Policy, checks: Sequence[CheckDef]) -> Iterator[tuple[ElfFacts, Violation]]:
    """Each ELF file's counting violations of ``checks`` against ``policy``, allowances aside."""
    ctx = Context(policy, index, NO_ALLOWANCES, index.facts)
    for elf in index.facts.elves:
        for v in evaluate_file(elf, ctx, checks).violations:
            if v.counts:
                yield elf, v


def tag_violations(
    facts: WheelFacts,
    verdicts: Sequence[WheelVerdict],
    best: Policy,
    unknown: Sequence[str],
    declared_as: Mapping[str, str] | None = None,
    *,
    allow: Allowances = NO_ALLOWANCES,
    why_unfit: Unfit | None = None,
) -> tuple[Violation, ...]:
    """What is wrong with the tags a wheel declares, given its content.

    ``declared_as`` maps a policy's tag to the tag the wheel wrote for it, so a
    report names the alias the file uses: ``manylinux1_x86_64 (= manylinux_2_5_x86_64)``.
    A ``tags`` entry of ``allow`` accepts them as for any check: ``tags``,
    ``tags:linux_*`` (the subject) or ``tags:*.whl`` (the input's file name).
    ``why_unfit`` (from :func:`unfit`) says what keeps content whose best tag is
    ``linux_*`` from a manylinux/musllinux one.
    """
    found = _tag_problems(facts, verdicts, best, unknown, declared_as, why_unfit=why_unfit)
    return _allowed(tuple(found), allow, facts)


def _allowed(found: tuple[Violation, ...], allow: Allowances, facts: WheelFacts) -> tuple[Violation, ...]:
    """``found`` with each ``tags`` violation an entry of ``allow`` accepts marked with its reason."""
    name = input_name(facts.path)
    return tuple(
        dataclasses.replace(v, allowed_by=reason) if (reason := allow.check(Check.TAGS, v.subject, name)) else v
        for v in found
    )


#: Platforms a tags violation names; WHEEL may declare up to ``max_wheel_tags`` (issue 19).
_SHOWN_PLATFORMS = 20


def _platform_list(platforms: Sequence[str]) -> str:
    """The first platforms, then how many more: 1,000 of them made a 25 KB line."""
    shown = " ".join(platforms[:_SHOWN_PLATFORMS])
    more = len(platforms) - _SHOWN_PLATFORMS
    return f"{shown} (+{more} more)" if more > 0 else shown


def _tag_problems(
    facts: WheelFacts,
    verdicts: Sequence[WheelVerdict],
    best: Policy,
    unknown: Sequence[str],
    declared_as: Mapping[str, str] | None,
    *,
    why_unfit: Unfit | None,
) -> list[Violation]:
    out: list[Violation] = []
    if facts.wheel_platforms is not None and facts.filename_platforms:
        if set(facts.wheel_platforms) != set(facts.filename_platforms):
            out.append(
                Violation(
                    Check.TAGS,
                    "WHEEL Tag lines: " + _platform_list(facts.wheel_platforms),
                    expected="file name: " + _platform_list(facts.filename_platforms),
                    hint="the file name and WHEEL disagree",
                    remedy="write WHEEL's Tag lines from the file name's tags (`wheel tags` rewrites both)",
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
                remedy=f"tag it {best.tag}: declare the extensions to the build backend (setuptools: ext_modules) "
                "so it builds a platform wheel",
            )
        )
    out.extend(
        Violation(
            Check.TAGS,
            tag,
            hint="not a platform tag the policy data knows",
            remedy="use a tag from `pytest-manylinux --list-policies`, or pass --policy-file with newer data",
        )
        for tag in unknown
    )
    hint, remedy = _linux_tag_advice(facts, best, why_unfit)
    out.extend(
        Violation(
            Check.TAGS,
            tag,
            expected=best.tag,
            hint=f"not uploadable: PyPI refuses linux_* wheels; {hint}",
            remedy=remedy,
        )
        for tag in declared
        if tag.startswith("linux_") and tag not in PYPI_LINUX_TAGS and facts.kind == "wheel"
    )
    for verdict in verdicts:
        # Only what decides a tag makes a declared tag false; a missing RECORD or a
        # leaked RPATH is reported by its own check.
        if any(v.counts and REGISTRY[v.check].decides_tag for f in verdict.files for v in f.violations):
            written = (declared_as or {}).get(verdict.policy, verdict.policy)
            out.append(
                Violation(
                    Check.TAGS,
                    written if written == verdict.policy else f"{written} (= {verdict.policy})",
                    expected=best.tag,
                    hint=f"declared, but the content does not qualify; it qualifies for {best.tag}",
                    remedy=f"rebuild to meet {written}, or retag it {best.tag} (`wheel tags --platform-tag`)"
                    if not best.is_linux
                    else f"rebuild to meet {written}: no manylinux/musllinux tag fits the content as built",
                )
            )
    return out


def _linux_tag_advice(facts: WheelFacts, best: Policy, why_unfit: Unfit | None) -> tuple[str, str]:
    """The hint and remedy of a ``linux_*`` tag: the way to a manylinux/musllinux one, in full.

    Self-contained: the tags block may be all a report prints (the ``linux``
    policy's own verdict has no failures), so it names what blocks the tag.
    """
    if not best.is_linux:
        return (
            f"run auditwheel repair, or build in a manylinux image; the content qualifies for {best.tag}",
            f"run `auditwheel repair --plat {best.tag}`: with nothing to graft, it retags the wheel",
        )
    if why_unfit is not None and why_unfit.blockers:
        what = unfit_summary(why_unfit.blockers)
        return f"no manylinux/musllinux tag fits the content as built ({what})", unfit_remedy(
            why_unfit.blockers, why_unfit.repair_to
        )
    if not facts.elves:
        return "it holds no ELF file", "build it as a pure-Python wheel (py3-none-any): it needs no platform tag"
    if why_unfit is None and best.arch != "unknown":
        return (
            f"no manylinux/musllinux policy exists for {best.arch}",
            f"PyPI takes no {best.arch} wheel: publish the sdist, or the wheel on an index of your own",
        )
    return (
        "its ELF files are of no architecture a manylinux/musllinux policy covers",
        "build its ELF files for the wheel's architecture, or drop them from the wheel",
    )


def auditwheel_flags(facts: WheelFacts, strictest: WheelVerdict | None) -> AuditwheelFlags:
    """``auditwheel show --json``'s flags, read against the most compatible policy, as auditwheel does."""
    versioned: dict[str, set[str]] = {}
    for elf in facts.elves:
        for need in elf.version_needs:
            if not is_loader(need.library):
                versioned.setdefault(need.library, set()).add(need.version)
    strict = [v for f in (strictest.files if strictest else ()) for v in f.violations]
    python_abi = {v.subject for v in strict if v.check is Check.PYTHON_ABI}
    return AuditwheelFlags(
        # auditwheel lists libpython among the external libraries (lddtree's LIBPYTHON_RE).
        external_libs=tuple(sorted({v.subject for v in strict if v.check in (Check.LIBRARIES, Check.LIBPYTHON)})),
        versioned_symbols={k: tuple(sorted(v, key=version_key)) for k, v in sorted(versioned.items())},
        pyfpe=PYFPE_SUBJECT in python_abi,
        ucs2=UCS2_SUBJECT in python_abi,
        unsupported_isa=any(v.check is Check.ISA for v in strict),
    )
