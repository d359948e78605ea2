"""What the ``manylinux_audit`` fixture hands a test: the audit plus assertion helpers.

``max_version("GLIBC") <= "2.17"`` must never pass on a typo: versions are
parsed strictly (``ValueError`` for ``"2,17"``, ``"abc"`` or ``""``), ``==``
compares versions, and other types get ``NotImplemented`` so Python raises
its usual ``TypeError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from ._policy import version_key

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ._model import Audit

__all__ = ["AuditView", "SymbolVersion", "explain"]

_VERSION = re.compile(r"^\d{1,9}(?:\.\d{1,9}){0,5}$")


@dataclass(frozen=True, eq=False)
class SymbolVersion:
    """The highest version a wheel needs under one prefix; compares with ``"2.17"`` or ``"GLIBC_2.17"``."""

    prefix: str
    version: str | None
    needed: Mapping[str, tuple[str, ...]]

    def _parse(self, other: str) -> tuple[tuple[int, int | str], ...]:
        text = other.removeprefix(f"{self.prefix}_")
        if not _VERSION.match(text):
            msg = f"not a {self.prefix} version: {other!r} (write it as '2.17' or '{self.prefix}_2.17')"
            raise ValueError(msg)
        return version_key(f"{self.prefix}_{text}")

    def _pair(self, other: object) -> tuple[tuple[object, ...], tuple[object, ...]] | None:
        if isinstance(other, SymbolVersion):
            if other.prefix != self.prefix:
                return None
            theirs: tuple[object, ...] = version_key(other.version) if other.version else ()
        elif isinstance(other, str):
            theirs = self._parse(other)
        else:
            return None
        return (version_key(self.version) if self.version else ()), theirs

    def __eq__(self, other: object) -> bool:
        pair = self._pair(other)
        return NotImplemented if pair is None else pair[0] == pair[1]

    def __hash__(self) -> int:
        return hash((self.prefix, self.version))

    def __lt__(self, other: object) -> bool:
        pair = self._pair(other)
        return NotImplemented if pair is None else pair[0] < pair[1]

    def __le__(self, other: object) -> bool:
        pair = self._pair(other)
        return NotImplemented if pair is None else pair[0] <= pair[1]

    def __gt__(self, other: object) -> bool:
        pair = self._pair(other)
        return NotImplemented if pair is None else pair[0] > pair[1]

    def __ge__(self, other: object) -> bool:
        pair = self._pair(other)
        return NotImplemented if pair is None else pair[0] >= pair[1]

    def __str__(self) -> str:
        return self.version or f"(no {self.prefix} versions)"


@dataclass(frozen=True)
class AuditView:
    """The audit of the wheel under test, with helpers that explain themselves on failure."""

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

    @property
    def abi3_minimum(self) -> tuple[int, int] | None:
        """For an abi3 wheel, the oldest CPython whose Stable ABI has every ``Py*`` import, e.g. ``(3, 10)``.

        Compare it with a tuple: ``assert manylinux_audit.abi3_minimum <= (3, 9)``. None when
        the wheel is not abi3 (PEP 384) or abi3t (PEP 803).
        """
        return self.audit.abi3_minimum

    def max_version(self, prefix: str) -> SymbolVersion:
        """The highest ``prefix`` version needed, e.g. ``max_version("GLIBC") <= "2.17"``."""
        needed = self.audit.facts.versions_needed(prefix)
        return SymbolVersion(prefix, max(needed, key=version_key, default=None), needed)

    def symbols_needing(self, version: str) -> tuple[str, ...]:
        """The undefined symbols bound to ``version`` in any ELF file, sorted."""
        return self.audit.facts.symbols_needing(version)


def explain(op: str, left: object, right: object) -> list[str] | None:
    """pytest's assertion explanation for ``max_version(...) <= "2.17"``: the symbols to blame."""
    if not isinstance(left, SymbolVersion) or not isinstance(right, str):
        return None
    try:
        limit_key = left._parse(right)  # noqa: SLF001 - same module's helper
    except ValueError:
        return None
    limit = f"{left.prefix}_{right.removeprefix(f'{left.prefix}_')}"
    over = sorted((v for v in left.needed if version_key(v) > limit_key), key=version_key)
    lines = [
        f"the wheel needs {left} {op} {right} is false",
        f"{left.prefix} versions above {limit}, and what needs them:",
    ]
    lines.extend(f"  {v}: {', '.join(left.needed[v]) or '(no symbol names)'}" for v in over)
    return lines
