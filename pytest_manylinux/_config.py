"""The ``manylinux_*`` keys of pyproject.toml's ``[tool.pytest.ini_options]``, for the CLI.

One source of settings for both entry points (issue 15): the pytest plugin
reads these keys through pytest's own ini machinery; the CLI reads the very
same table here, so ``audit-command`` and the pytest gate judge alike. The
file is found as pytest finds its rootdir config: the first pyproject.toml
from the working directory upward that has ``[tool.pytest.ini_options]``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ._errors import ManylinuxError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "ALLOWLISTS",
    "ConfigError",
    "ProjectConfig",
    "find_config",
    "load_toml",
    "parse_entries",
    "read_config",
    "render_unused",
]

PREFIX = "manylinux_"

#: Allowances section -> (ini key, CLI flag, pytest flag, separator of name and reason).
#: Check entries split at the first ": " since their names hold a colon (``rpath:pkg/*.so``).
ALLOWLISTS: dict[str, tuple[str, str, str, str]] = {
    "libraries": ("manylinux_allow_libraries", "--allow-library", "--manylinux-allow-library", ":"),
    "symbols": ("manylinux_allow_symbols", "--allow-symbol", "--manylinux-allow-symbol", ":"),
    "checks": ("manylinux_allow_checks", "--allow-check", "--manylinux-allow-check", ": "),
}


class ConfigError(ManylinuxError):
    """A config file that cannot be read or holds a value of the wrong type; one line naming the file."""


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    """The ``manylinux_*`` keys of one file, and the directory its relative paths are relative to."""

    path: Path | None = None
    values: Mapping[str, str | list[str]] = field(default_factory=dict)

    @property
    def base(self) -> Path:
        return self.path.parent if self.path is not None else Path.cwd()

    def text(self, key: str) -> str | None:
        """A single-value key, stripped; None when absent or empty."""
        value = self.values.get(key)
        if value is None:
            return None
        if isinstance(value, list):
            raise ConfigError(f"{self.path}: {key} must be a string, not a list")
        return value.strip() or None

    def lines(self, key: str) -> list[str]:
        """A ``linelist`` key as pytest reads it: a list, or a string split at newlines."""
        value = self.values.get(key)
        if value is None:
            return []
        items = value if isinstance(value, list) else value.splitlines()
        return [line.strip() for line in items if line.strip()]


def find_config(start: Path) -> Path | None:
    """The first pyproject.toml from ``start`` upward with ``[tool.pytest.ini_options]``."""
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file() and _table(load_toml(candidate), candidate) is not None:
            return candidate
    return None


def read_config(path: Path) -> ProjectConfig:
    """The ``manylinux_*`` keys of ``path``'s ``[tool.pytest.ini_options]`` (none when it has no such table)."""
    table = _table(load_toml(path), path) or {}
    values: dict[str, str | list[str]] = {}
    for key, value in table.items():
        if not key.startswith(PREFIX):
            continue
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            values[key] = [str(v) for v in value]
        elif isinstance(value, bool):
            values[key] = "true" if value else "false"  # a TOML boolean, as pytest's bool ini type reads it
        elif isinstance(value, (str, int, float)):
            values[key] = str(value)
        else:
            raise ConfigError(f"{path}: {key} must be a string or a list of strings, not {value!r}")
    return ProjectConfig(path.resolve(), values)


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


def _table(data: Mapping[str, object], path: Path) -> Mapping[str, object] | None:
    tool = data.get("tool")
    pytest_table = tool.get("pytest") if isinstance(tool, dict) else None
    options = pytest_table.get("ini_options") if isinstance(pytest_table, dict) else None
    if options is None:
        return None
    if not isinstance(options, dict):
        raise ConfigError(f"{path}: [tool.pytest.ini_options] must be a table")
    return options


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
