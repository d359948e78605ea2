"""The ``manylinux_*`` settings: one table for both entry points, and the config file pytest would read.

One implementation (issues 15, 19, 22): the plugin registers its ini keys from
:func:`settings`, and the CLI reads the same keys from the file pytest would
choose for the same directory and arguments, typed as ``config.getini``
types them, so ``pytest-manylinux`` and the gate cannot judge one project
differently. The search and the loaders follow pytest 9's
``_pytest/config/findpaths.py`` (``determine_setup``, ``locate_config``,
``CONFIG_LOADERS_BY_NAME``); ini files are read with iniconfig, pytest's own
parser (a dependency of pytest). A ``manylinux_*`` key that no setting has is
an error for both entry points: a misspelt allowlist would allow nothing
without a word.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ._errors import ManylinuxError, one_line

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

__all__ = [
    "ALLOWLISTS",
    "ConfigError",
    "ProjectConfig",
    "Setting",
    "find_config",
    "load_config",
    "load_toml",
    "parse_entries",
    "read_config",
    "refuse_unknown",
    "render_unused",
    "settings",
]

PREFIX = "manylinux_"

POLICY_HELP = (
    "policy to hold wheels to: a name or alias (manylinux2014, manylinux_2_28, musllinux_1_2), "
    "or 'auto' for the tags each wheel declares; repeat it or separate names with commas to hold each wheel "
    "to the policy of its libc and arch. With wheels given, turns on the release gate."
)
WHEEL_HELP = (
    "wheel(s) to audit: a path, glob or directory of wheels (repeatable), or installed:NAME for an "
    "installed distribution. Default: this project's wheel in dist/ that this Python can install, "
    "else one built with pypa/build."
)
BUILD_HELP = "build the wheel with pypa/build: auto (when none is found), always, or never"
PROJECT_HELP = "the project whose wheel is taken from its dist/ or built (a monorepo's package); default: rootdir"
NO_ISOLATION_HELP = "build without pypa/build's isolated environment: the build requirements must be installed"
CONFIG_SETTING_HELP = "a KEY=VALUE config setting for the build backend, as python -m build -C (repeatable)"
BUILD_TIMEOUT_HELP = "seconds a build may take before it is killed and the tests using it fail (default 1800)"
INSTALLER_HELP = "what installs the isolated build's requirements: auto (uv when it is on PATH, else pip), pip, or uv"
POLICY_FILE_HELP = "policy JSON in auditwheel's format, replacing the family it defines"
JSON_HELP = "write every audited wheel and check as one JSON document to this path"
MARKDOWN_HELP = "append a Markdown summary table to this path (e.g. $GITHUB_STEP_SUMMARY)"
BASELINE_HELP = (
    "compare each gated wheel with its family's entry in this baseline file (JSON), or with the wheels of an "
    "earlier release (a wheel, glob or directory of wheels); a wheel that needs more fails its ::baseline item"
)
SIZE_RATIO_HELP = "a wheel larger than this factor times its baseline size is a regression (default 1.5; 0: off)"
ALLOW_LIBRARIES_HELP = "libraries to accept, one per line as 'libfoo.so.1: reason' or a glob, 'libcuda.so.*: reason'"
ALLOW_CHECKS_HELP = (
    "checks to accept, one per line as 'CHECK: reason' (e.g. 'archive: ...') or "
    "'CHECK:GLOB: reason', GLOB matching the subject or the ELF file (e.g. 'rpath:pkg/*.so: ...')"
)
STRICT_ALLOWLIST_HELP = "fail the run when an allowlist entry of the config file or command line accepted nothing"
ALLOW_SYMBOLS_HELP = "symbol versions to accept, one per line as 'memcpy@GLIBC_2.14: reason' or 'GLIBC_2.14: reason'"

#: Allowances section -> (ini key, CLI flag, pytest flag, separator of name and reason).
#: Check entries split at the first ": " since their names hold a colon (``rpath:pkg/*.so``).
ALLOWLISTS: dict[str, tuple[str, str, str, str]] = {
    "libraries": ("manylinux_allow_libraries", "--allow-library", "--manylinux-allow-library", ":"),
    "symbols": ("manylinux_allow_symbols", "--allow-symbol", "--manylinux-allow-symbol", ":"),
    "checks": ("manylinux_allow_checks", "--allow-check", "--manylinux-allow-check", ": "),
}

#: The ``config.getini`` types our keys use (``Parser.addini``'s ``type``).
Kind = Literal["string", "linelist", "bool"]
#: What ``config.getini`` returns for them.
Value = str | bool | list[str]


@dataclass(frozen=True, slots=True)
class Setting:
    """One ``manylinux_*`` config key: the plugin registers it from here, the CLI reads it from here."""

    key: str
    help: str
    kind: Kind = "string"
    default: str | bool | None = None  # None: pytest's default for the kind ("", [], False)
    cli: bool = False  # the CLI reads it too; the others mean something only inside pytest

    @property
    def empty(self) -> Value:
        """``config.getini``'s value when the file does not set the key."""
        if self.default is not None:
            return self.default
        if self.kind == "linelist":
            return []
        return False if self.kind == "bool" else ""

    def check(self, value: object, source: str) -> Value:
        """``value`` as ``config.getini`` gave it, refused unless it has the kind's type.

        pytest hands a ``string`` key of ``[tool.pytest.ini_options]`` a TOML
        list as it is (with a deprecation warning), and a ``linelist`` a list of
        numbers; both entry points refuse them here, in one line.
        """
        if self.kind == "bool" and isinstance(value, bool):
            return value
        if self.kind == "string" and isinstance(value, str):
            return value
        if self.kind == "linelist" and isinstance(value, list) and all(isinstance(v, str) for v in value):
            return [str(v) for v in value]
        want = {"string": "a string", "linelist": "a list of strings", "bool": "true or false"}[self.kind]
        raise ConfigError(one_line(f"{source} must be {want}, not {value!r}"))


@functools.cache
def settings() -> dict[str, Setting]:
    """Every ``manylinux_*`` key and its setting, in ``pytest --help`` order.

    Built on first use: the limits come from ``_wheel``, which the plugin
    must not import at start-up.
    """
    from ._wheel import LIMIT_OPTIONS  # noqa: PLC0415 - one table for the limits' flags and keys

    table = (
        Setting("manylinux_policy", POLICY_HELP, cli=True),
        Setting("manylinux_wheel", WHEEL_HELP, "linelist"),
        Setting("manylinux_build", BUILD_HELP, default="auto"),
        Setting("manylinux_project", PROJECT_HELP),
        Setting("manylinux_no_isolation", NO_ISOLATION_HELP, "bool", default=False),
        Setting("manylinux_config_settings", CONFIG_SETTING_HELP, "linelist"),
        Setting("manylinux_build_timeout", BUILD_TIMEOUT_HELP),
        Setting("manylinux_build_installer", INSTALLER_HELP, default="auto"),
        Setting("manylinux_policy_file", POLICY_FILE_HELP, "linelist", cli=True),
        Setting("manylinux_json", JSON_HELP),
        Setting("manylinux_markdown", MARKDOWN_HELP),
        Setting("manylinux_baseline", BASELINE_HELP, cli=True),
        Setting("manylinux_baseline_size_ratio", SIZE_RATIO_HELP, cli=True),
        *(Setting(option.ini, option.help, cli=True) for option in LIMIT_OPTIONS),
        Setting("manylinux_allow_libraries", ALLOW_LIBRARIES_HELP, "linelist", cli=True),
        Setting("manylinux_allow_symbols", ALLOW_SYMBOLS_HELP, "linelist", cli=True),
        Setting("manylinux_allow_checks", ALLOW_CHECKS_HELP, "linelist", cli=True),
        Setting("manylinux_strict_allowlist", STRICT_ALLOWLIST_HELP, "bool", default=False, cli=True),
    )
    return {setting.key: setting for setting in table}


class ConfigError(ManylinuxError):
    """A config file that cannot be read or holds a value of the wrong type; one line naming the file."""


@dataclass(frozen=True, slots=True)
class Raw:
    """A value as a config file holds it, and how pytest reads it.

    ``toml``: a native TOML table (``[pytest]`` of pytest.toml, ``[tool.pytest]``),
    whose values keep their types; else ini-style, strings (or lists of them).
    """

    value: object
    toml: bool = False


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    """The ``manylinux_*`` keys of one config file, and the directory its relative paths are relative to."""

    path: Path | None = None
    values: Mapping[str, Raw] = field(default_factory=dict)

    @property
    def base(self) -> Path:
        return self.path.parent if self.path is not None else Path.cwd()

    def get(self, key: str) -> Value:
        """The value ``config.getini(key)`` gives in pytest, checked as the plugin checks it."""
        setting = settings()[key]
        raw = self.values.get(key)
        if raw is None:
            return setting.empty
        name = self.path.name if self.path is not None else "the config file"
        return setting.check(_getini(setting, raw, self.path), f"{key} in {name}")

    def text(self, key: str) -> str | None:
        """A string key, stripped; None when absent or empty."""
        return str(self.get(key)).strip() or None

    def lines(self, key: str) -> list[str]:
        """A ``linelist`` key."""
        value = self.get(key)
        return value if isinstance(value, list) else []

    def flag(self, key: str) -> bool:
        """A ``bool`` key."""
        return self.get(key) is True


def _getini(setting: Setting, raw: Raw, path: Path | None) -> object:
    """The value pytest's ``Config._getini_ini`` / ``_getini_toml`` make of ``raw`` for the setting's kind."""
    value, key = raw.value, setting.key
    if raw.toml:  # no coercion: the TOML type must be the kind's
        ok = {"string": str, "bool": bool, "linelist": list}[setting.kind]
        if not isinstance(value, ok):
            msg = f"{path}: config option '{key}' expects a {setting.kind}, got {type(value).__name__}: {value!r}"
            raise ConfigError(one_line(msg))
        return value
    if setting.kind == "linelist":
        if isinstance(value, str):
            return [stripped for line in value.split("\n") if (stripped := line.strip())]
        return value
    if setting.kind == "bool":
        # pytest's _strtobool (distutils.util.strtobool's words)
        text = str(value).strip().lower()
        if text in {"y", "yes", "t", "true", "on", "1"}:
            return True
        if text in {"n", "no", "f", "false", "off", "0"}:
            return False
        raise ConfigError(one_line(f"{key} in {path}: invalid truth value {text!r} (true or false)"))
    return value


# -- the config file pytest reads (pytest 9, _pytest/config/findpaths.py) -----------------------


def _ini_sections(path: Path) -> dict[str, dict[str, Raw]]:
    """An ini file's sections, as pytest's own parser (iniconfig) reads them."""
    import iniconfig  # noqa: PLC0415 - pytest's ini parser, only when an ini file is read

    try:
        parsed = iniconfig.IniConfig(str(path))
    except iniconfig.ParseError as e:
        raise ConfigError(one_line(f"{path}:{e.lineno + 1}: {e.msg}")) from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from None
    return {name: {key: Raw(value) for key, value in parsed[name].items()} for name in parsed.sections}


def _pytest_ini(path: Path) -> dict[str, Raw] | None:
    """pytest.ini, .pytest.ini: the config file even without a [pytest] section."""
    return _ini_sections(path).get("pytest", {})


def _tox_ini(path: Path) -> dict[str, Raw] | None:
    """tox.ini and any other .ini: only with a [pytest] section."""
    return _ini_sections(path).get("pytest")


def _setup_cfg(path: Path) -> dict[str, Raw] | None:
    """setup.cfg and any .cfg: only with [tool:pytest]; a plain [pytest] section is pytest's error."""
    sections = _ini_sections(path)
    if "tool:pytest" not in sections and "pytest" in sections:
        msg = f"{path}: [pytest] section in setup.cfg files is no longer supported, change to [tool:pytest] instead"
        raise ConfigError(msg)
    return sections.get("tool:pytest")


def _pytest_table(path: Path, document: Mapping[str, object]) -> dict[str, Raw] | None:
    """The native ``[pytest]`` table of a TOML file; options outside any table are pytest's error."""
    table = document.get("pytest")
    if table is not None:
        return {key: Raw(value, toml=True) for key, value in _mapping(table, path, "[pytest]").items()}
    top = [key for key, value in document.items() if not isinstance(value, dict)]
    if top:
        msg = f"{path}: pytest configuration must be under a [pytest] table (found top-level options: {', '.join(top)})"
        raise ConfigError(one_line(msg))
    return None


def _tool_pytest(path: Path, document: Mapping[str, object]) -> dict[str, Raw] | None:
    """``[tool.pytest]`` (native TOML) or ``[tool.pytest.ini_options]`` (ini-style); both is pytest's error."""
    tool = _mapping(document.get("tool", {}), path, "[tool]")
    pytest_table = _mapping(tool.get("pytest", {}), path, "[tool.pytest]")
    native = {key: value for key, value in pytest_table.items() if key != "ini_options"}
    options = pytest_table.get("ini_options")
    if native and options is not None:
        msg = f"{path}: cannot use both [tool.pytest] and [tool.pytest.ini_options]: use one (as pytest says)"
        raise ConfigError(msg)
    if native:
        return {key: Raw(value, toml=True) for key, value in native.items()}
    if options is None:
        return None
    # Ini-style: scalars become strings, lists stay lists (pytest's make_scalar).
    items = _mapping(options, path, "[tool.pytest.ini_options]").items()
    return {key: Raw(value if isinstance(value, list) else str(value)) for key, value in items}


def _mapping(value: object, path: Path, table: str) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: {table} must be a table")
    return value


def _pytest_toml(path: Path) -> dict[str, Raw] | None:
    """pytest.toml, .pytest.toml: ``[pytest]``, the config file even when empty."""
    return _pytest_table(path, load_toml(path)) or {}


def _pyproject(path: Path) -> dict[str, Raw] | None:
    return _tool_pytest(path, load_toml(path))


def _custom_toml(path: Path) -> dict[str, Raw] | None:
    """Another .toml given with -c: ``[pytest]``, or pyproject.toml's tables, not both."""
    document = load_toml(path)
    found = _tool_pytest(path, document)
    if found is None:
        return _pytest_table(path, document)
    if "pytest" in document:
        raise ConfigError(f"{path}: cannot use both [pytest] and [tool.pytest] in one file: use [pytest]")
    return found


#: The files pytest finds by name, in its order of precedence within one directory.
_BY_NAME: dict[str, Callable[[Path], dict[str, Raw] | None]] = {
    "pytest.toml": _pytest_toml,
    ".pytest.toml": _pytest_toml,
    "pytest.ini": _pytest_ini,
    ".pytest.ini": _pytest_ini,
    "pyproject.toml": _pyproject,
    "tox.ini": _tox_ini,
    "setup.cfg": _setup_cfg,
}
#: Any other name given with ``-c`` / ``--config``: read by its suffix.
_BY_SUFFIX: dict[str, Callable[[Path], dict[str, Raw] | None]] = {
    ".ini": _tox_ini,
    ".cfg": _setup_cfg,
    ".toml": _custom_toml,
}


def load_config(path: Path) -> dict[str, Raw] | None:
    """A file's pytest settings, read by its name, else its suffix; None when it holds none for pytest."""
    loader = _BY_NAME.get(path.name) or _BY_SUFFIX.get(path.suffix)
    if loader is None:
        return None
    return loader(path)


def read_config(path: Path) -> ProjectConfig:
    """The file given as ``--config`` (pytest's ``-c``): any of the kinds pytest reads, by name or suffix.

    A path that is no regular file (``/dev/null``) holds no settings, as for pytest.
    """
    path = _absolute(path)
    if path.is_dir():
        raise ConfigError(f"{path}: is a directory; give a config file")
    if path.name not in _BY_NAME and path.suffix not in _BY_SUFFIX and path.is_file():
        raise ConfigError(f"{path}: pytest reads no config from this kind of file: give a .toml, .ini or .cfg file")
    values = (load_config(path) or {}) if path.is_file() else {}
    return _project(path, values)


def find_config(invocation_dir: Path, args: Sequence[str]) -> ProjectConfig:
    """The config file pytest would read when run in ``invocation_dir`` with ``args`` (pytest's determine_setup).

    From the common ancestor of the arguments that exist (else the invocation
    directory) upward, the first directory with a file that holds pytest
    settings, by ``_BY_NAME``'s precedence; a pyproject.toml without them
    counts only when nothing else is found. No file upward, and no setup.py:
    each argument's own directory is searched the same way.
    """
    dirs = _dirs(args)
    ancestor = _common_ancestor(invocation_dir, dirs)
    found = _locate([ancestor])
    if found is None and not any((d / "setup.py").is_file() for d in (ancestor, *ancestor.parents)):
        found = _locate(dirs) if dirs != [ancestor] else None
    return _project(*found) if found is not None else ProjectConfig()


def _absolute(path: str | Path) -> Path:
    """pytest's absolutepath: os.path.abspath, which neither resolves symlinks nor keeps '..' (pytest #6523)."""
    return Path(os.path.abspath(path))  # noqa: PTH100 - what pytest compares, not Path.resolve()


def _dirs(args: Sequence[str]) -> list[Path]:
    """pytest's get_dirs_from_args: each argument that exists (node ids cut at '::'), as a directory."""
    out = []
    for arg in args:
        if arg.startswith("-"):
            continue
        path = _absolute(arg.partition("::")[0])
        try:
            exists = path.exists()
        except (OSError, ValueError):
            exists = False
        if exists:
            out.append(path if path.is_dir() else path.parent)
    return out


def _common_ancestor(invocation_dir: Path, paths: Iterable[Path]) -> Path:
    """pytest's get_common_ancestor."""
    common: Path | None = None
    for path in paths:
        if not path.exists():
            continue
        if common is None or path in common.parents:
            common = path
        elif not (common in path.parents or path == common):
            with contextlib.suppress(ValueError):  # no common part (another drive)
                common = Path(os.path.commonpath((str(path), str(common))))
    if common is None:
        return invocation_dir
    return common.parent if common.is_file() else common


def _locate(starts: Iterable[Path]) -> tuple[Path, dict[str, Raw]] | None:
    """pytest's locate_config: the nearest directory's first file holding settings; else the first pyproject.toml."""
    first_pyproject: Path | None = None
    for start in starts:
        for base in (start, *start.parents):
            for name, loader in _BY_NAME.items():
                path = base / name
                if not path.is_file():
                    continue
                if name == "pyproject.toml" and first_pyproject is None:
                    first_pyproject = path
                values = loader(path)
                if values is not None:
                    return path, values
    return (first_pyproject, {}) if first_pyproject is not None else None


def _project(path: Path, values: Mapping[str, Raw]) -> ProjectConfig:
    """The file's ``manylinux_*`` keys; one that no setting has is an error."""
    refuse_unknown(values, str(path))
    return ProjectConfig(path, {key: raw for key, raw in values.items() if key in settings()})


def refuse_unknown(keys: Iterable[str], where: str, *, known: Callable[[str], bool] | None = None) -> None:
    """A ``manylinux_*`` key that no setting has: one line with the nearest key (fail closed on a typo)."""
    table = settings()
    for key in sorted(k for k in keys if k.startswith(PREFIX) and not (known or table.__contains__)(k)):
        close = difflib.get_close_matches(key, table, n=1)
        hint = f"did you mean {close[0]}?" if close else "the README's Reference lists the keys"
        raise ConfigError(one_line(f"{where}: unknown key {key!r} ({hint}); pytest-manylinux takes no such setting"))


def load_toml(path: Path) -> dict[str, object]:
    """A TOML file as data; one-line :class:`ConfigError` when unreadable or invalid.

    The parser is imported here, not at module import: the plugin imports this
    module at every pytest start-up and reads TOML only when the CLI asks.
    """
    if sys.version_info >= (3, 11):
        import tomllib  # noqa: PLC0415
    else:  # Python 3.10: the standard backport, an environment-marked dependency (tests force this branch)
        import tomli as tomllib  # noqa: PLC0415

    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None


def parse_entries(lines: Iterable[object], source: str, *, sep: str = ":") -> dict[str, str]:
    """Parse 'NAME: reason' lines; a line without a reason is a :class:`ConfigError`.

    Every allowance carries its reason: it is what the report shows when the
    entry accepts a violation.
    """
    out: dict[str, str] = {}
    for line in lines:
        if not isinstance(line, str):
            msg = f"{source}: {line!r} is not a 'NAME: reason' string"
            raise ConfigError(msg)
        name, found, reason = line.partition(sep)
        if not found or not name.strip() or not reason.strip():
            msg = f"{source}: {line!r} needs a reason, as 'NAME: why it is acceptable'"
            raise ConfigError(msg)
        out[name.strip()] = reason.strip()
    return out


def render_unused(unused: Mapping[str, str], *, strict: bool) -> list[str]:
    """One line per allowlist entry that accepted nothing: stale entries hide the next real failure."""
    what = "error" if strict else "warning"
    lines = []
    for entry, reason in sorted(unused.items()):
        section, _, key = entry.partition(":")
        ini = ALLOWLISTS[section][0] if section in ALLOWLISTS else section
        lines.append(f"{what}: unused allowlist entry {ini} {key!r} ({reason}): it matched nothing in this run")
    return lines
