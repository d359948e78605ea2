"""Verdicts -> text diffs, JSON documents and Markdown. Pure: returns strings and dicts.

This is the one renderer: the CLI, the gate's items, the markers, the terminal
summary and every report file take their text from here, so they cannot
disagree. A failure reads as a diff against the target policy: ``-`` lines are
what the policy expects, ``+`` lines what the file needs instead, naming the
symbols responsible, then the remedy.

Every string that comes from a wheel (member names, sonames, symbols, RPATHs)
is escaped for the format it is written to, and every list is capped, so a
hostile wheel can neither rewrite a terminal or a job summary, nor run a CI
runner's workflow command (``##[...]``, ``::...::``), nor make a report grow
without bound.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Literal, TypedDict

from ._checks import FILE_CHECKS, REGISTRY, WHEEL_CHECKS, CheckDef, Layout
from ._errors import plain
from ._model import Audit, Check, ElfFacts, FileVerdict, Policy, Violation, WheelVerdict
from ._policy import version_key

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping, Sequence

__all__ = [
    "BASELINE_CHECK",
    "BASELINE_TARGET",
    "DECLARED",
    "JSON_SCHEMA",
    "JSON_SCHEMA_VERSION",
    "BaselineJSON",
    "ChangeJSON",
    "DocumentJSON",
    "ResultJSON",
    "WheelInfoJSON",
    "WheelJSON",
    "audit_document",
    "audit_results",
    "baseline_headline",
    "baseline_result",
    "check_result",
    "document",
    "headline",
    "item_headline",
    "markdown_cell",
    "remedies",
    "render_annotations",
    "render_audit",
    "render_baseline",
    "render_check",
    "render_facts",
    "render_file",
    "render_gate_item",
    "render_markdown",
    "render_policies",
    "render_summary",
    "run_verdict",
    "wheel_info",
    "wheel_json",
]

#: The document type every JSON producer writes; bumped on incompatible changes.
JSON_SCHEMA = "pytest-manylinux/audit"
JSON_SCHEMA_VERSION = 2

_SUBJECT_WIDTH = 30
REGISTRY_BY_ID = {c.value: c for c in REGISTRY}
#: Caps on what one report shows, whatever the input holds.
MAX_SYMBOLS = 8  # symbols named per text line
MAX_LINES = 20  # violation lines per check block in text
MAX_JSON_ITEMS = 200  # violations per check result, symbols per violation, entries per fact list
MAX_SUMMARY_PROBLEMS = 3  # problems per wheel in summaries and Markdown
MAX_REMEDIES = 3  # distinct case-specific fix lines per check block
MAX_REMEDY_CHARS = 400  # one fix line, however long the wheel's names
MAX_HEADLINE_CHARS = 200  # pytest's short summary line


def _t(text: str) -> str:
    """Escape for a terminal, a CI log or plain text: no control character, no workflow command survives."""
    return plain(text)


def _capped_text(text: str, limit: int) -> str:
    """Escaped, and cut at ``limit`` characters with an ellipsis."""
    text = _t(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _more(total: int, shown: int) -> str:
    return f"... and {total - shown} more"


def _symbols(names: Sequence[str]) -> str:
    shown = ", ".join(_t(n) for n in names[:MAX_SYMBOLS])
    return f"{shown}, {_more(len(names), MAX_SYMBOLS)}" if len(names) > MAX_SYMBOLS else shown


def _allowed(v: Violation) -> str:
    return f"  [allowed: {_t(v.allowed_by)}]" if v.allowed_by else ""


def _lines(definition: CheckDef, items: Sequence[Violation]) -> list[str]:
    """The +/- lines of one check's block, capped at MAX_LINES violations."""
    if definition.layout is Layout.VERSIONS:
        ordered = sorted(items, key=lambda v: version_key(v.subject))
    elif definition.layout is Layout.EXPECTED:
        ordered = list(items)
    else:
        ordered = sorted(items, key=lambda v: v.subject)
    lines: list[str] = []
    for v in ordered[:MAX_LINES]:
        subject = _t(v.subject)
        match definition.layout:
            case Layout.VERSIONS:
                names = _symbols(v.symbols) if v.symbols else "(no symbol names: only .gnu.version_r)"
                lines.append(f"+ {subject:<12} {names}{_allowed(v)}")
            case Layout.EXPECTED:
                if v.expected:
                    lines.append(f"- {_t(v.expected)}")
                lines.append(f"+ {subject}{_allowed(v)}")
            case Layout.SYMBOLS:
                lines.append(f"+ {subject:<{_SUBJECT_WIDTH}} {_symbols(v.symbols)}{_allowed(v)}")
            case Layout.LINES:
                lines.append(f"+ {subject:<{_SUBJECT_WIDTH}} {_t(v.hint)}{_allowed(v)}".rstrip())
    if len(ordered) > MAX_LINES:
        lines.append(_more(len(ordered), MAX_LINES))
    return lines


def _title(definition: CheckDef, items: Sequence[Violation]) -> str:
    title = definition.title
    if definition.check is Check.SYMBOL_VERSIONS:
        prefixes: dict[str, str | None] = {}
        for v in items:
            prefixes.setdefault(v.subject.partition("_")[0], v.expected)
        parts = [
            f"{_t(prefix)}: the policy allows up to {_t(ceiling)}"
            if ceiling
            else f"{_t(prefix)}: the policy allows none"
            for prefix, ceiling in sorted(prefixes.items())[:MAX_LINES]
        ]
        return f"{title} ({'; '.join(parts)})"
    hints = {v.hint for v in items if v.hint}
    if definition.layout in (Layout.EXPECTED, Layout.SYMBOLS) and len(hints) == 1:
        return f"{title} ({_t(hints.pop())})"
    return title


def render_block(check: Check, items: Sequence[Violation], *, indent: str = "  ") -> str:
    """One check's block: its title, its +/- lines and, when something counts, its remedy."""
    if not items:
        return ""
    definition = REGISTRY[check]
    lines = [_title(definition, items), *_lines(definition, items)]
    lines.extend(f"fix: {r}" for r in remedies(definition, items))
    return "\n".join(indent + line for line in lines)


def remedies(definition: CheckDef, items: Sequence[Violation]) -> list[str]:
    """The fix lines of a block: each counting violation's own remedy, deduplicated, capped and escaped.

    A violation without one falls back to the check's general remedy; allowed
    violations need no fix.
    """
    wanted = list(dict.fromkeys(v.remedy or definition.remedy for v in items if v.counts))
    shown = [_capped_text(r, MAX_REMEDY_CHARS) for r in wanted[:MAX_REMEDIES]]
    if len(wanted) > MAX_REMEDIES:
        shown.append(_more(len(wanted), MAX_REMEDIES) + " (one per line above)")
    return shown


def render_check(verdict: FileVerdict, check: Check, *, indent: str = "  ") -> str:
    """One check's block of one file's diff."""
    return render_block(check, verdict.of(check), indent=indent)


def render_file(verdict: FileVerdict, checks: Iterable[Check] | None = None) -> str:
    """A file's whole diff against its policy: a header, then a block per check."""
    wanted = tuple(checks) if checks is not None else tuple(d.check for d in FILE_CHECKS)
    blocks = [render_check(verdict, check) for check in wanted if verdict.of(check)]
    return "\n".join([f"{_t(verdict.path)}  vs  {_t(verdict.policy)}", *blocks])


def render_verdict(verdict: WheelVerdict) -> str:
    """Every failing (or allowed-with-reason) file of a wheel against one policy, then the wheel's own."""
    shown = sorted((f for f in verdict.files if f.violations), key=lambda f: f.path)
    parts = [render_file(f) for f in shown[:MAX_LINES]]
    if len(shown) > MAX_LINES:
        parts.append(_more(len(shown), MAX_LINES) + " files")
    if verdict.violations:
        blocks = [render_block(d.check, _of(verdict.violations, d.check)) for d in WHEEL_CHECKS]
        parts.append("\n".join([f"{_t(verdict.wheel)}  vs  {_t(verdict.policy)}", *(b for b in blocks if b)]))
    return "\n".join(parts)


def _of(violations: Iterable[Violation], check: Check) -> tuple[Violation, ...]:
    return tuple(v for v in violations if v.check is check)


def render_tags(audit: Audit) -> str:
    """The declared-tags block, ending with the most compatible tag."""
    block = render_block(Check.TAGS, audit.tags)
    return "\n".join([b for b in (block,) if b] + [_best_line(audit)])


def _best_line(audit: Audit) -> str:
    if not audit.facts.elves:
        return "no ELF files: nothing here depends on the platform"
    return f"most compatible tag this wheel qualifies for: {_t(audit.best or '(none)')}"


def render_audit(audit: Audit, *, verbose: bool = False, release: bool = False) -> str:
    """The report of one audit: a status line, the diffs, the tags, then the best tag.

    ``release`` judges as the CLI and the gate do: declared tags must hold even
    when an explicit policy is the target.
    """
    facts = audit.facts
    ok = audit.releasable if release else audit.passed
    targets = ", ".join(_t(v.policy) for v in audit.verdicts) or "(no target)"
    count = f"{len(facts.elves)} ELF file{'s' if len(facts.elves) != 1 else ''}"
    lines = [f"{'PASS' if ok else 'FAIL'}  {_t(facts.path)}  ({count}; target: {targets})"]
    for verdict in audit.verdicts:
        if not verdict.passed or verbose or any(f.violations for f in verdict.files) or verdict.violations:
            text = render_verdict(verdict)
            if text:
                lines.append(text)
    if audit.tags and (release or not audit.explicit):
        lines.append(render_block(Check.TAGS, audit.tags))
    lines.extend(f"note: {_t(n)}" for n in audit.notes)
    for elf in facts.elves:
        lines.extend(f"warning: {_t(elf.path)}: {_t(w)}" for w in elf.warnings[:MAX_LINES])
    lines.append(_best_line(audit))
    if facts.elves:
        hygiene = sorted(
            {
                v.check.value
                for verdict in audit.verdicts
                for v in (*(v for f in verdict.files for v in f.violations), *verdict.violations)
                if not REGISTRY[v.check].decides_tag and v.counts
            }
        )
        if hygiene:
            lines.append(f"  but it fails every tag on: {', '.join(hygiene)}")
    return "\n".join(lines)


#: The target name of the declared-tags check in results.
DECLARED = "declared tags"


def _problem(v: Violation, *, named: bool) -> str:
    """One violation in a few words: ``CXXABI_1.3.9 (_ZdlPvm)``, or, ``named``, ``libraries libssl.so.3``.

    A symbol version names itself; other subjects are named with their check
    unless the line already says which check it is.
    """
    names = f" ({_symbols(v.symbols[:2])}{', ...' if len(v.symbols) > 2 else ''})" if v.symbols else ""  # noqa: PLR2004
    check = named and REGISTRY[v.check].layout is not Layout.VERSIONS
    return f"{v.check.value + ' ' if check else ''}{_t(v.subject)}{names}"


def _problems(found: Iterable[Violation], *, named: bool = False) -> str:
    """The first counting violations, in report order, then how many more."""
    order = {c: i for i, c in enumerate(REGISTRY)}
    counted = sorted((v for v in found if v.counts), key=lambda v: (order[v.check], version_key(v.subject), v.subject))
    parts = list(dict.fromkeys(_problem(v, named=named) for v in counted))
    shown = ", ".join(parts[:MAX_SUMMARY_PROBLEMS])
    return shown + (f", {_more(len(parts), MAX_SUMMARY_PROBLEMS)}" if len(parts) > MAX_SUMMARY_PROBLEMS else "")


def headline(check: Check, found: Sequence[Violation]) -> str:
    """One line naming what failed, for pytest's short summary: ``symbol-versions: GLIBC_2.14 (memcpy)``."""
    return _capped_text(f"{check.value}: {_problems(found)}", MAX_HEADLINE_CHARS)


def item_headline(audit: Audit, check: Check, elf: str | None) -> str:
    """A gate item's first line, what ``-rf`` shows: ``manylinux_2_17_x86_64: GLIBC_2.28 (fcntl64)``."""
    if check is Check.TAGS:
        return headline(check, audit.tags)
    parts = []
    for verdict in audit.verdicts:
        items = (
            verdict.violations
            if elf is None
            else tuple(v for f in verdict.files if f.path == elf for v in f.violations)
        )
        mine = [v for v in items if v.check is check and v.counts]
        if mine:
            parts.append(f"{verdict.policy}: {_problems(mine)}")
    return _capped_text("; ".join(parts) or check.value, MAX_HEADLINE_CHARS)


def audit_headline(audit: Audit, names: Mapping[str, str] | None = None) -> str:
    """A failed audit in one line, for pytest's short summary: ``manylinux2014: CXXABI_1.3.9 (_ZdlPvm)``.

    ``names`` maps a verdict's tag to the name the test wrote (its marker's policy).
    """
    parts = []
    for verdict in audit.verdicts:
        found = [v for v in (*(v for f in verdict.files for v in f.violations), *verdict.violations) if v.counts]
        if found:
            parts.append(f"{(names or {}).get(verdict.policy, verdict.policy)}: {_problems(found, named=True)}")
    if not parts and not audit.tags_hold:
        parts.append(headline(Check.TAGS, audit.tags))
    return _capped_text("; ".join(parts) or "passed", MAX_HEADLINE_CHARS)


def render_policies(policies: Iterable[Policy]) -> str:
    """Every policy: name, aliases, C library and the architectures it has data for."""
    rows: dict[tuple[str, str], set[str]] = {}
    aliases: dict[tuple[str, str], tuple[str, ...]] = {}
    for policy in policies:
        key = (policy.libc.value, policy.name)
        rows.setdefault(key, set()).add(policy.arch)
        aliases[key] = policy.aliases
    lines = []
    for (libc, name), arches in sorted(rows.items(), key=lambda item: (item[0][0], _natural(item[0][1]))):
        alias = f" (= {', '.join(aliases[libc, name])})" if aliases[libc, name] else ""
        lines.append(f"{_t(name)}{_t(alias)}  [{libc}]  {' '.join(sorted(_t(a) for a in arches))}")
    return "\n".join(lines)


def render_facts(audit: Audit, files: Collection[str] | None = None) -> str:
    """The fact view (``--show``): per ELF file, what it needs, and what keeps it from its target.

    What users read ``auditwheel show`` for: the libraries each file needs and
    whether the target allows them, its RPATH/RUNPATH, the highest version per
    prefix with the symbols behind it, then per failing target what to drop or
    rebuild, and what the declared tags need.
    ``files`` narrows it to some ELF files (pytest ``-v`` shows the failing ones).
    """
    facts = audit.facts
    elves = tuple(e for e in facts.elves if files is None or e.path in files)
    lines = [f"{_t(facts.path)}  ({len(facts.elves)} ELF file{'s' if len(facts.elves) != 1 else ''})"]
    lines.append(
        f"  declared: {_t(' '.join(facts.declared_platforms) or '-')}  most compatible: {_t(audit.best or '-')}"
    )
    refused = {
        (f.path, v.subject): verdict.policy
        for verdict in audit.verdicts
        for f in verdict.files
        for v in f.violations
        if v.check is Check.LIBRARIES and v.counts
    }
    for elf in elves[:MAX_LINES]:
        lines.extend(_file_facts(elf, refused))
    if len(elves) > MAX_LINES:
        lines.append("  " + _more(len(elves), MAX_LINES) + " files")
    lines.extend(_steps(audit, files))
    return "\n".join(lines)


def _file_facts(elf: ElfFacts, refused: Mapping[tuple[str, str], str]) -> list[str]:
    """One ELF file's needs: libraries (and whether allowed), search path, highest versions."""
    lines = [f"  {_t(elf.path)}  [{_t(elf.arch or elf.machine)}]"]
    for lib in elf.needed[:MAX_LINES]:
        status = f"not allowed by {_t(refused[elf.path, lib])}" if (elf.path, lib) in refused else "ok"
        lines.append(f"    needs {_t(lib):<30} {status}")
    for tag, entries in (("DT_RUNPATH", elf.runpath), ("DT_RPATH", elf.rpath)):
        if entries:
            lines.append(f"    {tag:<10} {_t(':'.join(entries[:MAX_LINES]))}")
    highest: dict[str, str] = {}
    for need in elf.version_needs:
        prefix = need.version.partition("_")[0]
        if prefix not in highest or version_key(need.version) > version_key(highest[prefix]):
            highest[prefix] = need.version
    by_version = elf.symbols_by_version()
    for prefix, version in sorted(highest.items())[:MAX_LINES]:
        lines.append(f"    {_t(prefix):<8} up to {_t(version):<16} {_symbols(by_version.get(version, ()))}")
    return lines


def _steps(audit: Audit, files: Collection[str] | None) -> list[str]:
    """Per target, what to bundle, drop, rebuild or fix; then what the declared tags need."""
    lines = []
    for verdict in audit.verdicts:
        found = [v for f in verdict.files if files is None or f.path in files for v in f.violations if v.counts]
        found += [v for v in verdict.violations if v.counts and files is None]
        if not found:
            lines.append(f"  to reach {_t(verdict.policy)}: nothing to change in the files")
            continue
        drop = sorted({v.subject for v in found if v.check is Check.LIBRARIES})
        versions = sorted({v.subject for v in found if v.check is Check.SYMBOL_VERSIONS}, key=version_key)
        others = sorted({v.check.value for v in found} - {Check.LIBRARIES.value, Check.SYMBOL_VERSIONS.value})
        steps = []
        if drop:
            steps.append(f"bundle or drop {', '.join(_t(x) for x in drop[:MAX_SYMBOLS])}")
        if versions:
            steps.append(f"rebuild without {', '.join(_t(x) for x in versions[:MAX_SYMBOLS])}")
        if others:
            steps.append(f"fix {', '.join(others)}")
        lines.append(f"  to reach {_t(verdict.policy)}: {'; '.join(steps)}")
    tags = [v for v in audit.tags if v.counts] if files is None else []
    if tags:
        subjects = ", ".join(_t(v.subject) for v in tags[:MAX_SYMBOLS])
        lines.append(f"  declared tags {subjects}: {_t(tags[0].remedy or REGISTRY[Check.TAGS].remedy)}")
    return lines


def render_gate_item(audit: Audit, check: Check, elf: str | None) -> tuple[str, list[Violation]]:
    """The failure text of one gate item (one check of one file, or of the wheel) and its violations."""
    blocks: list[str] = []
    found: list[Violation] = []
    if check is Check.TAGS:
        found = list(audit.tags)
        return render_tags(audit), found
    for verdict in audit.verdicts:
        if elf is None:
            items = _of(verdict.violations, check)
            where = _t(verdict.wheel)
        else:
            items = tuple(v for f in verdict.files if f.path == elf for v in f.of(check))
            where = _t(elf)
        if items:
            found.extend(items)
            blocks.append(f"{where}  vs  {_t(verdict.policy)}\n{render_block(check, items)}")
    return "\n".join(blocks), found


# -- JSON -------------------------------------------------------------------------------------


class ViolationJSON(TypedDict):
    check: str
    subject: str
    expected: str | None
    symbols: list[str]
    symbols_more: int
    hint: str
    allowed_by: str | None
    remedy: str


#: "allowed": every violation is allowlisted; "xfailed": a test marked xfail expected the failure.
Outcome = Literal["passed", "failed", "allowed", "xfailed"]


class ResultJSON(TypedDict):
    """One check of one file (or of the wheel) against one target: what a gate item reports."""

    wheel: str
    target: str
    check: str
    file: str | None
    outcome: Outcome
    violations: list[ViolationJSON]
    violations_more: int


class FileJSON(TypedDict):
    path: str
    arch: str | None
    interpreter: str | None
    needed: list[str]
    rpath: list[str]
    runpath: list[str]
    isa: str | None
    python_extension: bool
    exec_stack: bool | None
    versioned_symbols: dict[str, dict[str, list[str]]]
    warnings: list[str]


class TargetJSON(TypedDict):
    policy: str
    passed: bool
    results: list[ResultJSON]
    checks: int  # how many checks a full run judges for this target
    partial: bool  # fewer ran (-k, -m, node IDs, -x): never a full pass


class WheelInfoJSON(TypedDict):
    """What is known of a wheel before any check's outcome: plain data, computed where it was read."""

    wheel: str
    kind: str
    pure: bool
    overall_tag: str | None
    sym_tag: str | None
    declared_tags: list[str]
    versioned_symbols: dict[str, list[str]]
    external_libs: dict[str, None]
    pyfpe: bool
    ucs2: bool
    unsupported_isa: bool
    abi3_minimum: str | None
    files: list[FileJSON]
    files_more: int
    notes: list[str]


class ChangeJSON(TypedDict):
    """One difference between a wheel and its baseline entry."""

    kind: Literal["regression", "improvement", "change"]
    subject: str
    before: str | None
    after: str | None
    detail: list[str]
    detail_more: int


class BaselineJSON(TypedDict):
    """A wheel compared with its family's baseline entry (``--manylinux-baseline``, ``--baseline``)."""

    baseline: str
    key: str
    wheel: str
    recorded_from: str | None
    status: Literal["unchanged", "changed", "improved", "regressed", "new"]
    updated: bool
    changes: list[ChangeJSON]
    changes_more: int


class _BaselineKey(TypedDict, total=False):
    baseline: BaselineJSON


class WheelJSON(WheelInfoJSON, _BaselineKey):
    passed: bool
    partial: bool
    targets: list[TargetJSON]


class DocumentJSON(TypedDict):
    schema: str
    version: int
    tool: str
    policy_data: str
    passed: bool
    exit_status: int | None
    wheels: list[WheelJSON]
    errors: list[str]


def _violation_json(v: Violation) -> ViolationJSON:
    return {
        "check": v.check.value,
        "subject": v.subject,
        "expected": v.expected,
        "symbols": list(v.symbols[:MAX_JSON_ITEMS]),
        "symbols_more": max(0, len(v.symbols) - MAX_JSON_ITEMS),
        "hint": v.hint,
        "allowed_by": v.allowed_by,
        "remedy": _capped_text(v.remedy or REGISTRY[v.check].remedy, MAX_REMEDY_CHARS),
    }


def check_result(wheel: str, target: str, check: Check, file: str | None, found: Sequence[Violation]) -> ResultJSON:
    """A result record: plain data, small and capped, so it can ride on a test report."""
    outcome: Outcome = "failed" if any(v.counts for v in found) else ("allowed" if found else "passed")
    ordered = sorted(found, key=lambda v: (v.check.value, v.subject))
    return {
        "wheel": wheel,
        "target": target,
        "check": check.value,
        "file": file,
        "outcome": outcome,
        "violations": [_violation_json(v) for v in ordered[:MAX_JSON_ITEMS]],
        "violations_more": max(0, len(ordered) - MAX_JSON_ITEMS),
    }


def audit_results(audit: Audit, *, release: bool = True) -> list[ResultJSON]:
    """Every check's result for every target of an audit (what the CLI ran: everything)."""
    wheel = audit.facts.path
    out: list[ResultJSON] = []
    for verdict in audit.verdicts:
        for d in FILE_CHECKS:
            out.extend(check_result(wheel, verdict.policy, d.check, f.path, f.of(d.check)) for f in verdict.files)
        for d in WHEEL_CHECKS:
            if d.check is not Check.TAGS:
                out.append(check_result(wheel, verdict.policy, d.check, None, _of(verdict.violations, d.check)))
    if release or not audit.explicit:
        out.append(check_result(wheel, DECLARED, Check.TAGS, None, audit.tags))
    return out


def _capped(items: Sequence[str]) -> list[str]:
    return list(items[:MAX_JSON_ITEMS])


def _file_json(audit: Audit) -> list[FileJSON]:
    files: list[FileJSON] = []
    for elf in audit.facts.elves[:MAX_JSON_ITEMS]:
        by_version = elf.symbols_by_version()
        libs: dict[str, dict[str, list[str]]] = {}
        for need in sorted(elf.version_needs, key=lambda n: (n.library, version_key(n.version)))[:MAX_JSON_ITEMS]:
            libs.setdefault(need.library, {})[need.version] = _capped(by_version.get(need.version, ()))
        files.append(
            {
                "path": elf.path,
                "arch": elf.arch,
                "interpreter": elf.interpreter,
                "needed": _capped(elf.needed),
                "rpath": _capped(elf.rpath),
                "runpath": _capped(elf.runpath),
                "isa": elf.isa,
                "python_extension": elf.python_init is not None,
                "exec_stack": elf.exec_stack,
                "versioned_symbols": libs,
                "warnings": _capped(elf.warnings),
            }
        )
    return files


def wheel_info(audit: Audit) -> WheelInfoJSON:
    """A wheel's facts and ``auditwheel show --json``'s keys, without outcomes."""
    flags = audit.flags
    return {
        "wheel": audit.facts.path,
        "kind": audit.facts.kind,
        "pure": not audit.facts.elves,
        "overall_tag": audit.best,
        "sym_tag": audit.sym_tag,
        "declared_tags": list(audit.facts.declared_platforms),
        "versioned_symbols": {k: _capped(v) for k, v in flags.versioned_symbols.items()},
        "external_libs": dict.fromkeys(flags.external_libs[:MAX_JSON_ITEMS]),
        "pyfpe": flags.pyfpe,
        "ucs2": flags.ucs2,
        "unsupported_isa": flags.unsupported_isa,
        "abi3_minimum": None if audit.abi3_minimum is None else "{}.{}".format(*audit.abi3_minimum),
        "files": _file_json(audit),
        "files_more": max(0, len(audit.facts.elves) - MAX_JSON_ITEMS),
        "notes": _capped(audit.notes),
    }


def wheel_json(
    info: WheelInfoJSON,
    results: Sequence[ResultJSON],
    baseline: BaselineJSON | None = None,
    planned: Mapping[str, int] | None = None,
) -> WheelJSON:
    """One wheel's entry: its info plus the results of the checks that ran, per target.

    The gate under ``-k`` runs some checks; the CLI runs all. The wheel passes
    when every result that ran does; ``planned`` (target -> checks of a full
    run) marks a target with fewer results, or none, as partial.
    ``baseline`` is its comparison with the baseline, when one was given.
    """
    by_target: dict[str, list[ResultJSON]] = {target: [] for target in planned or {}}
    for result in sorted(results, key=lambda r: (r["target"], r["file"] or "", r["check"])):
        by_target.setdefault(result["target"], []).append(result)
    targets: list[TargetJSON] = []
    for target, rs in sorted(by_target.items(), key=lambda item: _natural(item[0])):
        checks = max(len(rs), (planned or {}).get(target, 0))
        passed = all(r["outcome"] != "failed" for r in rs)
        targets.append(
            {"policy": target, "passed": passed, "results": rs, "checks": checks, "partial": len(rs) < checks}
        )
    out = WheelJSON(
        **info,  # type: ignore[typeddict-item]  # "baseline" is optional and set below
        passed=all(r["outcome"] != "failed" for r in results),
        partial=any(t["partial"] for t in targets),
        targets=targets,
    )
    if baseline is not None:
        out["baseline"] = baseline
    return out


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """``manylinux_2_5`` before ``manylinux_2_17``: digit runs compare as numbers (bounded length)."""
    return tuple((0, int(p[:18])) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", text) if p)


def document(
    wheels: Sequence[WheelJSON],
    *,
    tool: str,
    policy_data: str,
    errors: Sequence[str] = (),
    exit_status: int | None = None,
) -> DocumentJSON:
    """The versioned JSON document of a run; ``passed`` agrees with ``exit_status`` when given.

    Each wheel carries the keys of ``auditwheel show --json`` (schema 1):
    ``overall_tag``, ``sym_tag``, ``versioned_symbols``, ``external_libs``
    (null paths: we never look at the host), ``pyfpe``, ``ucs2`` and
    ``unsupported_isa``, read against the most compatible policy of its family.
    """
    passed = all(w["passed"] for w in wheels) and not errors
    if exit_status is not None:
        passed = passed and exit_status == 0
    return {
        "schema": JSON_SCHEMA,
        "version": JSON_SCHEMA_VERSION,
        "tool": tool,
        "policy_data": policy_data,
        "passed": passed,
        "exit_status": exit_status,
        "wheels": sorted(wheels, key=lambda w: w["wheel"]),
        "errors": list(errors),
    }


def audit_document(
    audits: Sequence[Audit],
    *,
    tool: str,
    policy_data: str,
    errors: Sequence[str] = (),
    baselines: Mapping[str, BaselineJSON] | None = None,
) -> DocumentJSON:
    """The document for audits run in full (the CLI, the Python API): every check of every target.

    ``baselines`` maps a wheel's path to its comparison with the baseline: it
    adds the ``baseline`` target's result and the wheel's ``baseline`` key.
    """
    wheels = []
    for a in audits:
        comparison = (baselines or {}).get(a.facts.path)
        extra = [baseline_result(comparison)] if comparison is not None else []
        wheels.append(wheel_json(wheel_info(a), [*audit_results(a), *extra], comparison))
    return document(wheels, tool=tool, policy_data=policy_data, errors=errors)


# -- the baseline: text and result records -------------------------------------------------------

#: The target and check names of the baseline comparison in results, summaries and Markdown.
BASELINE_TARGET = "baseline"
BASELINE_CHECK = "ratchet"
BASELINE_FIX = (
    "if the new need is intended, re-record with --manylinux-update-baseline (CLI: --update-baseline) and "
    "commit the file; if not, build as the baseline release was built (image, compiler, dependencies, tags)"
)


def _side(subject: str, value: str) -> str:
    """``GLIBC_2.17`` for a version, ``library libssl.so.3``, ``most compatible tag manylinux_2_28_x86_64``."""
    if value.startswith(subject) or subject.endswith(value):
        return value if value.startswith(subject) else subject
    return f"{subject} {value}"


def _change_text(c: ChangeJSON) -> str:
    """One line for an improvement or a neutral change."""
    if c["before"] is not None and c["after"] is not None:
        text = f"{_side(c['subject'], c['before'])} -> {c['after']}"
    elif c["before"] is not None:
        text = f"{_side(c['subject'], c['before'])} gone"
    else:
        text = f"{_side(c['subject'], c['after'] or '')} added"
    detail = f" ({_symbols(c['detail'])})" if c["detail"] and c["kind"] != "regression" else ""
    return _t(text) + detail


def _detail(c: ChangeJSON) -> str:
    shown = _symbols(c["detail"])
    return f"{shown}, {_more(len(c['detail']) + c['detail_more'], len(c['detail']))}" if c["detail_more"] else shown


def _regression_subject(c: ChangeJSON, *, before: bool = True) -> str:
    """``GLIBC_2.17 -> GLIBC_2.28``, ``library libssl.so.3``, ``declared tag manylinux2014_x86_64 dropped``."""
    if c["after"] is None:
        return f"{_side(c['subject'], c['before'] or '')} dropped"
    if before and c["before"] is not None:
        return f"{_side(c['subject'], c['before'])} -> {c['after']}"
    return _side(c["subject"], c["after"])


def render_baseline(comparison: BaselineJSON) -> str:
    """A wheel against its baseline entry: ``-`` what the baseline needed, ``+`` what this build needs more."""
    wheel = _t(comparison["wheel"])
    if comparison["recorded_from"] is None:
        verb = "recorded" if comparison["updated"] else "not in the baseline (a new family): nothing to compare"
        return f"{wheel}  vs  baseline {_t(comparison['baseline'])}\n  {_t(comparison['key'])}: {verb}"
    head = f"{wheel}  vs  baseline {_t(comparison['key'])} (recorded from {_t(comparison['recorded_from'])})"
    lines = [head]
    changes = comparison["changes"]
    regressions = [c for c in changes if c["kind"] == "regression"]
    if regressions:
        lines.append("  needs more than the baseline" + (" (re-recorded)" if comparison["updated"] else ""))
    for c in regressions[:MAX_LINES]:
        if c["before"] is not None and c["after"] is not None:
            lines.append(f"  - {_t(_side(c['subject'], c['before']))}")
        subject = _t(_regression_subject(c, before=False))
        lines.append(f"  + {subject:<{_SUBJECT_WIDTH}} {_detail(c)}".rstrip())
    if len(regressions) > MAX_LINES:
        lines.append(f"  {_more(len(regressions), MAX_LINES)}")
    for kind, word in (("improvement", "improved"), ("change", "changed")):
        mine = [c for c in changes if c["kind"] == kind]
        lines.extend(f"  {word}: {_change_text(c)}" for c in mine[:MAX_LINES])
        if len(mine) > MAX_LINES:
            lines.append(f"  {_more(len(mine), MAX_LINES)}")
    if comparison["changes_more"]:
        lines.append(f"  ... and {comparison['changes_more']} more changes")
    if not changes:
        lines.append("  no difference")
    if regressions and not comparison["updated"]:
        lines.append(f"  fix: {BASELINE_FIX}")
    return "\n".join(lines)


def baseline_headline(comparison: BaselineJSON) -> str:
    """One line for pytest's short summary: ``baseline: GLIBC_2.17 (memcpy@GLIBC_2.17 in pkg/_x.so), ...``."""
    regressions = [c for c in comparison["changes"] if c["kind"] == "regression"]
    parts = []
    for c in regressions[:MAX_SUMMARY_PROBLEMS]:
        names = f" ({_symbols(c['detail'][:2])}{', ...' if len(c['detail']) > 2 else ''})" if c["detail"] else ""  # noqa: PLR2004
        parts.append(f"{_t(_regression_subject(c))}{names}")
    if len(regressions) > MAX_SUMMARY_PROBLEMS:
        parts.append(_more(len(regressions), MAX_SUMMARY_PROBLEMS))
    return f"{BASELINE_TARGET}: {', '.join(parts) or comparison['status']}"


def baseline_result(comparison: BaselineJSON) -> ResultJSON:
    """The comparison as a result record of target ``baseline``, so summaries, JSON and exit codes count it.

    A re-recorded baseline passes: what grew is the new baseline (the file's diff shows it).
    """
    updated = comparison["updated"]
    regressions = [c for c in comparison["changes"] if c["kind"] == "regression" and not updated]
    violations: list[ViolationJSON] = [
        {
            "check": BASELINE_CHECK,
            "subject": _regression_subject(c),
            "expected": None if c["before"] is None or c["after"] is None else _side(c["subject"], c["before"]),
            "symbols": c["detail"][:MAX_JSON_ITEMS],
            "symbols_more": c["detail_more"] + max(0, len(c["detail"]) - MAX_JSON_ITEMS),
            "hint": c["subject"],
            "allowed_by": None,
            "remedy": BASELINE_FIX,
        }
        for c in regressions[:MAX_JSON_ITEMS]
    ]
    return {
        "wheel": comparison["wheel"],
        "target": BASELINE_TARGET,
        "check": BASELINE_CHECK,
        "file": None,
        "outcome": "failed" if regressions else "passed",
        "violations": violations,
        "violations_more": max(0, len(regressions) - MAX_JSON_ITEMS),
    }


# -- summaries: terminal and Markdown -----------------------------------------------------------


def _target_problems(target: TargetJSON) -> list[str]:
    """A target's first failing violations, one line each, without the target's name."""
    problems = []
    for r in target["results"]:
        if r["outcome"] != "failed":
            continue
        for v in r["violations"]:
            if v["allowed_by"] is None:
                where = f"{r['file']}: " if r["file"] else ""
                names = f" ({', '.join(v['symbols'][:MAX_SYMBOLS])})" if v["symbols"] else ""
                problems.append(f"{where}{r['check']} {v['subject']}{names}")
    unique = list(dict.fromkeys(problems))
    if len(unique) > MAX_SUMMARY_PROBLEMS:
        unique = [*unique[:MAX_SUMMARY_PROBLEMS], _more(len(unique), MAX_SUMMARY_PROBLEMS)]
    return unique


def _target_verdict(target: TargetJSON) -> str:
    """FAIL, or why a target that does not fail is not a plain pass."""
    outcomes = {r["outcome"] for r in target["results"]}
    if "failed" in outcomes:
        return "FAIL"
    if target["partial"]:
        return f"partial: {len(target['results'])} of {target['checks']} checks ran"
    if "xfailed" in outcomes:
        return "expected failure (xfail)"
    return "pass, with allowed violations" if "allowed" in outcomes else "pass"


def run_verdict(doc: DocumentJSON) -> str:
    failed = sum(not w["passed"] for w in doc["wheels"])
    n = len(doc["wheels"])
    if failed or doc["errors"]:
        parts = [f"{failed} of {n} wheel{'s' if n != 1 else ''} fail"] if failed else []
        if doc["errors"]:
            parts.append(f"{len(doc['errors'])} unreadable")
        return "FAIL: " + ", ".join(parts)
    if not doc["passed"]:
        return f"FAIL: every wheel passes, but the run failed (exit status {doc['exit_status']})"
    if not n:
        return "no wheel judged in this run"  # never "PASS" for nothing (--collect-only, -k selecting none)
    partial = sum(w["partial"] for w in doc["wheels"])
    if partial:  # never "PASS" for a part of the gate (-k, -m, node IDs, -x)
        return f"partial: no failure, but not every check ran for {partial} of {n} wheel{'s' if n != 1 else ''}"
    return f"PASS: {n} wheel{'s' if n != 1 else ''}"


def render_summary(doc: DocumentJSON, hows: dict[str, str] | None = None) -> list[str]:
    """The terminal summary: the run's verdict, then one block per wheel and target."""
    lines = [f"{run_verdict(doc)}"]
    for wheel in doc["wheels"]:
        how = (hows or {}).get(wheel["wheel"], "")
        flag = f"  [{how}: not the wheel you will upload]" if how.startswith("built") else ""
        lines.append(f"{_wheel_word(wheel)}  {_t(wheel['wheel'])}{flag}")
        declared = " ".join(wheel["declared_tags"]) or "-"
        lines.append(f"      declared: {_t(declared)}  most compatible: {_t(wheel['overall_tag'] or '(no ELF files)')}")
        for target in wheel["targets"]:
            checks = len(target["results"])
            count = "" if target["partial"] else f" ({checks} check{'s' if checks != 1 else ''})"
            lines.append(f"      {_t(target['policy'])}: {_target_verdict(target)}{count}")
            lines.extend(f"        {_t(p)}" for p in _target_problems(target))  # under the target they fail
        lines.extend(f"      {_t(n)}" for n in _baseline_notes(wheel))
    lines.extend(f"ERROR {_t(e)}" for e in doc["errors"])
    return lines


def _wheel_word(wheel: WheelJSON) -> str:
    return "FAIL" if not wheel["passed"] else ("PARTIAL" if wheel["partial"] else "PASS")


def _baseline_notes(wheel: WheelJSON) -> list[str]:
    """What the baseline comparison adds to a wheel's summary: a new family, a re-record, improvements."""
    comparison = wheel.get("baseline")
    if comparison is None:
        return []
    notes = []
    if comparison["updated"]:
        notes.append(f"{BASELINE_TARGET}: recorded for {comparison['key']} in {comparison['baseline']}")
    elif comparison["status"] == "new":
        notes.append(f"{BASELINE_TARGET}: {comparison['key']} is not in {comparison['baseline']} (a new family)")
    shown = [c for c in comparison["changes"] if c["kind"] == "improvement"]
    notes.extend(f"{BASELINE_TARGET}: improved {_change_text(c)}" for c in shown[:MAX_SUMMARY_PROBLEMS])
    if len(shown) > MAX_SUMMARY_PROBLEMS:
        notes.append(f"{BASELINE_TARGET}: {_more(len(shown), MAX_SUMMARY_PROBLEMS)} improvements")
    return notes


_MD_SPECIAL = re.compile(r"([\\`*{}\[\]()!|~<>&])")


def markdown_cell(text: str) -> str:
    """Escape text for a GitHub Markdown table cell: no code-span, link, image or HTML breaks out."""
    return _MD_SPECIAL.sub(lambda m: html.escape(m.group(1)) if m.group(1) in "<>&" else "\\" + m.group(1), _t(text))


def render_markdown(doc: DocumentJSON, *, title: str = "pytest-manylinux") -> str:
    """A GitHub-flavoured Markdown section for ``$GITHUB_STEP_SUMMARY``: one row per wheel and target."""
    verdict = run_verdict(doc)
    mark = "❌" if not doc["passed"] else ("⚠️" if any(w["partial"] for w in doc["wheels"]) else "✅")
    lines = [
        f"### {title}: {markdown_cell(verdict)} {mark}",
        "",
        "| wheel | declared tags | most compatible tag | target | result | first violations |",
        "|---|---|---|---|---|---|",
    ]
    for wheel in doc["wheels"]:
        name = wheel["wheel"].replace("\\", "/").rsplit("/", 1)[-1]
        none: TargetJSON = {"policy": "-", "passed": wheel["passed"], "results": [], "checks": 0, "partial": False}
        for target in wheel["targets"] or [none]:
            verdict = _target_verdict(target)
            result = "❌ fail" if verdict == "FAIL" else ("⚠️ " if verdict != "pass" else "✅ ") + verdict
            mine = _target_problems(target)
            if target["policy"] == BASELINE_TARGET and not mine:
                mine = _baseline_notes(wheel)
            mine = mine or ["-"]
            lines.append(
                f"| {markdown_cell(name)} | {markdown_cell(' '.join(wheel['declared_tags']) or '-')} "
                f"| {markdown_cell(wheel['overall_tag'] or '(no ELF files)')} | {markdown_cell(target['policy'])} "
                f"| {result} | {'<br>'.join(markdown_cell(p) for p in mine)} |"
            )
    lines.extend(f"| {markdown_cell(e)} | | | | ❌ error | |" for e in doc["errors"])
    return "\n".join(lines) + "\n"


#: GitHub shows at most 10 error annotations per step: the rest would be lost silently.
MAX_ANNOTATIONS = 10


def _escape_data(text: str) -> str:
    """A workflow command's message, escaped as the Actions toolkit's ``escapeData`` does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """A workflow command's property value, escaped as the Actions toolkit's ``escapeProperty`` does."""
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(title: str, message: str, file: str | None = None) -> str:
    """One ``::error`` command; every part escaped as text first (control and bidi characters, commands)."""
    props = ([f"file={_escape_property(_t(file))}"] if file else []) + [f"title={_escape_property(_t(title))}"]
    return f"::error {','.join(props)}::{_escape_data(_t(message))}"


def render_annotations(doc: DocumentJSON, *, limit: int = MAX_ANNOTATIONS) -> list[str]:
    """GitHub Actions ``::error`` lines, one per failing check of a wheel and per unreadable input (issue 15).

    Every wheel-derived string is escaped, so a member name cannot end the
    command or forge another. Past ``limit`` lines the last one says how many
    were left out, since GitHub would drop them without a word.
    """
    lines: list[str] = []
    for wheel in doc["wheels"]:
        name = wheel["wheel"].replace("\\", "/").rsplit("/", 1)[-1]
        for target in wheel["targets"]:
            for result in target["results"]:
                if result["outcome"] != "failed":
                    continue
                where = f"{result['file']} in {name}" if result["file"] else name
                subjects = [v["subject"] for v in result["violations"] if v["allowed_by"] is None]
                more = len(subjects) - 5 + result["violations_more"]
                shown = ", ".join(subjects[:5]) + (f" (+{more} more)" if more > 0 else "")
                message = f"{where}: {result['check']} fails {target['policy']}" + (f": {shown}" if shown else "")
                remedy = next((v["remedy"] for v in result["violations"] if v["allowed_by"] is None), "")
                message += f"; fix: {remedy}" if remedy else ""
                lines.append(_annotation(f"{result['check']}: {name}", message, wheel["wheel"]))
    lines.extend(_annotation("pytest-manylinux error", error) for error in doc["errors"])
    if len(lines) > limit:
        hidden = len(lines) - (limit - 1)
        summary = f"{hidden} more failure(s) not annotated; {run_verdict(doc)} (see the job log or summary)"
        lines = [*lines[: limit - 1], _annotation("pytest-manylinux", summary)]
    return lines
