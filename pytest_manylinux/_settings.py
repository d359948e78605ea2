"""Options and their ini twins, resolved once into :class:`Settings`.

Each option exists on the command line and in the config file and shares
one help text (pytest-timeout's pattern). Precedence is marker > command
line > ini file. Paths behave as everywhere else in pytest: relative to the
directory the command was typed in for the command line, relative to the
config file for the ini file. Every bad value, conflict or unwritable report
path is a usage error at start-up (exit 4), never a traceback at the end.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ._config import (
    ALLOW_CHECKS_HELP,
    ALLOW_LIBRARIES_HELP,
    ALLOW_SYMBOLS_HELP,
    ALLOWLISTS,
    BASELINE_HELP,
    BUILD_HELP,
    BUILD_TIMEOUT_HELP,
    CONFIG_SETTING_HELP,
    INSTALLER_HELP,
    JSON_HELP,
    MARKDOWN_HELP,
    NO_ISOLATION_HELP,
    POLICY_FILE_HELP,
    POLICY_HELP,
    PROJECT_HELP,
    SIZE_RATIO_HELP,
    STRICT_ALLOWLIST_HELP,
    WHEEL_HELP,
    settings,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ._locate import BuildRequest

__all__ = [
    "BUILD_CHOICES",
    "Settings",
    "WheelSpec",
    "add_options",
    "is_wheels",
    "parse_allowlist",
    "split_policies",
]

UPDATE_BASELINE_HELP = (
    "write or refresh the --manylinux-baseline FILE (and markers' baseline= files) from the wheels audited, "
    "and say what changed"
)

BUILD_CHOICES = ("auto", "always", "never")
INSTALLER_CHOICES = ("auto", "pip", "uv")
#: The size budget's CLI twin of ``manylinux_max_wheel_size`` (from ``_wheel.LIMIT_OPTIONS``).
MAX_WHEEL_SIZE_HELP = (
    "size budget of each wheel file, checked by the size check, K/M/G suffixes (default off; PyPI's default is 100M)"
)


def add_options(parser: pytest.Parser) -> None:
    """Register every option and its ini twin."""
    group = parser.getgroup("manylinux", "wheel platform-tag compliance (pytest-manylinux)")
    group.addoption("--manylinux-policy", action="append", default=[], help=POLICY_HELP)
    group.addoption("--manylinux-wheel", action="append", default=[], help=WHEEL_HELP)
    group.addoption("--manylinux-build", choices=BUILD_CHOICES, help=BUILD_HELP)
    group.addoption("--manylinux-project", metavar="DIR", help=PROJECT_HELP)
    group.addoption("--manylinux-no-isolation", action="store_true", default=False, help=NO_ISOLATION_HELP)
    group.addoption(
        "--manylinux-config-setting", action="append", default=[], metavar="KEY=VALUE", help=CONFIG_SETTING_HELP
    )
    group.addoption("--manylinux-build-timeout", metavar="SECONDS", help=BUILD_TIMEOUT_HELP)
    group.addoption("--manylinux-build-installer", choices=INSTALLER_CHOICES, help=INSTALLER_HELP)
    group.addoption("--manylinux-policy-file", action="append", default=[], help=POLICY_FILE_HELP)
    group.addoption("--manylinux-json", metavar="PATH", help=JSON_HELP)
    group.addoption("--manylinux-markdown", metavar="PATH", help=MARKDOWN_HELP)
    group.addoption("--manylinux-baseline", metavar="FILE|DIR|WHEEL", help=BASELINE_HELP)
    group.addoption("--manylinux-update-baseline", action="store_true", default=False, help=UPDATE_BASELINE_HELP)
    group.addoption("--manylinux-baseline-size-ratio", metavar="R", help=SIZE_RATIO_HELP)
    group.addoption("--manylinux-max-wheel-size", metavar="SIZE", help=MAX_WHEEL_SIZE_HELP)
    allow_help = (ALLOW_LIBRARIES_HELP, ALLOW_SYMBOLS_HELP, ALLOW_CHECKS_HELP)
    for (_, _, flag, _), text in zip(ALLOWLISTS.values(), allow_help, strict=True):
        group.addoption(flag, action="append", default=[], metavar="'NAME: REASON'", help=f"{text} (repeatable)")
    group.addoption("--manylinux-strict-allowlist", action="store_true", default=False, help=STRICT_ALLOWLIST_HELP)
    for setting in settings().values():  # the table the CLI reads its config file with (_config)
        parser.addini(setting.key, setting.help, type=setting.kind, default=setting.empty)


@dataclass(frozen=True, slots=True)
class WheelSpec:
    """A wheel spec as the user wrote it, with the directory it is relative to and where it came from."""

    text: str
    base: Path
    source: str  # "--manylinux-wheel", "manylinux_wheel in <ini>", "argument", "marker"

    def __str__(self) -> str:
        return f"{self.source} {self.text!r}"


@dataclass(frozen=True)
class Settings:
    """Every option resolved once: command line over ini file (markers come later)."""

    policy: tuple[str, ...]  # empty: none given; ("auto",): each wheel's declared tags
    policy_from_cli: bool
    wheels: tuple[WheelSpec, ...]
    wheels_from_cli: bool
    build: str
    policy_files: tuple[Path, ...]
    json_path: Path | None
    markdown_path: Path | None
    allow_libraries: Mapping[str, str] = field(default_factory=dict)
    allow_symbols: Mapping[str, str] = field(default_factory=dict)
    allow_checks: Mapping[str, str] = field(default_factory=dict)
    limits: Mapping[str, int] = field(default_factory=dict)
    baseline: WheelSpec | None = None
    update_baseline: bool = False
    baseline_size_ratio: float | None = None  # None: the default; 0: no size ratchet
    strict_allowlist: bool = False
    build_request: BuildRequest | None = None  # None: pypa/build's defaults, building the rootdir

    @classmethod
    def from_config(cls, config: pytest.Config) -> Settings:
        """Resolve and validate; every problem is a :class:`pytest.UsageError` naming its source."""
        here = config.invocation_params.dir
        ini_dir = config.inipath.parent if config.inipath else config.rootpath
        ini = f"in {config.inipath.name}" if config.inipath else "in the config file"
        _check_config(config, ini)

        policies = split_policies(config.getoption("manylinux_policy") or ())
        policy = policies or split_policies([str(config.getini("manylinux_policy"))])

        cli_wheels = [WheelSpec(s, here, "--manylinux-wheel") for s in config.getoption("manylinux_wheel") or ()]
        ini_wheels = [WheelSpec(str(s), ini_dir, f"manylinux_wheel {ini}") for s in config.getini("manylinux_wheel")]

        _refuse_sdists(cli_wheels or ini_wheels)
        _check_inflater()

        build_cli = config.getoption("manylinux_build")
        build = build_cli or str(config.getini("manylinux_build") or "auto")
        if build not in BUILD_CHOICES:
            msg = f"manylinux_build {ini} must be one of {', '.join(BUILD_CHOICES)}, not {build!r}"
            raise pytest.UsageError(msg)
        if build == "always" and cli_wheels:
            msg = "--manylinux-build=always and --manylinux-wheel contradict each other: build, or use the given wheel"
            raise pytest.UsageError(msg)

        cli_files = [here / p for p in config.getoption("manylinux_policy_file") or ()]
        policy_files = cli_files or [ini_dir / str(p) for p in config.getini("manylinux_policy_file")]
        return cls(
            policy=policy,
            policy_from_cli=bool(policies),
            wheels=tuple(cli_wheels or ini_wheels),
            wheels_from_cli=bool(cli_wheels),
            build=build,
            policy_files=tuple(policy_files),
            json_path=_report_path(config, "manylinux_json", here, ini_dir, append=False),
            markdown_path=_report_path(config, "manylinux_markdown", here, ini_dir, append=True),
            allow_libraries=_allowlist(config, "libraries"),
            allow_symbols=_allowlist(config, "symbols"),
            allow_checks=_allowlist(config, "checks"),
            strict_allowlist=bool(config.getoption("manylinux_strict_allowlist"))
            or bool(config.getini("manylinux_strict_allowlist")),
            limits=_limits(config),
            baseline=_baseline(config, here, ini_dir, ini),
            update_baseline=bool(config.getoption("manylinux_update_baseline")),
            baseline_size_ratio=_size_ratio(config, ini),
            build_request=_build_request(config, here, ini_dir, ini),
        )


def _check_config(config: pytest.Config, ini: str) -> None:
    """Every ``manylinux_*`` key of the config file and ``-o`` known and of its type, as the CLI checks them.

    Unknown keys are refused whether or not ``--strict-config`` is on: a
    misspelt ``manylinux_allow_librarys`` would otherwise allow nothing, and a
    misspelt limit or ``manylinux_strict_allowlist`` would loosen the gate.
    """
    from ._config import ConfigError, load_config, refuse_unknown  # noqa: PLC0415

    def known(key: str) -> bool:  # another plugin's key is pytest's to judge
        try:
            config.getini(key)
        except ValueError:
            return False
        return True

    try:
        path = config.inipath
        in_file = (load_config(path) or {}) if path is not None and path.is_file() else {}
        refuse_unknown(in_file, str(path), known=known)
        overrides = (str(o).partition("=")[0].strip() for o in config.getoption("override_ini") or ())
        refuse_unknown(overrides, "-o/--override-ini", known=known)
        for setting in settings().values():
            setting.check(config.getini(setting.key), f"{setting.key} {ini}")
    except ConfigError as e:
        raise pytest.UsageError(str(e)) from None


def _build_request(config: pytest.Config, here: Path, ini_dir: Path, ini: str) -> BuildRequest | None:
    """How the ``manylinux_wheel`` fixture builds, command line over ini file; None: pypa/build's defaults.

    A bad value is a usage error now, not a failed build later.
    """
    project = _project(config, here, ini_dir, ini)
    isolation = not (config.getoption("manylinux_no_isolation") or config.getini("manylinux_no_isolation"))
    cli_settings = [(str(v), "--manylinux-config-setting") for v in config.getoption("manylinux_config_setting")]
    ini_key = f"manylinux_config_settings {ini}"
    settings = cli_settings or [(str(v), ini_key) for v in config.getini("manylinux_config_settings")]
    for value, source in settings:
        key, sep, _ = value.partition("=")
        if not sep or not key.strip():
            raise pytest.UsageError(f"{source} {value!r}: give KEY=VALUE, as python -m build -C KEY=VALUE")
    installer = config.getoption("manylinux_build_installer") or str(config.getini("manylinux_build_installer"))
    if installer not in INSTALLER_CHOICES:
        msg = f"manylinux_build_installer {ini} must be one of {', '.join(INSTALLER_CHOICES)}, not {installer!r}"
        raise pytest.UsageError(msg)
    import shutil  # noqa: PLC0415 - only with build options

    if installer == "uv" and shutil.which("uv") is None:
        msg = "the build installer is uv, but uv is not on PATH: install it (pip install uv) or choose auto or pip"
        raise pytest.UsageError(msg)
    timeout = _build_timeout(config, ini)
    if project is None and isolation and not settings and timeout is None and installer == "auto":
        return None
    from ._locate import BuildRequest  # noqa: PLC0415 - only when the build is configured

    request = BuildRequest(
        project=project or config.rootpath,
        isolation=bool(isolation),
        config_settings=tuple(value for value, _ in settings),
        installer=installer,
    )
    return request if timeout is None else dataclasses.replace(request, timeout=timeout[0], timeout_source=timeout[1])


def _project(config: pytest.Config, here: Path, ini_dir: Path, ini: str) -> Path | None:
    """The project to build: relative to where pytest was run, or to the ini file; None: the rootdir."""
    value = config.getoption("manylinux_project")
    raw = str(config.getini("manylinux_project") or "").strip()
    if value:
        source, path = "--manylinux-project", here / Path(str(value)).expanduser()
    elif raw:
        source, path = f"manylinux_project {ini}", ini_dir / Path(os.path.expandvars(raw)).expanduser()
    else:
        return None
    path = Path(os.path.normpath(path))
    if not path.is_dir():
        raise pytest.UsageError(f"{source}: {path} is not a directory")
    if not (path / "pyproject.toml").is_file() and not (path / "setup.py").is_file():
        raise pytest.UsageError(f"{source}: {path} has no pyproject.toml or setup.py to build a wheel from")
    return path


def _build_timeout(config: pytest.Config, ini: str) -> tuple[float, str] | None:
    """Seconds a build may take, and the option that set them (named when a build runs out of time)."""
    value = config.getoption("manylinux_build_timeout")
    raw = str(config.getini("manylinux_build_timeout") or "").strip()
    if value is None and not raw:
        return None
    source = "--manylinux-build-timeout" if value is not None else f"manylinux_build_timeout {ini}"
    text = str(value) if value is not None else raw
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise pytest.UsageError(f"{source}: {text!r} is not a number of seconds above 0")
    return seconds, source


def _refuse_sdists(specs: list[WheelSpec]) -> None:
    """An sdist given as the wheel is a usage error now, in one line, whatever else the run does."""
    if not specs:
        return
    from ._locate import is_sdist, sdist_message  # noqa: PLC0415 - only when wheels are given

    for spec in specs:
        path = spec.base / Path(spec.text).expanduser()
        if not spec.text.startswith("installed:") and is_sdist(path):
            raise pytest.UsageError(f"{spec}: {sdist_message(path)}")


def _check_inflater() -> None:
    """A typo in PYTEST_MANYLINUX_INFLATER is a usage error at start-up; unset costs nothing (no isal import)."""
    from ._wheel import INFLATER_ENV, InflaterError, inflater  # noqa: PLC0415

    if os.environ.get(INFLATER_ENV, "").strip():
        try:
            inflater()
        except InflaterError as e:
            raise pytest.UsageError(str(e)) from None


def split_policies(values: Iterable[str]) -> tuple[str, ...]:
    """Repeated and comma-separated policy names as one list, in order, without repeats (issue 15)."""
    names = (name.strip() for value in values for name in str(value).split(","))
    return tuple(dict.fromkeys(name for name in names if name))


def _allowlist(config: pytest.Config, section: str) -> dict[str, str]:
    """The ini file's entries with the command line's on top (the same key: the command line's reason)."""
    key, _, flag, sep = ALLOWLISTS[section]
    from_ini = parse_allowlist(config.getini(key), key, sep=sep)
    option = flag.lstrip("-").replace("-", "_")
    return {**from_ini, **parse_allowlist(config.getoption(option) or (), flag, sep=sep)}


def is_wheels(spec: WheelSpec) -> bool:
    """Whether a baseline spec names wheels of an earlier release rather than a baseline file."""
    path = spec.base / Path(spec.text).expanduser()
    return path.is_dir() or spec.text.endswith(".whl") or any(c in spec.text for c in "*?[")


def _baseline(config: pytest.Config, here: Path, ini_dir: Path, ini: str) -> WheelSpec | None:
    """The baseline spec; a file must exist unless it is being recorded, and then be writable."""
    update = bool(config.getoption("manylinux_update_baseline"))
    value = config.getoption("manylinux_baseline")
    raw = str(config.getini("manylinux_baseline")).strip()
    if value:
        spec = WheelSpec(str(value), here, "--manylinux-baseline")
    elif raw:
        spec = WheelSpec(os.path.expandvars(raw), ini_dir, f"manylinux_baseline {ini}")
    else:
        return None  # with --manylinux-update-baseline alone, markers' baseline= files are recorded
    path = spec.base / Path(spec.text).expanduser()
    if is_wheels(spec):
        if update:
            msg = f"--manylinux-update-baseline writes a baseline file; {spec} names wheels (give a .json path)"
            raise pytest.UsageError(msg)
        return spec
    if update:
        _report_path(config, "manylinux_baseline", here, ini_dir, append=False)  # writable, not a directory
    elif not path.is_file():
        raise pytest.UsageError(f"{spec}: no such file (record one with --manylinux-update-baseline)")
    else:
        from ._baseline import BaselineError, read_baseline  # noqa: PLC0415 - only when a baseline is configured

        try:
            read_baseline(path)  # a broken file is a usage error now, not one failure per wheel later
        except BaselineError as e:
            raise pytest.UsageError(str(e)) from None
    return spec


def _size_ratio(config: pytest.Config, ini: str) -> float | None:
    value = config.getoption("manylinux_baseline_size_ratio")
    source = "--manylinux-baseline-size-ratio" if value else f"manylinux_baseline_size_ratio {ini}"
    text = str(value or config.getini("manylinux_baseline_size_ratio") or "").strip()
    if not text:
        return None
    from ._baseline import parse_size_ratio  # noqa: PLC0415 - only when a ratio is set

    try:
        return parse_size_ratio(text)
    except ValueError as e:
        raise pytest.UsageError(f"{source}: {e}") from None


def _report_path(config: pytest.Config, name: str, here: Path, ini_dir: Path, *, append: bool) -> Path | None:
    """A report path, checked now so a bad one cannot lose the run's report at the end."""
    value = config.getoption(name)
    option = f"--{name.replace('_', '-')}"
    if value:
        if str(value).endswith(("/", os.sep)):
            raise pytest.UsageError(f"{option}: {value} names a directory; give a file path")
        path = here / Path(str(value)).expanduser()
    elif raw := str(config.getini(name)).strip():
        option, path = f"{name} in the config file", ini_dir / Path(os.path.expandvars(raw)).expanduser()
    else:
        return None
    if path.is_dir():
        raise pytest.UsageError(f"{option}: {path} is a directory; give a file path")
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent  # the directories that do not exist yet are created at the end
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise pytest.UsageError(f"{option}: cannot write to {path.parent} (not a writable directory)")
    if path.exists() and not os.access(path, os.W_OK):
        raise pytest.UsageError(f"{option}: {path} is not writable")
    if append and path.exists() and not path.is_file():
        raise pytest.UsageError(f"{option}: {path} is not a regular file to append to")
    return path


def _limits(config: pytest.Config) -> dict[str, int]:
    """The input limits set in the config file, as ``Limits`` keywords."""
    from ._wheel import LIMIT_OPTIONS  # noqa: PLC0415 - the zip reader loads only when needed

    out: dict[str, int] = {}
    for option in LIMIT_OPTIONS:
        value = str(config.getini(option.ini) or "").strip()
        source = option.ini
        if option.field == "max_wheel_bytes" and config.getoption("manylinux_max_wheel_size"):
            value, source = str(config.getoption("manylinux_max_wheel_size")).strip(), "--manylinux-max-wheel-size"
        if value:
            try:
                out[option.field] = option.parse(value)
            except ValueError as e:
                raise pytest.UsageError(f"{source}: {e}") from e
    return out


def parse_allowlist(lines: Iterable[object], source: str, *, sep: str = ":") -> dict[str, str]:
    """Parse 'NAME: reason' lines; a line without a reason is a usage error.

    Check allowlists split at the first ``": "``, since their names may hold a
    colon themselves (``record:pkg/data.bin: reason``).
    """
    from ._config import ConfigError, parse_entries  # noqa: PLC0415 - one parser for the CLI and the plugin

    try:
        return parse_entries(lines, source, sep=sep)
    except ConfigError as e:
        raise pytest.UsageError(str(e)) from None
