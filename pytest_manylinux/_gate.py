"""Release-gate mode: a wheel is a ``pytest.File``; each ELF file x check is an item.

Item IDs read ``dist/foo.whl::pkg/_core.so::symbol-versions`` and select
exactly that item when given back to pytest, so ``-k``, ``--lf``, node IDs
and junit XML work as for any test. The items come from the check registry:
one per file check for each ELF file, one per wheel check for the wheel. A
failing item reports the diff of its one check; a check whose violations are
all allowlisted is an xfail whose reason is the allowlist's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from ._checks import FILE_CHECKS, WHEEL_CHECKS
from ._errors import ManylinuxError, node_name, one_line, plain, safe_output
from ._locate import expand_wheels
from ._render import DECLARED
from ._session import session_of

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ._model import Audit, Check
    from ._render import BaselineJSON, ResultJSON, WheelInfoJSON
    from ._session import Session

__all__ = [
    "AUDIT_ITEM",
    "BASELINE_ITEM",
    "BaselineItem",
    "CheckFailedError",
    "GateItem",
    "WheelFile",
    "enable",
    "gate_result",
    "ratchet",
]

#: What a wheel file name is made of (PEP 427: distribution, version, build and tags; PEP 440's
#: ``+`` and ``!``), so the node IDs pytest prints from it stay inert.
_WHEEL_NAME = re.compile(r"[A-Za-z0-9_.+!-]+\.whl")

#: Name of the item standing in for a wheel that could not be read or judged.
AUDIT_ITEM = "audit"
#: Name of the item comparing a wheel with its baseline entry (``--manylinux-baseline``).
BASELINE_ITEM = "baseline"


def _positional(config: pytest.Config) -> list[tuple[str, Path]]:
    """Wheels named as plain arguments, resolved as pytest resolves them.

    ``dist/a.whl``, a node ID inside one, or a directory holding wheels
    (``pytest --manylinux-policy=manylinux2014 dist``): given as arguments, the
    wheels replace the configured test paths, so a project's own conftest
    (which may import the package under test) is not loaded by the gate.
    """
    if config.args_source is not pytest.Config.ArgsSource.ARGS:
        return []
    here = config.invocation_params.dir
    out = []
    for arg in config.args:
        path = arg.split("::", 1)[0]
        full = (here / path).resolve()
        if path.endswith(".whl"):
            out.append((arg, full))
        elif "::" not in arg and full.is_dir():
            wheels = [(arg, wheel.resolve()) for wheel in sorted(full.glob("*.whl")) if wheel.is_file()]
            if not wheels and _nothing_to_collect(full):
                # pytest would collect nothing from it and exit 5 without a word (issue 19).
                _refuse_empty(arg, full)
            out.extend(wheels)
    return out


def _refuse_empty(arg: str, full: Path) -> NoReturn:
    """One line for a directory argument with no wheel: its sdist, else what to build into it."""
    from ._locate import NoWheelError, is_sdist, sdist_message  # noqa: PLC0415

    sdist = next((path for path in sorted(full.rglob("*")) if not path.is_dir() and is_sdist(path)), None)
    if sdist is not None:  # the same line as for --manylinux-wheel naming it
        raise NoWheelError(f"argument {arg!r}: {sdist_message(sdist)}")
    msg = f"argument {arg!r}: {full} holds no wheel: build them into it (`python -m build --wheel --outdir {arg}`)"
    raise NoWheelError(f"{msg} or name the directory that holds them")


def _nothing_to_collect(directory: Path) -> bool:
    """Whether a directory holds no Python file and no wheel (sdists, logs, nothing): nothing to collect.

    A directory with Python files (tests, a conftest) or wheels further down
    given beside the gate's policy is left to pytest; ``dist/`` with an sdist and
    a build log is not.
    """
    return not any(path.suffix in {".py", ".whl"} for path in directory.rglob("*") if not path.is_dir())


def enable(config: pytest.Config, session: Session) -> None:
    """Make each gated wheel a collected file, beside the tests the run collects anyway.

    Wheels from the config file join the run only when no test path was given
    on the command line: ``pytest tests/test_x.py`` runs just that file.
    """
    settings = session.settings
    explicit = config.args_source is pytest.Config.ArgsSource.ARGS
    specs = settings.wheels if (settings.wheels_from_cli or not explicit) else ()
    if any(s.text.startswith("installed:") for s in specs):
        msg = "installed:NAME works with the markers and fixtures; the gate audits wheel files"
        raise pytest.UsageError(msg)
    wheels = [p.resolve() for p in expand_wheels([(s.text, s.base, s.source) for s in specs])]
    positional = _positional(config)
    session.gated = frozenset([*wheels, *(path for _, path in positional)])
    for path in sorted(session.gated):
        if not _WHEEL_NAME.fullmatch(path.name):
            # pytest prints node IDs itself (-v, the short summary): a name we cannot
            # escape there must not reach it (##[cmd] is a CI runner command, issue 19).
            msg = f"{plain(path.name)}: a wheel file name holds only letters, digits and '_.+!-' (PEP 427); rename it"
            raise pytest.UsageError(msg)
    if not wheels:
        return
    named = {path for _, path in positional}
    # An option adds the gate to the run, as options do everywhere in pytest; it never
    # drops the project's own tests (a CI line that grew --manylinux-wheel must not
    # quietly stop running them). Only wheels given as arguments replace the test paths.
    config.args = [*config.args, *(str(w) for w in wheels if w not in named)]


class CheckFailedError(Exception):
    """Raised by an item whose check found violations; its text is the diff."""


#: What a gate item hands the reports: its result, the wheel's info, or the error.
_RESULT = pytest.StashKey[dict[str, Any]]()


def gate_result(item: pytest.Item) -> dict[str, Any] | None:
    """The report data a gate item left behind when it ran."""
    return item.stash.get(_RESULT, None)


class WheelFile(pytest.File):
    """One wheel in the gate; judged once, then its items."""

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        session = session_of(self.config)
        audit: Audit | None = None
        problem = ""
        try:
            audit = session.judge(self.path, session.policy_for(self.path), session.allowances())
        except ManylinuxError as e:
            problem = str(e)
        except Exception as e:  # noqa: BLE001 - one wheel's surprise must not end the others' audit
            problem = one_line(f"{self.path}: internal error while auditing: {type(e).__name__}: {e}")
        if audit is None:
            yield ErrorItem.from_parent(self, name=AUDIT_ITEM, message=problem)
            return
        for definition in WHEEL_CHECKS:
            yield GateItem.from_parent(self, name=definition.id, audit=audit, check=definition.check, elf=None)
        for elf in audit.facts.elves:
            yield ElfNode.from_parent(self, name=node_name(elf.path), audit=audit, member=elf.path)
        if session.settings.baseline is not None:
            yield BaselineItem.from_parent(self, name=BASELINE_ITEM, audit=audit)


class ElfNode(pytest.Collector):
    """One ELF file of a wheel; its children are the file checks.

    Its name is the member's name escaped (:func:`~pytest_manylinux._errors.node_name`):
    node IDs reach terminals and CI logs, and ``::`` separates their parts.
    ``-k`` and node IDs select it by that name.
    """

    def __init__(self, *, audit: Audit, member: str, **kwargs: Any) -> None:  # noqa: ANN401 - forwarded to pytest
        super().__init__(**kwargs)
        self.audit = audit
        self.member = member

    def collect(self) -> Iterator[pytest.Item]:
        for definition in FILE_CHECKS:
            yield GateItem.from_parent(
                self, name=definition.id, audit=self.audit, check=definition.check, elf=self.member
            )


class _Item(pytest.Item):
    """Shared by every gate item: the marker, one-line failures, a readable location."""

    def __init__(self, **kwargs: Any) -> None:  # noqa: ANN401 - forwarded to pytest
        super().__init__(**kwargs)
        self.add_marker(pytest.mark.manylinux)

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,  # noqa: ANN401 - pytest's signature
    ) -> Any:  # noqa: ANN401 - str or pytest's TerminalRepr
        if isinstance(excinfo.value, (CheckFailedError, ManylinuxError)):
            return safe_output(str(excinfo.value))  # the sink: junit, -rf, the terminal and CI logs
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        """The failure headline, "symbol-versions in pkg/_core.so".

        Not a suffix of the node ID on purpose: pytest's ``-v`` turns the dots
        of such a suffix into ``::`` (it takes it for a dotted Python name),
        which would print IDs that select nothing.
        """
        parent = self.parent.name if isinstance(self.parent, ElfNode) else self.path.name
        return self.path, None, f"{self.name} in {parent}"


class GateItem(_Item):
    """One check of one ELF file (or of the wheel) against every target policy."""

    def __init__(self, *, audit: Audit, check: Check, elf: str | None, **kwargs: Any) -> None:  # noqa: ANN401
        super().__init__(**kwargs)
        self.audit = audit
        self.check = check
        self.elf = elf
        _check_property(self, check.value)

    def runtest(self) -> None:
        from ._render import check_result, item_headline, render_gate_item, wheel_info  # noqa: PLC0415

        text, found = render_gate_item(self.audit, self.check, self.elf)
        wheel = self.audit.facts.path
        targets = [DECLARED] if self.check.value == "tags" else [v.policy for v in self.audit.verdicts]
        results: list[ResultJSON] = []
        for target in targets:
            mine = found if target == DECLARED else [v for v in found if _in_target(self.audit, target, v)]
            results.append(check_result(wheel, target, self.check, self.elf, mine))
        session = session_of(self.config)
        info: WheelInfoJSON | None = None
        planned = None
        if wheel not in session.sent_info:  # each wheel's facts travel once per process
            session.sent_info.add(wheel)
            info = wheel_info(self.audit)
            planned = planned_checks(self.config, self.audit)
        self.stash[_RESULT] = {"results": results, "info": info, "how": session.how(self.path), "planned": planned}
        if any(v.counts for v in found):
            first = item_headline(self.audit, self.check, self.elf)
            raise CheckFailedError(f"{first}\n{plain(wheel)}\n{text}{self._facts()}")
        reasons = sorted({v.allowed_by for v in found if v.allowed_by})
        if reasons:
            pytest.xfail(safe_output("allowed: " + "; ".join(one_line(r) for r in reasons)))

    def _facts(self) -> str:
        """Under ``-v``, what ``--show`` prints for the failing file (for the tags: the files that fail them)."""
        from ._model import Check  # noqa: PLC0415
        from ._render import render_facts  # noqa: PLC0415

        if self.config.option.verbose <= 0 or (self.elf is None and self.check is not Check.TAGS):
            return ""
        verdicts = (*self.audit.verdicts, *self.audit.declared)
        failing = {f.path for v in verdicts for f in v.failing_files} if self.elf is None else {self.elf}
        return "\n" + render_facts(self.audit, failing) if failing else ""


def planned_checks(config: pytest.Config, audit: Audit) -> dict[str, int]:
    """Per target, how many checks the whole gate judges for this wheel: what ``-k`` and node IDs may leave out.

    Sent with a wheel's first report, so the controller can tell a partial
    run from a full pass under any selection and ``-n``.
    """
    from ._render import BASELINE_TARGET, audit_results  # noqa: PLC0415

    counts: dict[str, int] = {}
    for result in audit_results(audit, release=True):
        counts[result["target"]] = counts.get(result["target"], 0) + 1
    if session_of(config).settings.baseline is not None:
        counts[BASELINE_TARGET] = 1
    return counts


def _check_property(item: pytest.Item, check: str) -> None:
    """The junit ``manylinux_check`` property, only where the junit family allows testcase properties.

    pytest's default family, xunit2, has no ``<properties>`` in a ``<testcase>``
    (its schema, junit-10.xsd; pytest warns ``record_property`` users the same);
    the check is the test case's name there anyway.
    """
    if item.config.getini("junit_family") in ("legacy", "xunit1"):
        item.user_properties.append(("manylinux_check", check))


def _in_target(audit: Audit, target: str, violation: object) -> bool:
    return any(
        violation in verdict.violations or any(violation in f.violations for f in verdict.files)
        for verdict in audit.verdicts
        if verdict.policy == target
    )


class BaselineItem(_Item):
    """The wheel against its family's baseline entry: fails, with the diff, when it needs more.

    With ``--manylinux-update-baseline`` it passes and sends the new entry on
    its report; the controller writes the file once (also under pytest-xdist).
    """

    def __init__(self, *, audit: Audit, **kwargs: Any) -> None:  # noqa: ANN401 - forwarded to pytest
        super().__init__(**kwargs)
        self.audit = audit
        _check_property(self, BASELINE_ITEM)

    def runtest(self) -> None:
        from ._render import baseline_headline, baseline_result, render_baseline, wheel_info  # noqa: PLC0415

        session = session_of(self.config)
        spec = session.settings.baseline
        if spec is None:  # pragma: no cover - collected only with a baseline
            return
        try:
            comparison, entry = ratchet(self.config, self.audit, spec.base / Path(spec.text).expanduser(), spec.text)
        except ManylinuxError as e:
            self.stash[_RESULT] = {"error": str(e), "wheel": str(self.path)}
            raise CheckFailedError(str(e)) from None
        info: dict[str, Any] = {**wheel_info(self.audit), "baseline": comparison, "baseline_entry": entry}
        result = baseline_result(comparison)
        planned = planned_checks(self.config, self.audit)
        self.stash[_RESULT] = {"results": [result], "info": info, "how": session.how(self.path), "planned": planned}
        if result["outcome"] == "failed":
            raise CheckFailedError(f"{baseline_headline(comparison)}\n{render_baseline(comparison)}")


#: Baselines read in this process, by resolved path: a file once, an earlier release's wheels once.
_BASELINES = pytest.StashKey[dict[Path, dict[str, Any]]]()


def _names_wheels(path: Path) -> bool:
    """Whether a baseline path is an earlier release's wheels (a directory, a wheel, a glob), not a file."""
    text = str(path)
    return path.is_dir() or text.endswith(".whl") or any(c in text for c in "*?[")


def _entries(config: pytest.Config, path: Path) -> dict[str, Any]:
    """The entries of a baseline file (none yet when it is being recorded), or of an earlier release's wheels."""
    from ._baseline import BaselineError, entry_of, newest, read_baseline  # noqa: PLC0415

    cache = config.stash.setdefault(_BASELINES, {})
    key = path.resolve()
    if key not in cache:
        session = session_of(config)
        if _names_wheels(path):
            wheels = expand_wheels([(str(path), path.parent, "baseline")])
            audits = [(w, session.judge(w.resolve(), None, session.allowances())) for w in wheels]
            cache[key] = newest(entry_of(a, w.stat().st_size) for w, a in audits)
        elif path.is_file():
            cache[key] = read_baseline(path)
        elif session.settings.update_baseline:
            cache[key] = {}
        else:
            raise BaselineError(f"{path}: no such baseline file (record one with --manylinux-update-baseline)")
    return cache[key]


def ratchet(config: pytest.Config, audit: Audit, path: Path, name: str) -> tuple[BaselineJSON, dict[str, Any] | None]:
    """Compare an audited wheel with the baseline at ``path``: the comparison, and the entry to record when updating.

    Shared by the gate's ``::baseline`` items and the markers' ``baseline=``. An
    earlier release's wheels are never "updated": only a file is recorded.
    """
    from ._baseline import DEFAULT_SIZE_RATIO, compare, comparison_json, entry_json, entry_of  # noqa: PLC0415

    settings = session_of(config).settings
    entries = _entries(config, path)
    wheel = Path(audit.facts.path)
    size = wheel.stat().st_size if wheel.suffix == ".whl" and wheel.is_file() else None
    current = entry_of(audit, size)
    ratio = DEFAULT_SIZE_RATIO if settings.baseline_size_ratio is None else settings.baseline_size_ratio
    update = settings.update_baseline and not _names_wheels(path)
    comparison = compare(entries.get(current.key), current, size_ratio=ratio or None)
    record = {"file": str(path.resolve()), "key": current.key, "entry": entry_json(current)} if update else None
    return comparison_json(comparison, audit.facts.path, name, updated=update), record


class ErrorItem(_Item):
    """Stands in for a wheel that could not be read, so the others still run."""

    def __init__(self, *, message: str, **kwargs: Any) -> None:  # noqa: ANN401 - forwarded to pytest
        super().__init__(**kwargs)
        self.message = message

    def runtest(self) -> None:
        self.stash[_RESULT] = {"error": self.message, "wheel": str(self.path)}
        raise CheckFailedError(self.message)
