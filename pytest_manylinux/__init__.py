"""pytest-manylinux: prove inside pytest that Linux wheels keep their tag's promise.

The public API is small: audit a wheel, directory or ELF file and get a frozen
result back. The pytest plugin lives in :mod:`pytest_manylinux.plugin` and is
loaded through the ``pytest11`` entry point ``manylinux``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._audit import audit_elf, audit_wheel
from ._errors import (
    InvalidELFError,
    InvalidWheelError,
    ManylinuxError,
    PolicyDataError,
    UnknownPolicyError,
)
from ._model import (
    Audit,
    Check,
    ElfFacts,
    FileVerdict,
    Libc,
    Policy,
    SymbolRef,
    VersionNeed,
    Violation,
    WheelFacts,
    WheelVerdict,
)

try:
    __version__ = version("pytest-manylinux")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "Audit",
    "Check",
    "ElfFacts",
    "FileVerdict",
    "InvalidELFError",
    "InvalidWheelError",
    "Libc",
    "ManylinuxError",
    "Policy",
    "PolicyDataError",
    "SymbolRef",
    "UnknownPolicyError",
    "VersionNeed",
    "Violation",
    "WheelFacts",
    "WheelVerdict",
    "__version__",
    "audit_elf",
    "audit_wheel",
]


def __dir__() -> list[str]:
    return __all__
