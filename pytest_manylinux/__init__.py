"""pytest-manylinux: prove inside pytest that Linux wheels keep their tag's promise.

The public API is small: audit a wheel, directory or ELF file and get a frozen
result back. The pytest plugin lives in :mod:`pytest_manylinux.plugin` and is
loaded through the ``pytest11`` entry point ``manylinux``.

Every name is imported on first use (PEP 562): pytest imports this package
whenever the plugin is installed, and a project that does not use it should
not pay for pyelftools, zip handling or even the data model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOMES = {
    "audit_elf": "._audit",
    "audit_wheel": "._audit",
    **dict.fromkeys(
        ("InvalidELFError", "InvalidWheelError", "ManylinuxError", "PolicyDataError", "UnknownPolicyError"),
        "._errors",
    ),
    **dict.fromkeys(
        (
            "Audit",
            "Check",
            "ElfFacts",
            "FileVerdict",
            "Libc",
            "Policy",
            "SymbolRef",
            "VersionNeed",
            "Violation",
            "WheelFacts",
            "WheelVerdict",
        ),
        "._model",
    ),
}

__all__ = sorted([*_HOMES, "__version__"])


def __dir__() -> list[str]:
    return __all__


def __getattr__(name: str) -> Any:  # noqa: ANN401 - PEP 562 module attribute
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

        try:
            return version("pytest-manylinux")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            return "0+unknown"
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name], __name__), name)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
