"""Policy markers: registration, argument binding, one wheel per test, and the audit before the body.

A marker's arguments are bound to a real Python signature, so misuse is a
``TypeError`` turned into one collection-time usage error for the whole run,
not a traceback per test. When the wheel spec (or ``dist/``) holds several
wheels, each marked test runs once per wheel, with the wheel in its ID.
"""

from __future__ import annotations

import contextlib
import inspect
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ._session import session_of

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ._model import Audit
    from ._session import Session

__all__ = [
    "FAILURES",
    "MARKERS_FIXTURE",
    "MarkerRequest",
    "audit_marked",
    "host_skip",
    "marked",
    "marker_lines",
    "marks_function",
    "parametrize",
    "requests_of",
    "uses_plugin",
    "validate",
]

GENERIC = "manylinux"
#: The fixture that audits a marked test; not autouse: only marked tests pay for a fixture (issue 19).
MARKERS_FIXTURE = "_manylinux_markers"
_MAX_SHOWN = 5  # misuses named in the one usage error
_KEYWORDS = "*, wheel=None, allow_libraries=(), allow_symbols=(), allow_checks=(), baseline=None"


def marker_lines(names: Iterable[str]) -> list[str]:
    """The ``markers`` ini lines for the generic marker and one per policy name and alias."""
    lines = [
        (
            f"{GENERIC}(policy, {_KEYWORDS}): audit the project's wheel against POLICY before the test "
            "body runs; the test fails with the policy diff"
        )
    ]
    lines.extend(f"{name}({_KEYWORDS}): same as {GENERIC}('{name}')" for name in names)
    return lines


def _signature(
    policy: str,
    *,
    wheel: str | os.PathLike[str] | None = None,
    allow_libraries: Mapping[str, str] | Iterable[str] = (),
    allow_symbols: Mapping[str, str] | Iterable[str] = (),
    allow_checks: Mapping[str, str] | Iterable[str] = (),
    baseline: str | os.PathLike[str] | None = None,
) -> None:
    """The markers' call signature; binding to it validates marker arguments."""


_SIGNATURE = inspect.signature(_signature)


@dataclass(frozen=True)
class MarkerRequest:
    """One policy marker on a test, bound and checked."""

    name: str
    policy: str
    wheel: str | None = None
    allow_libraries: Mapping[str, str] = field(default_factory=dict)
    allow_symbols: Mapping[str, str] = field(default_factory=dict)
    allow_checks: Mapping[str, str] = field(default_factory=dict)
    baseline: str | None = None  # a baseline file or an earlier release's wheels, relative to the rootdir


_NAMES = pytest.StashKey[frozenset[str]]()


def _marker_names(config: pytest.Config) -> frozenset[str]:
    """Every marker name that is ours, the generic one and each policy's: found once per run, asked per test."""
    names = config.stash.get(_NAMES, None)
    if names is None:
        names = config.stash[_NAMES] = frozenset({GENERIC, *session_of(config).policy_names})
    return names


def requests_of(node: pytest.Item | pytest.Function) -> list[MarkerRequest]:
    """The policy markers on a test, bound to the signature; raises :class:`pytest.UsageError`."""
    names = _marker_names(node.config)
    out = []
    for marker in node.iter_markers():
        if marker.name == GENERIC:
            args: tuple[Any, ...] = marker.args
        elif marker.name in names:
            args = (marker.name, *marker.args)
        else:
            continue
        where = f"{node.nodeid}: @pytest.mark.{marker.name}"
        try:
            bound = _SIGNATURE.bind(*args, **marker.kwargs)
        except TypeError as e:
            raise pytest.UsageError(f"{where}: {e}") from None
        values = bound.arguments
        if not isinstance(values["policy"], str):
            raise pytest.UsageError(f"{where}: the policy must be a string, not {values['policy']!r}")
        wheel = values.get("wheel")
        baseline = values.get("baseline")
        if baseline is not None and not isinstance(baseline, (str, os.PathLike)):
            raise pytest.UsageError(f"{where}: baseline must be a path, not {baseline!r}")
        out.append(
            MarkerRequest(
                name=marker.name,
                policy=values["policy"],
                wheel=os.fspath(wheel) if wheel is not None else None,
                allow_libraries=_as_mapping(values.get("allow_libraries", ()), f"{where}: allow_libraries"),
                allow_symbols=_as_mapping(values.get("allow_symbols", ()), f"{where}: allow_symbols"),
                allow_checks=_as_mapping(values.get("allow_checks", ()), f"{where}: allow_checks", sep=": "),
                baseline=os.fspath(baseline) if baseline is not None else None,
            )
        )
    return out


def _as_mapping(value: object, source: str, *, sep: str = ":") -> dict[str, str]:
    from ._settings import parse_allowlist  # noqa: PLC0415

    if isinstance(value, dict):
        bad = [k for k, v in value.items() if not (isinstance(k, str) and isinstance(v, str) and v.strip())]
        if bad:
            raise pytest.UsageError(f"{source}: {bad[0]!r} needs a reason, as {{'NAME': 'why it is acceptable'}}")
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple, set, frozenset)):
        raise pytest.UsageError(f"{source} must be a mapping or a list of 'NAME: reason' strings")
    return parse_allowlist(value, source, sep=sep)


def marked(node: pytest.Item | pytest.Collector) -> bool:
    """Whether a node or one of its parents carries a policy marker."""
    names = _marker_names(node.config)
    return any(m.name in names for m in node.iter_markers())


def marks_function(collector: pytest.Collector, obj: object) -> bool:
    """Whether a test function about to be collected carries a policy marker, on itself or a parent.

    Asked before pytest computes the function's fixtures, so from the marks its
    decorators stored on it (``pytestmark``, where pytest's ``store_mark`` puts them).
    """
    names = _marker_names(collector.config)
    own = getattr(obj, "pytestmark", ())
    own = own if isinstance(own, list) else [own]
    return any(getattr(m, "name", None) in names for m in own) or marked(collector)


def uses_plugin(item: pytest.Item) -> bool:
    """Whether a test asks for a wheel: a policy marker, or one of our fixtures."""
    names = _marker_names(item.config)
    fixtures = {"manylinux_wheel", "manylinux_audit"}
    return any(m.name in names for m in item.iter_markers()) or bool(fixtures & set(getattr(item, "fixturenames", ())))


def validate(items: list[pytest.Item]) -> None:
    """Check every marker of every collected test once; all misuse in one usage error."""
    from ._errors import ManylinuxError  # noqa: PLC0415

    problems: list[str] = []
    session = session_of(items[0].config) if items else None
    known = _marker_names(items[0].config) if items else frozenset()
    for item in items:
        if not isinstance(item, pytest.Function):
            continue  # gate items carry the bare marker for -m selection
        problems.extend(_near_misses(item, known))
        try:
            for request in requests_of(item):
                if session is not None:
                    _check_names(session, request.policy)
        except pytest.UsageError as e:
            problems.append(str(e))
        except ManylinuxError as e:
            problems.append(f"{item.nodeid}: {e}")
    if problems:
        unique = list(dict.fromkeys(problems))
        more = f" (and {len(unique) - _MAX_SHOWN} more)" if len(unique) > _MAX_SHOWN else ""
        raise pytest.UsageError("; ".join(unique[:_MAX_SHOWN]) + more)


def policy_names_of(text: str) -> tuple[str, ...]:
    """A marker's policy: one name, or several separated by commas, one per libc and arch (issue 15)."""
    from ._settings import split_policies  # noqa: PLC0415

    return split_policies([text])


def _check_names(session: Session, text: str) -> None:
    """Every name known, and no two for the same wheels; raises :class:`ManylinuxError`."""
    from ._audit import check_policies  # noqa: PLC0415

    names = policy_names_of(text)
    for name in names:
        if name != "auto":
            session.policies.validate(name)
    check_policies(names)


def _policy(session: Session, path: Path, text: str) -> str | None:
    """The marker's policy for this wheel: with several names, the one of its libc and arch."""
    names = policy_names_of(text)
    return session.policy_for(path, names) if len(names) > 1 else text


def _near_misses(item: pytest.Item, known: frozenset[str]) -> list[str]:
    """``@pytest.mark.manylinux2041``: a typo that would otherwise pass the test unaudited.

    pytest only warns about unknown marks without ``--strict-markers``; a
    policy marker that audits nothing is a gate that fails open.
    """
    import difflib  # noqa: PLC0415

    out = []
    for marker in item.iter_markers():
        name = marker.name
        if name in known or not name.startswith(("manylinux", "musllinux", "manylinx", "musllinx")):
            continue
        close = difflib.get_close_matches(name, sorted(known), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        out.append(f"{item.nodeid}: @pytest.mark.{name} is not a policy marker{hint}")
    return out


def parametrize(metafunc: pytest.Metafunc) -> None:
    """Run a marked test (or one using our fixtures) once per wheel when several match."""
    from ._errors import ManylinuxError  # noqa: PLC0415

    definition = metafunc.definition
    names = _marker_names(metafunc.config)
    carries = any(m.name in names for m in definition.iter_markers())
    wants = {"manylinux_wheel", "manylinux_audit"} & set(metafunc.fixturenames)
    if not (carries or wants):
        return
    try:
        explicit = [r.wheel for r in requests_of(definition) if r.wheel]
    except pytest.UsageError:
        return  # reported once, at the end of collection
    if explicit:
        return  # the marker names its wheel
    try:
        candidates = session_of(metafunc.config).candidates()
    except ManylinuxError:
        return  # reported by the test itself, in one line
    if len(candidates) <= 1:
        return
    paths = [c.path for c in candidates]
    ids = [p.name for p in paths]
    if "manylinux_wheel" in metafunc.fixturenames:
        metafunc.parametrize("manylinux_wheel", paths, ids=ids, scope="function")
    else:
        metafunc.parametrize(MARKERS_FIXTURE, paths, ids=ids, indirect=True)


#: Failure text of a marked test, set in setup and raised when the body would run.
FAILURES = pytest.StashKey[list[str]]()
#: Result records of a marked test, for the reports.
RESULTS = pytest.StashKey[list[Any]]()
#: Wheel infos (one per audited wheel) of a marked test, for the reports.
INFOS = pytest.StashKey[list[Any]]()


def audit_marked(request: pytest.FixtureRequest) -> None:
    """Audit the wheel for each policy marker on the test, before its body runs.

    Failures are kept in the item's stash and raised in ``pytest_runtest_call``,
    so a non-compliant wheel is a failed test, not an error in setup. Usage
    problems and unreadable wheels end the test with one line.
    """
    item = request.node
    requests = requests_of(item)
    if not requests:
        return  # every test asks: an unmarked one imports nothing more (issue 19)
    from ._errors import ManylinuxError  # noqa: PLC0415
    from ._render import audit_headline, audit_results, render_audit, render_facts, wheel_info  # noqa: PLC0415

    session = session_of(item.config)
    if any(req.wheel is None for req in requests) and (reason := host_skip(session)):
        pytest.skip(reason)
    failures: list[str] = []
    results: list[Any] = []
    infos: list[Any] = []
    problem = None
    try:
        for req in requests:
            path = Path(req.wheel) if req.wheel else wheel_for(request)
            allow = session.allowances(req.allow_libraries, req.allow_symbols, req.allow_checks)
            audit = session.judge(path, _policy(session, path, req.policy), allow)
            results.extend(audit_results(audit, release=False))
            info: dict[str, Any] = {**wheel_info(audit)}
            if not audit.passed:
                # The first line is pytest's -rf summary: the policy as the marker names it.
                one = len(audit.verdicts) == 1 and req.policy != "auto"
                names = {audit.verdicts[0].policy: req.policy} if one else {}
                text = f"{audit_headline(audit, names)}\n{render_audit(audit)}"
                failing = {f.path for v in audit.verdicts for f in v.failing_files}
                if item.config.option.verbose > 0 and failing:  # -v: the failing files' facts, as --show has them
                    text += "\n" + render_facts(audit, failing)
                failures.append(text)
            if req.baseline is not None:
                failures.extend(_ratchet(item.config, audit, req.baseline, results, info))
            infos.append(info)
    except ManylinuxError as e:
        problem = str(e)
    if problem is not None:
        pytest.fail(problem, pytrace=False)  # outside the except: no chained traceback
    item.stash[FAILURES] = failures
    item.stash[RESULTS] = results
    item.stash[INFOS] = infos


def _ratchet(config: pytest.Config, audit: Audit, baseline: str, results: list[Any], info: dict[str, Any]) -> list[str]:
    """A marker's ``baseline=``: compare, add the result and the comparison for the reports, return any failure."""
    from ._gate import ratchet  # noqa: PLC0415
    from ._render import baseline_headline, baseline_result, render_baseline  # noqa: PLC0415

    comparison, entry = ratchet(config, audit, config.rootpath / Path(baseline).expanduser(), baseline)
    result = baseline_result(comparison)
    results.append(result)
    info["baseline"], info["baseline_entry"] = comparison, entry
    return [f"{baseline_headline(comparison)}\n{render_baseline(comparison)}"] if result["outcome"] == "failed" else []


def host_platform() -> str:
    """The platform this host's own builds are for, as ``sysconfig`` names it (``linux-x86_64``, ``win-amd64``)."""
    import sysconfig  # noqa: PLC0415

    return sysconfig.get_platform()


def host_skip(session: Session) -> str | None:
    """Why a test that would judge this project's own wheel skips here: a host that builds no Linux wheel.

    One test suite runs on Linux, macOS and Windows; off Linux, the wheel
    built (or left in dist/) is not a Linux wheel, so there is nothing to
    judge unless Linux wheels are named (``--manylinux-wheel``, the ini key,
    a marker's ``wheel=``) or dist/ holds one.
    """
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename  # noqa: PLC0415

    from ._errors import ManylinuxError  # noqa: PLC0415

    platform = host_platform()
    if platform.startswith("linux") or session.settings.wheels:
        return None
    try:
        found = session.candidates()
    except ManylinuxError:
        return None  # the test reports it in one line
    for located in found:
        with contextlib.suppress(InvalidWheelFilename):
            if any("linux" in tag.platform for tag in parse_wheel_filename(located.path.name)[3]):
                return None
    return f"manylinux: this host builds {platform} wheels; give --manylinux-wheel to audit Linux wheels here"


def wheel_for(request: pytest.FixtureRequest) -> Path:
    """The wheel this test judges: its parameter, else the run's one wheel (built if need be)."""
    param = getattr(request, "param", None)
    if isinstance(param, Path):
        return param
    value = request.getfixturevalue("manylinux_wheel")
    return Path(value)


def view(request: pytest.FixtureRequest, wheel: Path) -> Audit:
    """The audit behind ``manylinux_audit``: marker > command line > ini > declared tags."""
    session = session_of(request.config)
    item = request.node
    requests = requests_of(item) if isinstance(item, pytest.Item) else []
    first = requests[0] if requests else None
    path = Path(first.wheel) if first and first.wheel else wheel
    allow = (
        session.allowances(first.allow_libraries, first.allow_symbols, first.allow_checks)
        if first
        else session.allowances()
    )
    if first is None:
        return session.judge(path, session.policy_for(path), allow)
    _check_names(session, first.policy)
    return session.judge(path, _policy(session, path, first.policy), allow)
