"""Release-gate mode: a wheel is a ``pytest.File``; each ELF file x check is an item.

Item ids read ``dist/foo.whl::pkg/_core.so::symbol-versions``, so ``-k``,
``--lf`` and junit XML work as for any test. A failing item reports the diff of
its one check; a check whose violations are all allowlisted is an xfail whose
reason is the allowlist's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from ._errors import ManylinuxError
from ._model import FILE_CHECKS, Check
from ._render import render_check

if TYPE_CHECKING:
    from collections.abc import Iterator

    from _pytest._code.code import ExceptionInfo, TerminalRepr

    from ._model import Audit, Violation

__all__ = ["CheckFailedError", "WheelFile"]


class CheckFailedError(Exception):
    """Raised by an item whose check found violations; its text is the diff."""


def _format(excinfo: ExceptionInfo[BaseException], fallback: Any) -> str | TerminalRepr:  # noqa: ANN401 - pytest's own return type
    if isinstance(excinfo.value, (CheckFailedError, ManylinuxError)):
        return str(excinfo.value)
    return fallback(excinfo)  # type: ignore[no-any-return]


class WheelFile(pytest.File):
    """One wheel in the gate; audits once, then yields its items."""

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        from .plugin import gate_audit  # noqa: PLC0415 - plugin imports this module lazily

        try:
            audit = gate_audit(self.config, self.path)
        except ManylinuxError as e:
            yield ErrorItem.from_parent(self, name="audit", message=str(e))
            return
        yield TagsItem.from_parent(self, name="tags", audit=audit)
        for elf in audit.facts.elves:
            yield ElfNode.from_parent(self, name=elf.path, audit=audit)


class ElfNode(pytest.Collector):
    """One ELF file of a wheel; its children are the checks."""

    def __init__(self, *, audit: Audit, **kwargs: Any) -> None:  # noqa: ANN401 - forwarded to pytest
        super().__init__(**kwargs)
        self.audit = audit

    def collect(self) -> Iterator[pytest.Item]:
        for check in FILE_CHECKS:
            yield CheckItem.from_parent(self, name=check.value, audit=self.audit, check=check, elf=self.name)


class _Item(pytest.Item):
    """Shared by every gate item: the marker, one-line failures, a readable location."""

    def __init__(self, **kwargs: Any) -> None:  # noqa: ANN401 - forwarded to pytest
        super().__init__(**kwargs)
        self.add_marker(pytest.mark.manylinux)

    def repr_failure(
        self,
        excinfo: ExceptionInfo[BaseException],
        style: Any = None,  # noqa: ANN401 - pytest's signature
    ) -> str | TerminalRepr:
        return _format(excinfo, lambda e: super(_Item, self).repr_failure(e, style))

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, self.nodeid.split("::", 1)[-1]


class _GateItem(_Item):
    def __init__(self, *, audit: Audit, **kwargs: Any) -> None:  # noqa: ANN401 - forwarded to pytest
        super().__init__(**kwargs)
        self.audit = audit

    def _conclude(self, header: str, found: list[Violation], text: str) -> None:
        if any(v.counts for v in found):
            raise CheckFailedError(f"{header}\n{text}")
        reasons = sorted({v.allowed_by for v in found if v.allowed_by})
        if reasons:
            pytest.xfail("allowed: " + "; ".join(reasons))


class CheckItem(_GateItem):
    """One check of one ELF file against every target policy."""

    def __init__(self, *, check: Check, elf: str, **kwargs: Any) -> None:  # noqa: ANN401 - forwarded to pytest
        super().__init__(**kwargs)
        self.check = check
        self.elf = elf

    def runtest(self) -> None:
        blocks: list[str] = []
        found: list[Violation] = []
        for verdict in self.audit.verdicts:
            for file_verdict in verdict.files:
                if file_verdict.path == self.elf and file_verdict.of(self.check):
                    found.extend(file_verdict.of(self.check))
                    blocks.append(f"{self.elf}  vs  {verdict.policy}\n{render_check(file_verdict, self.check)}")
        self._conclude(f"{self.audit.facts.path}", found, "\n".join(blocks))


class TagsItem(_GateItem):
    """The wheel as a whole: its declared tags against its content, and RECORD."""

    def runtest(self) -> None:
        from .plugin import record_audit  # noqa: PLC0415

        record_audit(self, self.audit, gate=True)
        found = [
            *self.audit.tags,
            *(v for verdict in self.audit.verdicts for v in verdict.violations),
        ]
        lines = [
            f"  + {v.subject:<30} {v.hint}"
            + (f"  (most compatible: {v.expected})" if v.check is Check.TAGS and v.expected else "")
            for v in found
        ]
        best = f"most compatible tag this wheel qualifies for: {self.audit.best}"
        self._conclude(self.audit.facts.path, found, "\n".join([*lines, best]))


class ErrorItem(_Item):
    """Stands in for a wheel that could not be read, so the others still run."""

    def __init__(self, *, message: str, **kwargs: Any) -> None:  # noqa: ANN401 - forwarded to pytest
        super().__init__(**kwargs)
        self.message = message

    def runtest(self) -> None:
        raise CheckFailedError(self.message)
