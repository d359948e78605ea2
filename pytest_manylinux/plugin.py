"""The pytest layer (entry point ``manylinux``): hooks and fixtures only.

Settings live in ``_settings``, state in ``_session``, the gate in ``_gate``,
markers in ``_markers``, the reports in ``_report``; this module wires them to
pytest's hooks and holds no logic of its own. Nothing heavy is imported until
an audit runs, so a project that installs the plugin and does not use it pays
for a few option definitions.
"""

from __future__ import annotations

import contextlib
import inspect
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ._session import SESSION, Session, session_of
from ._settings import Settings, add_options

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterator

    from ._view import AuditView

__all__: list[str] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    from ._markers import marker_lines  # noqa: PLC0415

    session = Session(config, Settings.from_config(config))
    config.stash[SESSION] = session
    for line in marker_lines(session.policy_names):
        config.addinivalue_line("markers", line)
    if not session.is_worker:
        from ._report import Reporter  # noqa: PLC0415

        config.pluginmanager.register(Reporter(config), "manylinux-reporter")
    policy = session.settings.policy
    if policy:  # a run that gates nothing imports none of the audit machinery
        from ._audit import check_policies  # noqa: PLC0415
        from ._gate import enable  # noqa: PLC0415

        with _usage_errors():
            for name in policy:
                if name != "auto":
                    session.policies.validate(name)
            check_policies(policy)
            enable(config, session)


@contextlib.contextmanager
def _usage_errors() -> Iterator[None]:
    """Our errors at start-up are usage errors: one line, exit 4, no traceback."""
    from ._errors import ManylinuxError  # noqa: PLC0415

    message = None
    try:
        yield
    except ManylinuxError as e:
        message = str(e)
    if message is not None:
        from ._errors import safe_output  # noqa: PLC0415

        raise pytest.UsageError(safe_output(message))


@pytest.hookimpl(tryfirst=True)
def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Walk into the directories that hold gated wheels, ``dist/`` included.

    The gate's wheels join the test paths; where one sits under another path
    of the run, pytest collects it by walking there, and its default
    ``norecursedirs`` would skip ``dist/``, losing the wheel without a word.
    """
    session = config.stash.get(SESSION, None)
    if session is None or not session.gated:
        return None
    return False if any(collection_path in wheel.parents for wheel in session.gated) else None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    session = parent.config.stash.get(SESSION, None)
    if session is not None and session.gated and file_path.suffix == ".whl" and file_path.resolve() in session.gated:
        from ._gate import WheelFile  # noqa: PLC0415

        config = parent.config
        try:
            nodeid = file_path.relative_to(config.rootpath).as_posix()
        except ValueError:
            nodeid = file_path.as_posix()  # outside the rootdir: the absolute path still selects it
        return WheelFile.from_parent(parent, path=file_path, nodeid=nodeid)
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Module | pytest.Class, name: str, obj: object) -> None:
    """Give a marked test function the fixture that audits it, before pytest computes its fixtures.

    Applied as a ``usefixtures`` mark, as a decorator would, so the fixture is
    in the function's closure and ``pytest_generate_tests`` can run it once per wheel.
    """
    del name
    if not inspect.isfunction(obj):
        return
    from ._markers import MARKERS_FIXTURE, marks_function  # noqa: PLC0415

    if marks_function(collector, obj):
        pytest.mark.usefixtures(MARKERS_FIXTURE)(obj)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A policy marker collection did not see (a ``pytest.param``'s, one a hook added) audits all the same.

    Without it the test would pass unaudited: a gate that fails open.
    """
    from ._markers import MARKERS_FIXTURE, marked  # noqa: PLC0415

    names = getattr(item, "fixturenames", None)
    if isinstance(names, list) and MARKERS_FIXTURE not in names and marked(item):
        names.insert(0, MARKERS_FIXTURE)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    from ._markers import parametrize  # noqa: PLC0415

    parametrize(metafunc)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    from ._markers import validate  # noqa: PLC0415

    validate(items)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    session = config.stash.get(SESSION, None)
    if session is None:
        return None
    settings = session.settings
    lines = []
    if settings.policy and session.gated:
        lines.append(session.header())
        session.header_shown = True
    if settings.wheels_from_cli and not settings.policy:
        lines.append(
            "manylinux: --manylinux-wheel without --manylinux-policy: only marked tests use the wheels; "
            "add --manylinux-policy=NAME (or auto) to gate them"
        )
    return _safe(lines) or None


def _safe(lines: list[str]) -> list[str]:
    """Lines for pytest to write, through the last guard (wheel paths and names reach CI logs)."""
    from ._errors import safe_output  # noqa: PLC0415

    return [safe_output(line) for line in lines]


def pytest_report_collectionfinish(config: pytest.Config, items: list[pytest.Item]) -> list[str] | None:
    """Name the wheel under test once we know the run needs one, before anything runs.

    A wheel that will be built locally is flagged here, because it is not the
    one you upload. (Under pytest-xdist the controller names it with the first result.)
    """
    session = config.stash.get(SESSION, None)
    if session is None or session.header_shown or session.gated:
        return None
    from ._markers import uses_plugin  # noqa: PLC0415

    if not any(uses_plugin(item) for item in items):
        return None
    session.header_shown = True
    return _safe([session.header()])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    del call
    report = yield
    from ._markers import INFOS, RESULTS  # noqa: PLC0415

    if not session_of(item.config).gated and RESULTS not in item.stash:
        return report  # a test that neither gates a wheel nor carries a policy marker: nothing to attach
    from ._gate import gate_result  # noqa: PLC0415
    from ._report import attach  # noqa: PLC0415

    data = gate_result(item)
    if data is None and RESULTS in item.stash:
        data = {"results": item.stash[RESULTS], "infos": item.stash.get(INFOS, []), "how": ""}
        wheels = {r["wheel"] for r in data["results"]}
        data["how"] = next((session_of(item.config).how(Path(w)) for w in sorted(wheels)), "")
    attach(item, report, data)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    from ._markers import FAILURES  # noqa: PLC0415

    failures = item.stash.get(FAILURES, [])
    if failures:
        from ._errors import safe_output  # noqa: PLC0415

        pytest.fail(safe_output("\n".join(failures)), pytrace=False)
    return (yield)


def pytest_assertrepr_compare(config: pytest.Config, op: str, left: object, right: object) -> list[str] | None:
    del config
    from ._view import explain  # noqa: PLC0415

    return explain(op, left, right)


# -- fixtures ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _one_line() -> Iterator[None]:
    """Any of our errors raised in a fixture ends the test with one line, not our stack."""
    from ._errors import ManylinuxError, safe_output  # noqa: PLC0415

    message = None
    try:
        yield
    except (ManylinuxError, pytest.UsageError) as e:
        message = str(e)
    if message is not None:
        # Raised while the context manager handles the error: drop that context, or pytest shows it twice.
        raise pytest.fail.Exception(safe_output(message), pytrace=False) from None


@pytest.fixture(scope="session")
def manylinux_wheel(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel under test: --manylinux-wheel, else this project's wheel in dist/, else one built once."""
    from ._markers import host_skip  # noqa: PLC0415

    session = session_of(request.config)
    if reason := host_skip(session):
        pytest.skip(reason)
    with _one_line():
        found = session.candidates()
        if len(found) > 1:
            names = ", ".join(c.path.name for c in found)
            msg = f"{len(found)} wheels match ({names}): use manylinux_wheel or a marker in a test, or narrow the spec"
            raise pytest.UsageError(msg)
        return found[0].path if found else session.built(tmp_path_factory, _progress(request.config)).path
    raise AssertionError  # pragma: no cover - _one_line either returns or fails


def _progress(config: pytest.Config) -> Callable[[str], None] | None:
    """A line on the terminal while the wheel builds, past output capturing (None where there is no terminal)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return None
    capture = config.pluginmanager.get_plugin("capturemanager")

    def write(line: str) -> None:
        with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
            reporter.write_line(_safe([line])[0])

    return write


@pytest.fixture
def manylinux_audit(request: pytest.FixtureRequest, manylinux_wheel: Path) -> AuditView:
    """The audit of the wheel under the active policy: marker > command line > ini > declared tags."""
    from ._markers import view  # noqa: PLC0415
    from ._view import AuditView  # noqa: PLC0415

    with _one_line():
        return AuditView(view(request, Path(manylinux_wheel)))
    raise AssertionError  # pragma: no cover - _one_line either returns or fails


@pytest.fixture
def _manylinux_markers(request: pytest.FixtureRequest) -> None:
    """Audit the wheel for each policy marker on the test, before its body runs.

    Not autouse: a fixture on every test cost a run that gates nothing 10% (issue 19);
    marked tests get it from ``pytest_pycollect_makeitem`` or ``pytest_runtest_setup``.
    """
    item = request.node
    if not isinstance(item, pytest.Function):
        return
    from ._markers import audit_marked  # noqa: PLC0415

    with _one_line():
        audit_marked(request)
