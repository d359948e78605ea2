"""pytest-manylinux: prove inside pytest that Linux wheels keep their tag's promise.

The public API is small: audit a wheel, directory or ELF file and get a frozen
result back. The pytest plugin lives in :mod:`pytest_manylinux.plugin` and is
loaded through the ``pytest11`` entry point ``manylinux``.

Every name is imported on first use (PEP 562): pytest imports this package
whenever the plugin is installed, and a project that does not use it should
not pay for pyelftools, zip handling or even the data model. The imports under
``TYPE_CHECKING`` use the ``X as X`` form and ``__all__`` is a literal, so a
user's ``mypy --strict`` sees every name as explicitly exported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._audit import audit_elf as audit_elf
    from ._audit import audit_wheel as audit_wheel
    from ._checks import Allowances as Allowances
    from ._errors import InvalidELFError as InvalidELFError
    from ._errors import InvalidWheelError as InvalidWheelError
    from ._errors import ManylinuxError as ManylinuxError
    from ._errors import PolicyDataError as PolicyDataError
    from ._errors import UnknownPolicyError as UnknownPolicyError
    from ._model import Audit as Audit
    from ._model import Check as Check
    from ._model import ElfFacts as ElfFacts
    from ._model import FileVerdict as FileVerdict
    from ._model import Libc as Libc
    from ._model import Policy as Policy
    from ._model import SymbolRef as SymbolRef
    from ._model import VersionNeed as VersionNeed
    from ._model import Violation as Violation
    from ._model import WheelFacts as WheelFacts
    from ._model import WheelVerdict as WheelVerdict
    from ._view import AuditView as AuditView
    from ._view import SymbolVersion as SymbolVersion
    from ._wheel import Limits as Limits

    __version__: str

__all__ = [
    "Allowances",
    "Audit",
    "AuditView",
    "Check",
    "ElfFacts",
    "FileVerdict",
    "InvalidELFError",
    "InvalidWheelError",
    "Libc",
    "Limits",
    "ManylinuxError",
    "Policy",
    "PolicyDataError",
    "SymbolRef",
    "SymbolVersion",
    "UnknownPolicyError",
    "VersionNeed",
    "Violation",
    "WheelFacts",
    "WheelVerdict",
    "__version__",
    "audit_elf",
    "audit_wheel",
]

_HOMES = {
    "audit_elf": "._audit",
    "audit_wheel": "._audit",
    "Allowances": "._checks",
    "InvalidELFError": "._errors",
    "InvalidWheelError": "._errors",
    "ManylinuxError": "._errors",
    "PolicyDataError": "._errors",
    "UnknownPolicyError": "._errors",
    "Audit": "._model",
    "Check": "._model",
    "ElfFacts": "._model",
    "FileVerdict": "._model",
    "Libc": "._model",
    "Policy": "._model",
    "SymbolRef": "._model",
    "VersionNeed": "._model",
    "Violation": "._model",
    "WheelFacts": "._model",
    "WheelVerdict": "._model",
    "AuditView": "._view",
    "SymbolVersion": "._view",
    "Limits": "._wheel",
}


def __dir__() -> list[str]:
    return __all__


def __getattr__(name: str) -> object:
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
