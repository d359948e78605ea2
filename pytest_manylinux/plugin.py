"""The pytest layer (entry point ``manylinux``): options, markers, fixtures, gate, report.

It holds no domain logic: it resolves settings, finds the wheel, asks the
engine and shows what the engine rendered. Nothing heavy is imported until an
audit actually runs, so a project that installs the plugin and does not use
it pays for a few option definitions.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest

if TYPE_CHECKING:
    from collections.abc import Generator, Iterable, Mapping

    from ._evaluate import Allowances
    from ._locate import Located
    from ._model import Audit, WheelFacts
    from ._policy import PolicySet

__all__ = ["AuditView", "SymbolVersion"]

POLICY_HELP = (
    "policy to hold wheels to: a name or alias (manylinux2014, manylinux_2_28, musllinux_1_2), "
    "or 'auto' for the tags each wheel declares. With wheels given, turns on the release gate."
)
WHEEL_HELP = (
    "wheel(s) to audit: a path, glob or directory (repeatable), or installed:NAME for an "
    "installed distribution. Default: the newest wheel in dist/, else one built with pypa/build."
)
BUILD_HELP = "build the wheel with pypa/build: auto (when none is found), always, or never"
POLICY_FILE_HELP = "policy JSON in auditwheel's format, replacing the family it defines"
JSON_HELP = "write the audit of every wheel as one JSON document to this path"
MARKDOWN_HELP = "append a Markdown summary table to this path (e.g. $GITHUB_STEP_SUMMARY)"
ALLOW_LIBRARIES_HELP = "libraries to accept, one per line as 'libfoo.so.1: reason'"
ALLOW_SYMBOLS_HELP = "symbol versions to accept, one per line as 'memcpy@GLIBC_2.14: reason' or 'GLIBC_2.14: reason'"

_BUILD_CHOICES = ("auto", "always", "never")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("manylinux", "wheel platform-tag compliance (pytest-manylinux)")
    group.addoption("--manylinux-policy", help=POLICY_HELP)
    group.addoption("--manylinux-wheel", action="append", default=[], help=WHEEL_HELP)
    group.addoption("--manylinux-build", choices=_BUILD_CHOICES, help=BUILD_HELP)
    group.addoption("--manylinux-policy-file", action="append", default=[], help=POLICY_FILE_HELP)
    group.addoption("--manylinux-json", metavar="PATH", help=JSON_HELP)
    group.addoption("--manylinux-markdown", metavar="PATH", help=MARKDOWN_HELP)
    parser.addini("manylinux_policy", POLICY_HELP)
    parser.addini("manylinux_wheel", WHEEL_HELP, type="linelist")
    parser.addini("manylinux_build", BUILD_HELP, default="auto")
    parser.addini("manylinux_policy_file", POLICY_FILE_HELP, type="linelist")
    parser.addini("manylinux_json", JSON_HELP)
    parser.addini("manylinux_markdown", MARKDOWN_HELP)
    parser.addini("manylinux_max_member_size", "largest wheel member to read (K/M/G suffixes; default 4G)")
    parser.addini("manylinux_max_total_size", "all members of one wheel together (default 16G)")
    parser.addini("manylinux_max_entries", "members in one wheel (default 200000)")
    parser.addini("manylinux_allow_libraries", ALLOW_LIBRARIES_HELP, type="linelist")
    parser.addini("manylinux_allow_symbols", ALLOW_SYMBOLS_HELP, type="linelist")


@dataclass(frozen=True)
class Settings:
    """Every option resolved once: command line over ini file (markers come later)."""

    policy: str | None
    wheels: tuple[str, ...]
    wheels_from_cli: bool
    build: str
    policy_files: tuple[str, ...]
    json_path: str | None
    markdown_path: str | None
    allow_libraries: Mapping[str, str]
    allow_symbols: Mapping[str, str]
    limits: Mapping[str, int]

    @classmethod
    def from_config(cls, config: pytest.Config) -> Settings:
        cli_wheels = tuple(config.getoption("manylinux_wheel") or ())
        build = config.getoption("manylinux_build") or str(config.getini("manylinux_build") or "auto")
        if build not in _BUILD_CHOICES:
            msg = f"manylinux_build in the config file must be one of {', '.join(_BUILD_CHOICES)}, not {build!r}"
            raise pytest.UsageError(msg)
        return cls(
            policy=config.getoption("manylinux_policy") or (str(config.getini("manylinux_policy")) or None),
            wheels=cli_wheels or tuple(config.getini("manylinux_wheel")),
            wheels_from_cli=bool(cli_wheels),
            build=build,
            policy_files=tuple(config.getoption("manylinux_policy_file") or config.getini("manylinux_policy_file")),
            json_path=config.getoption("manylinux_json") or (str(config.getini("manylinux_json")) or None),
            markdown_path=config.getoption("manylinux_markdown") or (str(config.getini("manylinux_markdown")) or None),
            allow_libraries=_allowlist(config.getini("manylinux_allow_libraries"), "manylinux_allow_libraries"),
            allow_symbols=_allowlist(config.getini("manylinux_allow_symbols"), "manylinux_allow_symbols"),
            limits=_limits(config),
        )


def _limits(config: pytest.Config) -> dict[str, int]:
    """The input limits set in the config file, as ``Limits`` keywords."""
    from ._wheel import parse_size  # noqa: PLC0415

    out: dict[str, int] = {}
    for key, field_name in (
        ("manylinux_max_member_size", "max_member_bytes"),
        ("manylinux_max_total_size", "max_total_bytes"),
        ("manylinux_max_entries", "max_entries"),
    ):
        value = str(config.getini(key) or "").strip()
        if value:
            try:
                out[field_name] = parse_size(value)
            except ValueError as e:
                raise pytest.UsageError(f"{key}: {e}") from e
    return out


def _allowlist(lines: Iterable[str], source: str) -> dict[str, str]:
    """Parse 'NAME: reason' lines; a line without a reason is a usage error."""
    out: dict[str, str] = {}
    for line in lines:
        name, sep, reason = str(line).partition(":")
        if not sep or not name.strip() or not reason.strip():
            msg = f"{source}: {line!r} needs a reason, as 'NAME: why it is acceptable'"
            raise pytest.UsageError(msg)
        out[name.strip()] = reason.strip()
    return out


class _State:
    """Per-process plugin state, kept in ``config.stash``."""

    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        self.config = config
        self.settings = settings
        self._policies: PolicySet | None = None
        self.facts: dict[Path, WheelFacts] = {}
        self._audits: dict[
            tuple[Path, str | None, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]], Audit
        ] = {}
        self.located: Located | None = None

    @property
    def policies(self) -> PolicySet:
        if self._policies is None:
            from ._errors import ManylinuxError  # noqa: PLC0415
            from ._policy import load_policies  # noqa: PLC0415

            try:
                self._policies = load_policies([Path(p) for p in self.settings.policy_files])
            except ManylinuxError as e:
                raise pytest.UsageError(str(e)) from e
        return self._policies

    def allowances(self, libraries: Mapping[str, str] = {}, symbols: Mapping[str, str] = {}) -> Allowances:
        from ._evaluate import Allowances  # noqa: PLC0415

        return Allowances(
            libraries={**self.settings.allow_libraries, **libraries},
            symbols={**self.settings.allow_symbols, **symbols},
        )

    def read(self, path: Path) -> WheelFacts:
        """Facts of a wheel, read once per process and kept in pytest's cache between runs."""
        if path not in self.facts:
            from ._audit import read_wheel_facts  # noqa: PLC0415
            from ._wheel import Limits  # noqa: PLC0415

            cache = getattr(self.config, "cache", None)  # absent under -p no:cacheprovider
            store = _PytestStore(cache) if cache is not None else None
            self.facts[path] = read_wheel_facts(path, Limits(**self.settings.limits), store)
        return self.facts[path]

    def judge(self, path: Path, policy: str | None, allow: Allowances) -> Audit:
        """The audit for one wheel, policy and allowlist, evaluated once per process.

        Many tests carry the same marker; each would otherwise re-run the loader
        emulation and the whole policy family on the same facts.
        """
        from ._audit import judge  # noqa: PLC0415

        target = None if policy in (None, "auto") else policy
        key = (path, target, tuple(sorted(allow.libraries.items())), tuple(sorted(allow.symbols.items())))
        if key not in self._audits:
            self._audits[key] = judge(self.read(path), target, policies=self.policies, allow=allow)
        return self._audits[key]

    def locate(self, tmp_path_factory: pytest.TempPathFactory) -> Located:
        """The project's wheel: the option, else dist/, else a build (once per run)."""
        if self.located is not None:
            return self.located
        from ._locate import Located, build_wheel, expand_wheels, find_in_dist, project_name  # noqa: PLC0415

        root = self.config.rootpath
        if self.settings.wheels:
            found = expand_wheels(list(self.settings.wheels), root)
            if not found:
                raise pytest.UsageError(f"--manylinux-wheel matched nothing: {', '.join(self.settings.wheels)}")
            self.located = Located(found[-1], "given")
        elif self.settings.build != "always" and (dist := find_in_dist(root, project_name(root))):
            self.located = Located(dist, "found in dist/")
        elif self.settings.build == "never":
            raise pytest.UsageError("no wheel found in dist/ and --manylinux-build=never")
        else:
            base = tmp_path_factory.getbasetemp()
            shared = base.parent if hasattr(self.config, "workerinput") else base
            self.located = Located(build_wheel(root, shared), "built locally with pypa/build")
        return self.located


class _PytestStore:
    """The facts store on top of ``config.cache`` (``.pytest_cache``)."""

    def __init__(self, cache: pytest.Cache) -> None:
        self.cache = cache

    def load(self, key: str) -> dict[str, Any] | None:
        value = self.cache.get(f"manylinux/facts/{key}", None)
        return value if isinstance(value, dict) else None

    def save(self, key: str, data: dict[str, Any]) -> None:
        self.cache.set(f"manylinux/facts/{key}", data)


_STATE = pytest.StashKey[_State]()


def _state(config: pytest.Config) -> _State:
    return config.stash[_STATE]


def pytest_configure(config: pytest.Config) -> None:
    settings = Settings.from_config(config)
    state = _State(config, settings)
    config.stash[_STATE] = state
    config.addinivalue_line(
        "markers",
        "manylinux(policy, *, wheel=None, allow_libraries=(), allow_symbols=()): audit the project's "
        "wheel against POLICY before the test body runs; the test fails with the policy diff",
    )
    for name in _marker_names():
        config.addinivalue_line(
            "markers",
            f"{name}(*, wheel=None, allow_libraries=(), allow_symbols=()): same as manylinux('{name}')",
        )
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(_Controller(config, state), "manylinux-controller")
    if settings.policy not in (None, "auto"):
        from ._errors import UnknownPolicyError  # noqa: PLC0415

        try:
            state.policies.validate(str(settings.policy))
        except UnknownPolicyError as e:
            raise pytest.UsageError(str(e)) from e
    if settings.policy and (settings.wheels or _positional_wheels(config)):
        _enable_gate(config, state)


@functools.cache
def _marker_names() -> tuple[str, ...]:
    """Marker names: every policy name and alias in the vendored data.

    Read straight from the JSON so registering markers costs a JSON parse, not
    the policy machinery.
    """
    from importlib import resources  # noqa: PLC0415

    names: set[str] = set()
    for filename in ("manylinux-policy.json", "musllinux-policy.json"):
        data = json.loads((resources.files(__package__) / "policies" / filename).read_bytes())
        for entry in data:
            if entry["name"] != "linux":
                names.add(entry["name"])
                names.update(entry["aliases"])
    return tuple(sorted(names))


_GATE = pytest.StashKey[tuple[Path, ...]]()


def _positional_wheels(config: pytest.Config) -> list[Path]:
    """Wheels named as plain arguments: ``pytest --manylinux-policy=X dist/a.whl``."""
    if config.args_source is not pytest.Config.ArgsSource.ARGS:
        return []
    return [Path(arg).resolve() for arg in config.args if arg.endswith(".whl") and "::" not in arg]


def _enable_gate(config: pytest.Config, state: _State) -> None:
    """Make each gated wheel a collected file; alone when only wheels were asked for."""
    from ._locate import expand_wheels  # noqa: PLC0415

    specs = [*expand_wheels(list(state.settings.wheels), config.rootpath), *_positional_wheels(config)]
    if any(str(spec).startswith("installed:") for spec in specs):
        msg = "installed:NAME works with the markers and fixtures; the gate audits wheel files"
        raise pytest.UsageError(msg)
    wheels = [spec.resolve() for spec in specs]
    config.stash[_GATE] = tuple(wheels)
    paths = [str(w) for w in wheels]
    if state.settings.wheels_from_cli and config.args_source is not pytest.Config.ArgsSource.ARGS:
        config.args = paths
    else:
        config.args = [*config.args, *(p for p in paths if p not in config.args)]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    gated = parent.config.stash.get(_GATE, ())
    if gated and file_path.resolve() in gated:
        from ._items import WheelFile  # noqa: PLC0415

        try:
            nodeid = file_path.relative_to(parent.config.rootpath).as_posix()
        except ValueError:
            nodeid = file_path.name  # outside the rootdir: the file name still reads well
        return WheelFile.from_parent(parent, path=file_path, nodeid=nodeid)
    return None


def gate_audit(config: pytest.Config, path: Path) -> Audit:
    """The audit a gated wheel's items report on (called at collection)."""
    state = _state(config)
    return state.judge(path, state.settings.policy, state.allowances())


def record_audit(item: pytest.Item, audit: Audit, *, gate: bool = False) -> None:
    """Attach a wheel's summary row and JSON to the item, for the controller.

    Rows travel in ``user_properties``, which pytest-xdist ships to the
    controller with each report, so only the controller writes the summary.
    """
    from . import __version__  # noqa: PLC0415
    from ._render import summary_row, to_json  # noqa: PLC0415

    state = _state(item.config)
    row: dict[str, Any] = dict(summary_row(audit, tags_count=gate))
    if state.located is not None and Path(audit.facts.path) == state.located.path:
        row["how"] = state.located.how
    item.user_properties.append(("manylinux_row", row))
    if state.settings.json_path:
        document = to_json([audit], tool=f"pytest-manylinux {__version__}", policy_data=state.policies.source)
        wheel_json: dict[str, Any] = dict(document["wheels"][0])
        wheel_json["passed"] = row["passed"]  # in the gate, false declared tags fail too
        item.user_properties.append(("manylinux_json", wheel_json))


# -- markers ---------------------------------------------------------------------------------


def _marker_signature(
    policy: str,
    *,
    wheel: str | os.PathLike[str] | None = None,
    allow_libraries: Mapping[str, str] | Iterable[str] = (),
    allow_symbols: Mapping[str, str] | Iterable[str] = (),
) -> None:
    """The markers' call signature; binding to it validates marker arguments."""


_SIGNATURE = inspect.signature(_marker_signature)


@dataclass(frozen=True)
class _MarkerRequest:
    policy: str
    wheel: Path | None
    allow_libraries: Mapping[str, str] = field(default_factory=dict)
    allow_symbols: Mapping[str, str] = field(default_factory=dict)


def _marker_requests(item: pytest.Item) -> list[_MarkerRequest]:
    names = set(_marker_names())
    requests = []
    for marker in item.iter_markers():
        if marker.name == "manylinux":
            args: tuple[Any, ...] = marker.args
        elif marker.name in names:
            args = (marker.name, *marker.args)
        else:
            continue
        try:
            bound = _SIGNATURE.bind(*args, **marker.kwargs)
        except TypeError as e:
            msg = f"{item.nodeid}: bad arguments to @pytest.mark.{marker.name}: {e}"
            raise pytest.UsageError(msg) from e
        values = bound.arguments
        wheel = values.get("wheel")
        requests.append(
            _MarkerRequest(
                policy=str(values["policy"]),
                wheel=Path(wheel) if wheel is not None else None,
                allow_libraries=_as_mapping(values.get("allow_libraries", ()), item, "allow_libraries"),
                allow_symbols=_as_mapping(values.get("allow_symbols", ()), item, "allow_symbols"),
            )
        )
    return requests


def _is_gate_item(item: pytest.Item) -> bool:
    from ._items import CheckItem, ErrorItem, TagsItem  # noqa: PLC0415

    return isinstance(item, (CheckItem, TagsItem, ErrorItem))


def _as_mapping(value: Any, item: pytest.Item, name: str) -> dict[str, str]:  # noqa: ANN401 - user input, checked here
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, str):
        value = [value]
    try:
        return _allowlist(value, f"{item.nodeid}: {name}")
    except TypeError as e:
        msg = f"{item.nodeid}: {name} must be a mapping or a list of 'NAME: reason' strings"
        raise pytest.UsageError(msg) from e


_MARKER_FAILURES = pytest.StashKey[list[str]]()


@pytest.fixture(autouse=True)
def _manylinux_markers(request: pytest.FixtureRequest) -> None:
    """Audit the wheel for each policy marker on the test, before its body runs."""
    item = request.node
    if not isinstance(item, pytest.Item) or _is_gate_item(item):
        return
    requests = _marker_requests(item)
    if not requests:
        return
    from ._errors import ManylinuxError  # noqa: PLC0415
    from ._render import render_audit  # noqa: PLC0415

    state = _state(item.config)
    failures = []
    for req in requests:
        try:
            state.policies.validate(req.policy)
            path = req.wheel or request.getfixturevalue("manylinux_wheel")
            audit = state.judge(Path(path), req.policy, state.allowances(req.allow_libraries, req.allow_symbols))
        except ManylinuxError as e:
            pytest.fail(str(e), pytrace=False)
        record_audit(item, audit)
        if not audit.passed:
            failures.append(render_audit(audit))
    item.stash[_MARKER_FAILURES] = failures


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    failures = item.stash.get(_MARKER_FAILURES, [])
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)
    return (yield)


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def manylinux_wheel(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel under test: --manylinux-wheel, else the newest in dist/, else built once."""
    return _state(request.config).locate(tmp_path_factory).path


@dataclass(frozen=True)
class SymbolVersion:
    """The highest version a wheel needs under one prefix; compares with '2.17'."""

    prefix: str
    version: str | None
    needed: Mapping[str, tuple[str, ...]]

    def _key(self, other: object) -> tuple[Any, Any]:
        from ._policy import version_key  # noqa: PLC0415

        if isinstance(other, SymbolVersion):
            other = other.version
        if not isinstance(other, str):
            return NotImplemented  # type: ignore[no-any-return]
        text = other if other.startswith(f"{self.prefix}_") else f"{self.prefix}_{other}"
        mine = version_key(self.version) if self.version else ()
        return mine, version_key(text)

    def __le__(self, other: object) -> bool:
        mine, theirs = self._key(other)
        return bool(mine <= theirs)

    def __lt__(self, other: object) -> bool:
        mine, theirs = self._key(other)
        return bool(mine < theirs)

    def __ge__(self, other: object) -> bool:
        mine, theirs = self._key(other)
        return bool(mine >= theirs)

    def __gt__(self, other: object) -> bool:
        mine, theirs = self._key(other)
        return bool(mine > theirs)

    def __str__(self) -> str:
        return self.version or f"(no {self.prefix} versions)"


@dataclass(frozen=True)
class AuditView:
    """What ``manylinux_audit`` hands a test: the audit plus assertion helpers."""

    audit: Audit

    def assert_compliant(self) -> None:
        """Fail with the policy diff unless the wheel passes its target policy."""
        __tracebackhide__ = True
        from ._render import render_audit  # noqa: PLC0415

        if not self.audit.passed:
            pytest.fail(render_audit(self.audit), pytrace=False)

    @property
    def libraries(self) -> tuple[str, ...]:
        """Every DT_NEEDED library of every ELF file, sorted."""
        return self.audit.facts.libraries()

    def max_version(self, prefix: str) -> SymbolVersion:
        """The highest ``prefix`` version needed, e.g. ``max_version("GLIBC") <= "2.17"``."""
        from ._policy import version_key  # noqa: PLC0415

        needed = self.audit.facts.versions_needed(prefix)
        return SymbolVersion(prefix, max(needed, key=version_key, default=None), needed)

    def symbols_needing(self, version: str) -> tuple[str, ...]:
        """The undefined symbols bound to ``version`` in any ELF file, sorted."""
        return self.audit.facts.symbols_needing(version)


@pytest.fixture
def manylinux_audit(request: pytest.FixtureRequest, manylinux_wheel: Path) -> AuditView:
    """The audit of the wheel under the active policy: marker > command line > ini > declared tags."""
    state = _state(request.config)
    item = request.node
    requests = _marker_requests(item) if isinstance(item, pytest.Item) else []
    policy = requests[0].policy if requests else state.settings.policy
    wheel = requests[0].wheel if requests and requests[0].wheel else manylinux_wheel
    allow = state.allowances(*((requests[0].allow_libraries, requests[0].allow_symbols) if requests else ()))
    if policy not in (None, "auto"):
        state.policies.validate(str(policy))
    return AuditView(state.judge(Path(wheel), policy, allow))


def pytest_assertrepr_compare(config: pytest.Config, op: str, left: object, right: object) -> list[str] | None:
    """Explain ``audit.max_version("GLIBC") <= "2.17"`` with the symbols to blame."""
    del config
    if not isinstance(left, SymbolVersion) or not isinstance(right, str):
        return None
    from ._policy import version_key  # noqa: PLC0415

    limit = right if right.startswith(f"{left.prefix}_") else f"{left.prefix}_{right}"
    over = sorted((v for v in left.needed if version_key(v) > version_key(limit)), key=version_key)
    lines = [
        f"the wheel needs {left} {op} {right} is false",
        f"{left.prefix} versions above {limit}, and what needs them:",
    ]
    lines.extend(f"  {v}: {', '.join(left.needed[v]) or '(no symbol names)'}" for v in over)
    return lines


# -- reporting ---------------------------------------------------------------------------------


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    state = config.stash.get(_STATE, None)
    if state is None or not (state.settings.policy or state.settings.wheels):
        return None
    return [_header(state)]


def pytest_report_collectionfinish(config: pytest.Config, items: list[pytest.Item]) -> list[str] | None:
    """Name the wheel under test once we know the run needs one.

    Markers and fixtures are only known after collection; the header above
    covers runs configured from options. A wheel that will be built locally is
    flagged here, before anything runs, because it is not the one you upload.
    """
    state = config.stash.get(_STATE, None)
    if state is None or state.settings.policy or state.settings.wheels:
        return None
    names = set(_marker_names()) | {"manylinux"}
    fixtures = {"manylinux_wheel", "manylinux_audit"}
    if not any(
        any(m.name in names for m in item.iter_markers()) or fixtures & set(getattr(item, "fixturenames", ()))
        for item in items
    ):
        return None
    return [_header(state)]


def _header(state: _State) -> str:
    from ._locate import find_in_dist, project_name  # noqa: PLC0415

    settings = state.settings
    policy = settings.policy or "from markers, else each wheel's declared tags"
    if settings.wheels:
        wheel = ", ".join(settings.wheels)
    else:
        root = state.config.rootpath
        found = None if settings.build == "always" else find_in_dist(root, project_name(root))
        if found is not None:
            wheel = f"{found} (newest in dist/)"
        elif settings.build == "never":
            wheel = "none in dist/ (--manylinux-build=never)"
        else:
            wheel = "built locally with pypa/build: not the wheel you will upload"
    return f"manylinux: policy {policy}; wheel {wheel}; policy data {state.policies.source}"


class _Controller:
    """Hooks that only the controlling process runs: summary rows and the JSON file."""

    def __init__(self, config: pytest.Config, state: _State) -> None:
        self.config = config
        self.state = state
        self.rows: dict[str, dict[str, Any]] = {}
        self.documents: dict[str, dict[str, Any]] = {}

    def _path(self, value: str) -> Path:
        path = Path(value)
        return path if path.is_absolute() else self.config.invocation_params.dir / path

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for key, value in report.user_properties:
            if key == "manylinux_row" and isinstance(value, dict):
                self.rows[str(value["wheel"])] = value
            elif key == "manylinux_json" and isinstance(value, dict):
                self.documents[str(value["wheel"])] = value

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:  # noqa: ANN401 - TerminalReporter is not public
        if not self.rows:
            return
        terminalreporter.section("manylinux")
        for row in self.rows.values():
            verdict = "PASS" if row["passed"] else "FAIL"
            how = f"  [{row['how']}: not the wheel you will upload]" if "built" in str(row.get("how", "")) else ""
            terminalreporter.line(f"{verdict}  {row['wheel']}{how}")
            terminalreporter.line(
                f"      declared: {row['declared']}  most compatible: {row['best']}  target: {row['target']}"
            )

    def pytest_sessionfinish(self) -> None:
        if self.state.settings.markdown_path and self.rows:
            from ._render import SummaryRow, render_markdown  # noqa: PLC0415

            rows = [cast("SummaryRow", {k: row[k] for k in SummaryRow.__annotations__}) for row in self.rows.values()]
            with self._path(self.state.settings.markdown_path).open("a", encoding="utf-8") as f:
                f.write(render_markdown(rows) + "\n")
        if not self.state.settings.json_path:
            return
        from . import __version__  # noqa: PLC0415
        from ._render import JSON_SCHEMA_VERSION  # noqa: PLC0415

        wheels = list(self.documents.values())
        document = {
            "schema": "pytest-manylinux/audit",
            "version": JSON_SCHEMA_VERSION,
            "tool": f"pytest-manylinux {__version__}",
            "policy_data": self.state.policies.source,
            "passed": all(w.get("passed") for w in wheels),
            "wheels": wheels,
        }
        target = self._path(self.state.settings.json_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        with os.fdopen(fd, "w") as f:
            json.dump(document, f, indent=2)
        Path(tmp).replace(target)
