"""Verdicts -> text diffs and JSON documents. Pure: returns strings and dicts.

A failure reads as a diff against the target policy: ``-`` lines are what the
policy expects, ``+`` lines what the file needs instead, naming the symbols
responsible. Order is deterministic and versions sort as versions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from ._evaluate import is_loader
from ._model import Audit, Check, FileVerdict, Violation, WheelVerdict
from ._policy import version_key

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = [
    "JSON_SCHEMA_VERSION",
    "SummaryRow",
    "render_audit",
    "render_check",
    "render_file",
    "render_markdown",
    "summary_row",
    "to_json",
]

#: Bumped on any incompatible change of the JSON document.
JSON_SCHEMA_VERSION = 1

_TITLES = {
    Check.LIBRARIES: "libraries",
    Check.SYMBOL_VERSIONS: "symbol versions",
    Check.BLACKLIST: "blacklisted symbols",
    Check.INTERPRETER: "interpreter",
    Check.ARCH: "architecture",
    Check.LIBC: "C library",
    Check.ISA: "instruction set",
    Check.PYTHON_ABI: "Python ABI",
    Check.EXECSTACK: "executable stack",
    Check.RPATH: "rpath",
    Check.RECORD: "RECORD",
    Check.TAGS: "declared tags",
}
_SUBJECT_WIDTH = 30
_MAX_SYMBOLS = 8


def _symbols(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_MAX_SYMBOLS])
    more = len(names) - _MAX_SYMBOLS
    return f"{shown}, ... (+{more} more)" if more > 0 else shown


def _allowed(v: Violation) -> str:
    return f"  [allowed: {v.allowed_by}]" if v.allowed_by else ""


def _group_lines(check: Check, items: Sequence[Violation]) -> list[str]:
    """The lines of one check's block, without its title."""
    lines: list[str] = []
    match check:
        case Check.SYMBOL_VERSIONS:
            for v in sorted(items, key=lambda v: version_key(v.subject)):
                names = _symbols(v.symbols) if v.symbols else "(no symbol names: only .gnu.version_r)"
                lines.append(f"+ {v.subject:<12} {names}{_allowed(v)}")
        case Check.INTERPRETER | Check.ARCH | Check.LIBC | Check.EXECSTACK:
            for v in items:
                if v.expected:
                    lines.append(f"- {v.expected}")
                lines.append(f"+ {v.subject}{_allowed(v)}")
        case Check.BLACKLIST | Check.PYTHON_ABI:
            for v in sorted(items, key=lambda v: v.subject):
                lines.append(f"+ {v.subject:<{_SUBJECT_WIDTH}} {_symbols(v.symbols)}{_allowed(v)}")
        case Check.LIBRARIES | Check.ISA | Check.RPATH | Check.RECORD | Check.TAGS:
            for v in sorted(items, key=lambda v: v.subject):
                lines.append(f"+ {v.subject:<{_SUBJECT_WIDTH}} {v.hint}{_allowed(v)}".rstrip())
    return lines


def _title(check: Check, items: Sequence[Violation]) -> str:
    title = _TITLES[check]
    if check is Check.SYMBOL_VERSIONS:
        prefixes: dict[str, str | None] = {}
        for v in items:
            prefixes.setdefault(v.subject.partition("_")[0], v.expected)
        parts = [
            f"{prefix}: the policy allows up to {ceiling}" if ceiling else f"{prefix}: the policy allows none"
            for prefix, ceiling in sorted(prefixes.items())
        ]
        return f"{title} ({'; '.join(parts)})"
    hints = {v.hint for v in items if v.hint}
    if check in (Check.INTERPRETER, Check.ARCH, Check.LIBC, Check.EXECSTACK, Check.BLACKLIST) and len(hints) == 1:
        return f"{title} ({hints.pop()})"
    return title


def render_check(verdict: FileVerdict, check: Check, *, indent: str = "  ") -> str:
    """One check's block of one file's diff: its title, then its +/- lines."""
    items = verdict.of(check)
    if not items:
        return ""
    lines = [_title(check, items), *_group_lines(check, items)]
    return "\n".join(indent + line for line in lines)


def render_file(verdict: FileVerdict, checks: Iterable[Check] | None = None) -> str:
    """A file's whole diff against its policy: a header, then a block per check."""
    wanted = tuple(checks) if checks is not None else tuple(Check)
    blocks = [render_check(verdict, check) for check in wanted if verdict.of(check)]
    return "\n".join([f"{verdict.path}  vs  {verdict.policy}", *blocks])


def render_verdict(verdict: WheelVerdict) -> str:
    """Every failing (or allowed-with-reason) file of a wheel against one policy."""
    shown = sorted((f for f in verdict.files if f.violations), key=lambda f: f.path)
    parts = [render_file(f) for f in shown]
    if verdict.violations:
        parts.append(
            f"{verdict.wheel}  vs  {verdict.policy}\n"
            + "\n".join(
                f"  {_title(v.check, [v])}\n    + {v.subject:<{_SUBJECT_WIDTH}} {v.hint}" for v in verdict.violations
            )
        )
    return "\n".join(parts)


def render_audit(audit: Audit, *, verbose: bool = False) -> str:
    """The report of one audit: a status line, the diffs, then the best tag."""
    facts = audit.facts
    status = "PASS" if audit.passed else "FAIL"
    targets = ", ".join(v.policy for v in audit.verdicts) or "(no target)"
    count = f"{len(facts.elves)} ELF file{'s' if len(facts.elves) != 1 else ''}"
    lines = [f"{status}  {facts.path}  ({count}; target: {targets})"]
    for verdict in audit.verdicts:
        if not verdict.passed or verbose or any(f.violations for f in verdict.files):
            text = render_verdict(verdict)
            if text:
                lines.append(text)
    if audit.tags and not audit.explicit:
        lines.append("declared tags")
        lines.extend(f"  + {v.subject:<{_SUBJECT_WIDTH}} {v.hint}{_allowed(v)}" for v in audit.tags)
    lines.extend(f"note: {n}" for n in audit.notes)
    if facts.elves:
        lines.append(f"most compatible tag this wheel qualifies for: {audit.best}")
        hygiene = sorted(
            {
                v.check.value
                for verdict in audit.verdicts
                for f in verdict.files
                for v in f.violations
                if not v.check.decides_tag and v.counts
            }
        )
        if hygiene:
            lines.append(f"  but it fails every tag on: {', '.join(hygiene)}")
    else:
        lines.append("no ELF files: nothing here depends on the platform")
    return "\n".join(lines)


# -- JSON -----------------------------------------------------------------------


class ViolationJSON(TypedDict):
    check: str
    subject: str
    expected: str | None
    symbols: list[str]
    hint: str
    allowed_by: str | None


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


class VerdictJSON(TypedDict):
    policy: str
    passed: bool
    files: dict[str, list[ViolationJSON]]
    wheel: list[ViolationJSON]


class WheelJSON(TypedDict):
    wheel: str
    kind: str
    passed: bool
    pure: bool
    overall_tag: str | None
    sym_tag: str | None
    declared_tags: list[str]
    versioned_symbols: dict[str, list[str]]
    external_libs: dict[str, None]
    pyfpe: bool
    ucs2: bool
    unsupported_isa: bool
    targets: list[VerdictJSON]
    declared: list[VerdictJSON]
    tag_problems: list[ViolationJSON]
    files: list[FileJSON]
    notes: list[str]


class DocumentJSON(TypedDict):
    schema: str
    version: int
    tool: str
    policy_data: str
    passed: bool
    wheels: list[WheelJSON]


def _violation_json(v: Violation) -> ViolationJSON:
    return {
        "check": v.check.value,
        "subject": v.subject,
        "expected": v.expected,
        "symbols": list(v.symbols),
        "hint": v.hint,
        "allowed_by": v.allowed_by,
    }


def _verdict_json(verdict: WheelVerdict) -> VerdictJSON:
    return {
        "policy": verdict.policy,
        "passed": verdict.passed,
        "files": {f.path: [_violation_json(v) for v in f.violations] for f in verdict.files if f.violations},
        "wheel": [_violation_json(v) for v in verdict.violations],
    }


def _wheel_json(audit: Audit) -> WheelJSON:
    facts, strictest = audit.facts, audit.strictest
    versioned: dict[str, set[str]] = {}
    for elf in facts.elves:
        for need in elf.version_needs:
            if not is_loader(need.library):
                versioned.setdefault(need.library, set()).add(need.version)
    # auditwheel reads these flags against its most compatible policy; so do we.
    strict = [v for f in (strictest.files if strictest else ()) for v in f.violations]
    python_abi = {v.subject for v in strict if v.check is Check.PYTHON_ABI}
    external = sorted({v.subject for v in strict if v.check is Check.LIBRARIES})
    files: list[FileJSON] = []
    for elf in facts.elves:
        by_version = elf.symbols_by_version()
        libs: dict[str, dict[str, list[str]]] = {}
        for need in elf.version_needs:
            libs.setdefault(need.library, {})[need.version] = list(by_version.get(need.version, ()))
        files.append(
            {
                "path": elf.path,
                "arch": elf.arch,
                "interpreter": elf.interpreter,
                "needed": list(elf.needed),
                "rpath": list(elf.rpath),
                "runpath": list(elf.runpath),
                "isa": elf.isa,
                "python_extension": elf.python_init is not None,
                "exec_stack": elf.exec_stack,
                "versioned_symbols": libs,
            }
        )
    return {
        "wheel": facts.path,
        "kind": facts.kind,
        "passed": audit.passed,
        "pure": not facts.elves,
        "overall_tag": audit.best,
        "sym_tag": audit.sym_tag,
        "declared_tags": list(facts.declared_platforms),
        "versioned_symbols": {k: sorted(v, key=version_key) for k, v in sorted(versioned.items())},
        "external_libs": dict.fromkeys(external),
        "pyfpe": "PyFPE_jbuf" in python_abi,
        "ucs2": "UCS2" in python_abi,
        "unsupported_isa": any(v.check is Check.ISA for v in strict),
        "targets": [_verdict_json(v) for v in audit.verdicts],
        "declared": [_verdict_json(v) for v in audit.declared],
        "tag_problems": [_violation_json(v) for v in audit.tags],
        "files": files,
        "notes": list(audit.notes),
    }


def to_json(audits: Sequence[Audit], *, tool: str, policy_data: str) -> DocumentJSON:
    """The versioned JSON document for a run.

    Each wheel carries the keys of ``auditwheel show --json`` (schema 1):
    ``overall_tag``, ``sym_tag``, ``versioned_symbols``, ``external_libs``
    (null paths: we never look at the host), ``pyfpe``, ``ucs2`` and
    ``unsupported_isa``, read from each wheel's verdict against the most
    compatible policy of its family.
    """
    return {
        "schema": "pytest-manylinux/audit",
        "version": JSON_SCHEMA_VERSION,
        "tool": tool,
        "policy_data": policy_data,
        "passed": all(a.passed for a in audits),
        "wheels": [_wheel_json(a) for a in audits],
    }


# -- summary rows and Markdown ----------------------------------------------------------


class SummaryRow(TypedDict):
    """One wheel in a run's summary; plain data so it can cross xdist's wire."""

    wheel: str
    declared: str
    best: str
    target: str
    passed: bool
    problems: list[str]


_MAX_PROBLEMS = 3


def summary_row(audit: Audit, *, tags_count: bool = False) -> SummaryRow:
    """The summary of one audit, with its first few violations in one line each.

    ``tags_count`` makes false declared tags fail the row even when an explicit
    policy was the target, as the release gate's ``tags`` item does.
    """
    tags_fail = (tags_count or not audit.explicit) and any(v.counts for v in audit.tags)
    problems = [
        f"{f.path}: {v.check.value} {v.subject}" + (f" ({_symbols(v.symbols)})" if v.symbols else "")
        for verdict in audit.verdicts
        for f in sorted(verdict.files, key=lambda f: f.path)
        for v in f.violations
        if v.counts
    ]
    if tags_fail:
        problems += [f"{v.check.value}: {v.subject} ({v.hint})" for v in audit.tags if v.counts]
    problems += [f"{v.check.value}: {v.hint}" for verdict in audit.verdicts for v in verdict.violations if v.counts]
    unique = list(dict.fromkeys(problems))
    if len(unique) > _MAX_PROBLEMS:
        unique = [*unique[:_MAX_PROBLEMS], f"... and {len(unique) - _MAX_PROBLEMS} more"]
    return {
        "wheel": audit.facts.path,
        "declared": " ".join(audit.facts.declared_platforms) or "-",
        "best": audit.best or "(no ELF files)",
        "target": ", ".join(v.policy for v in audit.verdicts) or "-",
        "passed": audit.passed and not tags_fail,
        "problems": unique,
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(rows: Sequence[SummaryRow], *, title: str = "pytest-manylinux") -> str:
    """A GitHub-flavoured Markdown section: one table row per wheel.

    Meant for ``$GITHUB_STEP_SUMMARY``: declared tags, most compatible tag,
    target, pass/fail and the first violations of each wheel.
    """
    failed = sum(not r["passed"] for r in rows)
    verdict = "all wheels pass" if not failed else f"{failed} of {len(rows)} wheel{'s' if len(rows) != 1 else ''} fail"
    lines = [
        f"### {title}: {verdict}",
        "",
        "| wheel | declared tags | most compatible tag | target | result | first violations |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        name = row["wheel"].rsplit("/", 1)[-1]
        result = "✅ pass" if row["passed"] else "❌ fail"
        problems = "<br>".join(f"`{_cell(p)}`" for p in row["problems"]) or "-"
        lines.append(
            f"| `{_cell(name)}` | {_cell(row['declared'])} | {_cell(row['best'])} | {_cell(row['target'])} "
            f"| {result} | {problems} |"
        )
    return "\n".join(lines) + "\n"
